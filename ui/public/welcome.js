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
