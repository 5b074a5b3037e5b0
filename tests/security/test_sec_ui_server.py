"""Red team, chat UI (issue 12 items 11-14, 16, 17, 23) against one real ``partnerpilot ui``.

One server for the whole module, on the OpenAI-compatible backend pointed at a scripted model
on loopback that holds each session's first model call until the other session's has arrived
(so overlapping turns are proven by order, not by timing). Real HTTP requests with a
foreign ``Origin``, real logins and logouts, and two real Chromium sessions.
"""

from __future__ import annotations

import json
import stat
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import websocket

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared helpers

from openai_script import HoldingModel  # noqa: E402
from ui_server import (  # noqa: E402
    CHROMIUM,
    FLAGS,
    UIServer,
    attach,
    browser_context,
    db_rows,
    login_cookie,
    send,
    start_ui_server,
)
from ui_server import login as browser_login  # noqa: E402

from ui import auth  # noqa: E402

pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow,
              pytest.mark.timeout(600)]
USERS = {"alice": "alice-password", "bob": "bob-password", "carol": "carol-password",
         "dave": "dave-password"}


@pytest.fixture(scope="module")
def model() -> Iterator[HoldingModel]:
    held = HoldingModel()
    yield held
    held.server.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model: HoldingModel) -> Iterator[UIServer]:
    data_dir = tmp_path_factory.mktemp("ui-sec") / "data"
    running = start_ui_server(data_dir, USERS, log_path=data_dir.parent / "ui-server.log", env={
        "PARTNERPILOT_BACKEND": "openai", "OPENAI_BASE_URL": model.base_url,
        "OPENAI_API_KEY": "sk-test", "PARTNERPILOT_MODEL": "gpt-4o"})
    try:
        yield running
    finally:
        running.stop()


def request(server: UIServer, method: str, path: str, body: Any = None,
            headers: dict[str, str] | None = None, form: bool = False) -> tuple[int, Any, Any]:
    """(status, parsed body, headers) of one real HTTP request."""
    data = None
    sent = dict(headers or {})
    if body is not None:
        if form:
            data = "&".join(f"{k}={v}" for k, v in body.items()).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
    req = urllib.request.Request(server.url + path, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, error.headers
    try:
        return status, json.loads(raw or b"null"), got
    except ValueError:
        return status, raw.decode(errors="replace"), got


def login(server: UIServer, name: str, password: str | None = None) -> str | None:
    """The session cookie of a real login (None when refused)."""
    try:
        return login_cookie(server.url, name, password or server.users[name])
    except RuntimeError:
        return None


def test_a_foreign_origin_gets_nothing_over_http_or_the_socket(server: UIServer) -> None:
    cookie = login(server, "alice")
    assert cookie
    foreign = {"Cookie": cookie, "Origin": "http://127.0.0.1:1"}
    payload = {"pagination": {"first": 20}, "filter": {}}
    status, _, headers = request(server, "POST", "/project/threads", payload, foreign)
    assert status == 403 and headers.get("access-control-allow-origin") is None
    own = {"Cookie": cookie, "Origin": server.url}
    assert request(server, "POST", "/project/threads", payload, own)[0] == 200
    status, _, headers = request(server, "GET", "/login", headers={"Cookie": cookie})
    assert status == 200 and "img-src 'self' data: blob:" in headers["content-security-policy"]
    socket = "/ws/socket.io/?EIO=4&transport=polling"
    assert request(server, "GET", socket, headers=foreign)[0] == 403
    assert request(server, "GET", socket, headers=own)[0] == 200
    ws_url = server.url.replace("http", "ws", 1) + "/ws/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(ws_url, origin="http://127.0.0.1:1", cookie=cookie,
                                    timeout=10)
    websocket.create_connection(ws_url, origin=server.url, cookie=cookie, timeout=10).close()


def test_chromium_on_another_port_cannot_read_the_thread_list(server: UIServer) -> None:
    import playwright.sync_api as playwright_api

    page_html = (b"<html><body><script>fetch('" + server.url.encode() +
                 b"/project/threads', {method: 'POST', credentials: 'include', headers: "
                 b"{'Content-Type': 'application/json'}, body: JSON.stringify({pagination: "
                 b"{first: 20}, filter: {}})}).then(r => r.text()).then(t => "
                 b"document.title = 'read:' + t.length, e => document.title = 'blocked')"
                 b"</script></body></html>")

    class Evil(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

    evil = ThreadingHTTPServer(("127.0.0.1", 0), Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    cookie = login(server, "alice")
    assert cookie
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu"])
            ctx = browser.new_context()
            name, value = cookie.split("=", 1)
            ctx.add_cookies([{"name": name, "value": value, "url": server.url}])
            page = ctx.new_page()
            page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
            page.wait_for_function("() => document.title !== ''", timeout=30_000)
            assert page.title() == "blocked"
            browser.close()
    finally:
        evil.shutdown()
        evil.server_close()


def test_wrong_passwords_lock_the_name_even_for_the_right_one(server: UIServer) -> None:
    for _ in range(5):
        assert login(server, "carol", "not-her-password") is None
    assert login(server, "carol") is None  # locked: the right password does not get in
    assert login(server, "dave")  # another name from the same address still can


def test_logout_and_a_password_change_end_sessions(server: UIServer) -> None:
    cookie = login(server, "bob")
    assert cookie and request(server, "GET", "/user", headers={"Cookie": cookie})[0] == 200
    assert request(server, "POST", "/logout", {}, {"Cookie": cookie})[0] == 200
    assert request(server, "GET", "/user", headers={"Cookie": cookie})[0] == 401
    auth.add_user(server.data_dir, "erin", "erin-password-1")
    erin = login(server, "erin", "erin-password-1")
    assert erin and request(server, "GET", "/user", headers={"Cookie": erin})[0] == 200
    auth.add_user(server.data_dir, "erin", "erin-password-2")  # `partnerpilot users add`
    assert request(server, "GET", "/user", headers={"Cookie": erin})[0] == 401
    assert login(server, "erin", "erin-password-2")


def _thread_with_answer(server: UIServer, owner: str) -> tuple[str, str]:
    """A thread of ``owner`` with one answer step, as the UI stores them."""
    user_id = db_rows(server, 'SELECT "id" FROM users WHERE "identifier" = ?', owner)[0][0]
    thread, step = str(uuid.uuid4()), str(uuid.uuid4())
    db_rows(server, 'INSERT INTO threads ("id", "name", "userId", "userIdentifier", "metadata") '
        "VALUES (?, 'x', ?, ?, '{}')", thread, user_id, owner)
    db_rows(server, 'INSERT INTO steps ("id", "name", "type", "threadId", "output") '
        "VALUES (?, 'PartnerPilot', 'assistant_message', ?, 'An answer')", step, thread)
    return thread, step


def test_feedback_only_on_your_own_answers(server: UIServer) -> None:
    alice, dave = login(server, "alice"), login(server, "dave")
    assert alice and dave
    thread, step = _thread_with_answer(server, "alice")
    vote = {"feedback": {"forId": step, "value": 0, "comment": "dave was here"},
            "sessionId": "x"}
    assert request(server, "PUT", "/feedback", vote, {"Cookie": dave})[0] == 403
    status, body, _ = request(server, "PUT", "/feedback", {
        "feedback": {"forId": step, "value": 1, "comment": "mine"}, "sessionId": "x"},
        {"Cookie": alice})
    assert status == 200
    feedback_id = body["feedbackId"]
    steal = {"feedback": {"id": feedback_id, "forId": step, "value": 0}, "sessionId": "x"}
    assert request(server, "PUT", "/feedback", steal, {"Cookie": dave})[0] == 403
    assert request(server, "DELETE", "/feedback", {"feedbackId": feedback_id},
                   {"Cookie": dave})[0] == 403
    assert db_rows(server, 'SELECT "value", "comment", "threadId" FROM feedbacks') == [
        (1, "mine", thread)]


def test_the_owner_can_read_an_element_without_props(server: UIServer) -> None:
    alice = login(server, "alice")
    assert alice
    thread, step = _thread_with_answer(server, "alice")
    element = str(uuid.uuid4())
    db_rows(server, 'INSERT INTO elements ("id", "threadId", "type", "name", "display", "forId") '
        "VALUES (?, ?, 'text', 'Source 1', 'side', ?)", element, thread, step)
    status, body, _ = request(server, "GET", f"/project/thread/{thread}/element/{element}",
                              headers={"Cookie": alice})
    assert status == 200 and body["id"] == element and body["props"] == {}


def _chat(browser: Any, server: UIServer, user: str, text: str) -> Any:
    page = browser_login(browser_context(browser, server.url, {"width": 1200, "height": 900}),
                         server, user)
    if text:
        send(page, text)
    return page


def test_two_sessions_turns_overlap_and_the_store_holds(server: UIServer, model: HoldingModel,
                                                        tmp_path: Path) -> None:
    import playwright.sync_api as playwright_api

    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pages = [_chat(browser, server, "alice", "Summarise the partner portfolio"),
                 _chat(browser, server, "dave", "Find systems integrators in EMEA")]
        for page in pages:
            page.locator(".ai-message:has-text('Answered by:')").first.wait_for(
                timeout=180_000)
        pages[0].wait_for_function("() => location.pathname.startsWith('/thread/')",
                                   timeout=30_000)
        texts = [page.locator("body").inner_text() for page in pages]
        alice_tid = pages[0].evaluate("() => location.pathname.split('/').pop()")
        browser.close()
    assert model.overlapped[:2] == [True, True]  # each first call waited for the other's
    for text in texts:
        assert "Something went wrong" not in text and "InternalError" not in text
    assert "Here is what the tools found." in texts[0] and "Here is what" in texts[1]
    assert "Error" not in server.log().split("Your app is available")[-1]
    alice_id = db_rows(server, 'SELECT "id" FROM users WHERE "identifier" = ?', "alice")[0][0]
    keys = [k for (k,) in db_rows(server, 'SELECT "objectKey" FROM elements WHERE "threadId" = ?',
                              alice_tid) if k]
    assert keys and all(k.startswith(f"{alice_id}/") for k in keys), keys  # not unknown/
    alice = login(server, "alice")
    for key in keys:  # the owner gets her chart files back after a reload
        assert request(server, "GET", f"/partnerpilot/files/{urllib.parse.quote(key)}",
                       headers={"Cookie": alice or ""})[0] == 200


def _upload_and_import(page: Any, csv: Path) -> None:
    """Attach ``csv`` in the chat, send "Import these partners", wait for the import report."""
    attach(page, csv)  # the app holds the file until the chat session exists: no retry
    send(page, "Import these partners")
    page.locator(".ai-message:has-text('Import of')").first.wait_for(timeout=120_000)


def test_an_uploaded_file_is_the_owners_and_private(server: UIServer, tmp_path: Path) -> None:
    import playwright.sync_api as playwright_api

    csv = tmp_path / "new-partners.csv"
    csv.write_text("partner_id,name,partner_type,tier,region,industry,description,icp_overlap,"
                   "market_influence,practice_alignment,partnership_appetite,revenue_potential\n"
                   "P-9001,Good Row Ltd,boutique,registered,EMEA,retail,Fine,60,60,60,60,60\n",
                   encoding="utf-8")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = _chat(browser, server, "alice", "")
        _upload_and_import(page, csv)
        page.wait_for_function("() => location.pathname.startsWith('/thread/')",
                               timeout=30_000)
        tid = page.evaluate("() => location.pathname.split('/').pop()")
        browser.close()
    alice_id = db_rows(server, 'SELECT "id" FROM users WHERE "identifier" = ?', "alice")[0][0]
    keys = []
    for _ in range(40):  # the element is saved by a task of its own
        keys = [k for (k,) in db_rows(server, 'SELECT "objectKey" FROM elements WHERE "threadId" '
                                  "= ? AND \"name\" = 'new-partners.csv'", tid) if k]
        if keys:
            break
        threading.Event().wait(0.25)
    assert keys and keys[0].startswith(f"{alice_id}/"), keys  # not unknown/
    url = f"/partnerpilot/files/{urllib.parse.quote(keys[0])}"
    assert request(server, "GET", url, headers={"Cookie": login(server, "alice") or ""})[0] == 200
    assert request(server, "GET", url, headers={"Cookie": login(server, "dave") or ""})[0] == 404
    data = server.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    written = [data / "chat.sqlite3", *(data / "ui-files").rglob("*"),
               *(data / ".files").rglob("*")]
    assert len(written) > 2
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path


def test_markdown_in_data_and_answers_never_calls_out(server: UIServer, model: HoldingModel,
                                                      tmp_path: Path) -> None:
    import playwright.sync_api as playwright_api

    hits: list[str] = []

    class Watch(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

    watch = ThreadingHTTPServer(("127.0.0.1", 0), Watch)
    threading.Thread(target=watch.serve_forever, daemon=True).start()
    model.beacon = f"http://127.0.0.1:{watch.server_address[1]}"
    name = f"Beacon Works ![b]({model.beacon}/beacon.png?who=alice)"
    csv = tmp_path / "beacon.csv"
    csv.write_text("partner_id,name,partner_type,tier,region,industry,description,icp_overlap,"
                   "market_influence,practice_alignment,partnership_appetite,revenue_potential\n"
                   f'P-9100,"{name}",boutique,registered,EMEA,retail,"Beacon Works, see '
                   f'{model.beacon}/desc.png",60,60,60,60,60\n', encoding="utf-8")
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--headless", "--no-sandbox", "--disable-gpu"])
            ctx = browser.new_context(viewport={"width": 1200, "height": 900})
            ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
                (server.url, model.beacon)) else r.abort())
            page = ctx.new_page()
            page.goto(server.url + "/login", wait_until="networkidle")
            page.locator("input").first.fill("alice")
            page.locator("input[type=password]").fill(server.users["alice"])
            page.locator("button[type=submit]").click()
            page.wait_for_selector("#chat-input", timeout=60_000)
            page.wait_for_load_state("networkidle")
            _upload_and_import(page, csv)
            assert "done" in page.locator(".ai-message:has-text('Import of')").first.inner_text()
            # a message with a file is the import only (issue 13): no model turn follows it
            page.wait_for_function("() => !document.querySelector('#chat-input').disabled",
                                   timeout=60_000)
            page.click("#chat-input")
            page.keyboard.type("Show me the beacon partner")
            page.wait_for_function("() => !document.querySelector('#chat-submit').disabled",
                                   timeout=60_000)
            page.keyboard.press("Enter")
            answer = page.locator(".ai-message:has-text('Found it.')").first
            answer.wait_for(timeout=120_000)
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(1500)
            text = answer.inner_text()
            images = page.evaluate("() => [...document.images].map(i => i.src)")
            links = page.evaluate("() => [...document.links].map(a => a.href)")
            browser.close()
    finally:
        watch.shutdown()
        watch.server_close()
    assert hits == []  # nothing on the page made the browser call the watching server
    assert not [u for u in images + links if u.startswith(model.beacon)]
    assert "Beacon Works ![b](" in text  # the name is shown as typed, as text
    assert "m (image not shown)" in text and f"{model.beacon}/link" in text
