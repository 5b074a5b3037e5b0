// The page's small additions to Chainlit: a welcome above the starters, a source panel that
// opens only when a source chip is clicked, and refusals in plain words.

// A short welcome above the starters of a new conversation (Chainlit shows only the logo).
(function () {
  var TEXT = "Good to see you. Ask about a partner, a tier or the framework, draft a thesis " +
    "or a term sheet, or drop a partner CSV to import it. Every figure comes from a tool " +
    "step you can open, every framework answer cites its source.";
  function place() {
    var starters = document.getElementById("starters");
    if (!starters || document.getElementById("pp-welcome")) return;
    var p = document.createElement("p");
    p.id = "pp-welcome";
    p.textContent = TEXT;
    p.style.cssText = "max-width:42rem;margin:0 auto 1rem;text-align:center;opacity:.85";
    starters.parentNode.insertBefore(p, starters);
  }
  new MutationObserver(place).observe(document.documentElement, {childList: true, subtree: true});
})();

// Sources: the answer names its sources; Chainlit shows each name as a chip that opens the
// passage in the side panel. Chainlit also opens that panel by itself whenever a message
// brings side elements (with the last one's title over all of their texts). Here the panel
// stays open only for the chip that was clicked: any other opening is closed at once. The
// server closes the panel when a new answer starts (ui.render.close_sources).
(function () {
  var clicked = {name: null, at: 0};
  document.addEventListener("click", function (event) {
    var chip = event.target.closest && event.target.closest("a.element-link");
    if (chip) clicked = {name: chip.textContent.trim(), at: Date.now()};
  }, true);
  function close(title) {
    var button = title.querySelector("button");
    if (button) { button.click(); return; }  // desktop panel: its back arrow
    document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", bubbles: true}));
  }
  function check() {
    var title = document.getElementById("side-view-title");
    if (!title) return;
    var name = title.textContent.trim();
    var asked = clicked.name === name && Date.now() - clicked.at < 3000;
    if (title.dataset.ppShown === name) return;  // already checked
    if (asked) { title.dataset.ppShown = name; return; }
    close(title);
  }
  new MutationObserver(check).observe(document.documentElement,
                                      {childList: true, subtree: true, characterData: true});
})();

// Refusals in plain words. Chainlit's page shows every refused request as a notice reading
// "<HTTP status text>: <server detail>" ("Unauthorized: credentialssignin", "Forbidden: not
// your message"). Every request of the page goes through fetch: a refused answer from this
// server is handed on with a kind sentence as its status text and no detail, so the notice
// is that sentence. The login form says itself why a login failed (no second notice there),
// and a session that ended (expired, revoked, logged out elsewhere) is said on the login page.
(function () {
  var KIND = {
    401: "Your session has ended. Please sign in again.",
    403: "Your role does not allow that. Ask an administrator if you need it.",
    404: "That is not available any more. It may have been deleted.",
    413: "That file is too large to upload.",
    429: "Too many tries in a short time. Wait a moment and try again."
  };
  var SERVER = "Something went wrong on our side. Please try again in a moment.";
  var OTHER = "That did not work. Please try again.";
  var ENDED = "pp-session-ended", SIGNED_IN = "pp-signed-in";
  var original = window.fetch.bind(window);
  function ours(input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return new URL(url, location.href).origin === location.origin ? new URL(url, location.href) : null;
  }
  window.fetch = function (input, init) {
    var asked = ours(input);
    if (asked && asked.pathname.endsWith("/logout")) sessionStorage.removeItem(SIGNED_IN);
    return original(input, init).then(function (response) {
      var url = asked;
      if (!url) return response;
      if (response.ok) {
        if (url.pathname.endsWith("/user")) sessionStorage.setItem(SIGNED_IN, "1");
        return response;
      }
      if (url.pathname.endsWith("/login")) return response;  // the form says why
      if (response.status === 401 && sessionStorage.getItem(SIGNED_IN)) {
        sessionStorage.setItem(ENDED, "1");  // it was open: say so on the login page
      }
      var text = KIND[response.status] || (response.status >= 500 ? SERVER : OTHER);
      return new Response("{}", {status: response.status, statusText: text,
                                 headers: {"Content-Type": "application/json"}});
    });
  };
  function loginPage() {
    var onLogin = /\/login\/?$/.test(location.pathname);
    document.documentElement.classList.toggle("pp-login", onLogin);
    if (!onLogin || !sessionStorage.getItem(ENDED)) return;
    var form = document.querySelector("form");
    if (!form || document.getElementById("pp-session-ended")) return;
    var note = document.createElement("p");
    note.id = "pp-session-ended";
    note.setAttribute("role", "status");
    note.textContent = "Your session has ended. Please sign in again.";
    note.style.cssText = "margin:0 0 .75rem;opacity:.85";
    form.parentNode.insertBefore(note, form);
    sessionStorage.removeItem(ENDED);
    sessionStorage.removeItem(SIGNED_IN);
  }
  new MutationObserver(loginPage).observe(document.documentElement,
                                          {childList: true, subtree: true});
})();
