"""Start the real ``partnerpilot ui`` on a free loopback port with its own data dir, and stop it;
and the browser helpers every UI test uses (Debian's Chromium via Playwright).

Used by the browser tests (one server per test module). The store is built with the real
``partnerpilot index``; its embedding cache is kept between runs in the temp folder (vectors
are keyed by model and text, so reuse is exact), which saves most of the indexing time.

Browser helpers: :func:`browser_context` (a context that reaches only the server),
:func:`sign_in` / :func:`login`, :func:`send` / :func:`ask` (a message, and its answer),
:func:`attach` (a file in the composer), :func:`thread_id` and :func:`db_rows`; over the
socket without a browser, :func:`one_thread` / :func:`threads` (run them with
:func:`in_thread`). Shared messages: ``SCORE_MESSAGE``, ``TERM_SHEET_MESSAGE`` and its replies.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import playwright.sync_api as playwright_api

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "bench"))  # the UI bench's socket client (last: bench/agent.py)
from ui_client import ChatClient, login_cookie  # noqa: E402

EMBED_CACHE = Path(tempfile.gettempdir()) / f"partnerpilot-ui-tests-{os.getuid()}" / "embeddings"
USERS = {"alice": "alice-password", "bob": "bob-password"}
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ANSWER_MS = 120_000
SUBMIT_ENABLED = "() => !document.querySelector('#chat-submit').disabled"
ANSWERED = "n => [...document.querySelectorAll('.ai-message')].filter(" \
    "e => e.innerText.includes('Answered by:')).length > n"

#: A score request, and a term-sheet request with the replies to its follow-up questions
#: (question keyword -> reply, most specific first), as the UI tests send them.
SCORE_MESSAGE = ("Score a partner with ICP overlap 80, market influence 70, practice alignment "
                 "60, partnership appetite 90 and revenue potential 50")
TERM_SHEET_MESSAGE = (
    "Draft a term sheet. company: Acme Analytics; partner: Northwind Consulting; model: co-sell;"
    " we contribute: product licences, solution architects; partner contributes: delivery team,"
    " client access; term: 24 months; sponsor: Jane Doe; proof point: two joint wins in 90 "
    "days; kill switch: no joint pipeline after two quarters")
TERM_SHEET_REPLIES = (
    ("partner contribute", "delivery team, client access"),
    ("company contribute", "product licences, solution architects"),
    ("contribute", "product licences, solution architects"),
    ("company", "Acme Analytics"), ("model", "co-sell"), ("sponsor", "Jane Doe"),
    ("proof point", "two joint wins in 90 days"),
    ("kill switch", "no joint pipeline after two quarters"),
    ("term", "24 months"), ("how long", "24 months"), ("partner", "Northwind Consulting"),
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, users: dict[str, str]) -> dict[str, str]:
    """The environment of the server: offline, no model key, its own data dir and users."""
    env = dict(os.environ)
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "PARTNERPILOT_BACKEND",
                "CHAINLIT_AUTH_SECRET", "DATABASE_URL", "LITERAL_API_KEY",
                "CHROMA_AUTH_TOKEN", "PARTNERPILOT_USER", "PARTNERPILOT_ROLES"):
        env.pop(key, None)
    env.update({
        "PARTNERPILOT_DATA_DIR": str(data_dir),
        "PARTNERPILOT_USERS": ",".join(f"{n}:{p}" for n, p in users.items()),
        # the browser tests import partners as any of their users: all are admins here
        "PARTNERPILOT_ROLES": ",".join(f"{n}:admin" for n in users),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    return env


def build_index(data_dir: Path, env: dict[str, str]) -> None:
    """Run the real ``partnerpilot index`` into ``data_dir``, reusing cached vectors."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cached = EMBED_CACHE / "embeddings.sqlite"
    if cached.is_file():
        shutil.copy2(cached, data_dir / "embeddings.sqlite")
    proc = subprocess.run([str(BIN / "partnerpilot"), "index"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"partnerpilot index failed:\n{proc.stdout}\n{proc.stderr}")
    built = data_dir / "embeddings.sqlite"
    if built.is_file():
        EMBED_CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, EMBED_CACHE / "embeddings.tmp")
        os.replace(EMBED_CACHE / "embeddings.tmp", cached)


@dataclass
class UIServer:
    """A running ``partnerpilot ui``."""

    url: str
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    users: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get_json(self, path: str) -> object:
        """GET a JSON route of the server."""
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read().decode())

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Wait until the server answers and its agent has loaded.

        Raises:
            RuntimeError: When the process exits or the timeout passes (with its log).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"partnerpilot ui exited {self.proc.returncode}:\n{self.log()}")
            try:
                ready = self.get_json("/partnerpilot/ready")
                if isinstance(ready, dict) and ready.get("agent"):
                    return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"partnerpilot ui not ready after {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the server's process group (it is ours: started with a new session)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)


def start_ui_server(data_dir: Path, users: dict[str, str] | None = None, index: bool = True,
                    extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                    log_path: Path | None = None) -> UIServer:
    """Index a fresh store in ``data_dir`` and start ``partnerpilot ui`` on a free port.

    ``env`` is added to the server's environment after indexing (e.g. a model backend).
    """
    users = dict(USERS if users is None else users)
    server_vars = server_env(data_dir, users)
    if index:
        build_index(data_dir, server_vars)
    server_vars.update(env or {})
    env = server_vars
    port = free_port()
    log_path = log_path or data_dir / "ui-server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "partnerpilot"), "ui", "--host", "127.0.0.1", "--port", str(port),
             *extra_args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = UIServer(f"http://127.0.0.1:{port}", data_dir, proc, log_path, users)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_ui_server(data_dir: Path) -> Iterator[UIServer]:
    """A UI server on ``data_dir`` for a test module (Chromium must be installed), stopped after."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make chromium` (Debian package chromium)")
    running = start_ui_server(data_dir)
    try:
        yield running
    finally:
        running.stop()


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never ``playwright install``), closed after."""
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def only_server(url: str, outside: list[str] | None = None) -> Callable[[Any], None]:
    """A Playwright route handler: requests to ``url`` go on, any other is recorded and aborted."""
    def route(r: Any) -> None:
        if r.request.url.startswith(url):
            r.continue_()
        else:
            if outside is not None:
                outside.append(r.request.url)
            r.abort()
    return route


def browser_context(browser: Any, url: str, viewport: dict[str, int] | None = None,
                    outside: list[str] | None = None, **options: Any) -> Any:
    """A new browser context that can reach only the server at ``url``."""
    ctx = browser.new_context(viewport=viewport or {"width": 1280, "height": 900}, **options)
    ctx.route("**/*", only_server(url, outside))
    return ctx


def sign_in(page: Any, url: str, user: str, password: str, settle: bool = True,
            timeout_ms: int = 60_000) -> Any:
    """Log ``user`` in on the login page of ``url``; return ``page`` once the chat is shown."""
    page.goto(url + "/login", wait_until="networkidle")
    page.locator("input").first.fill(user)
    page.locator("input[type=password]").fill(password)
    page.locator("button[type=submit]").click()
    page.wait_for_selector("#chat-input", timeout=timeout_ms)
    if settle:
        page.wait_for_load_state("networkidle")
    return page


def login(ctx: Any, server: UIServer, user: str, settle: bool = True, page: Any = None) -> Any:
    """Log ``user`` (one of ``server.users``) in, in a new page of ``ctx`` unless given one."""
    return sign_in(page or ctx.new_page(), server.url, user, server.users[user], settle)


def send(page: Any, text: str) -> None:
    """Type ``text`` in the composer and send it once the previous turn has ended."""
    page.click("#chat-input")
    page.keyboard.type(text)
    page.wait_for_function(SUBMIT_ENABLED, timeout=60_000)
    page.keyboard.press("Enter")


def ask(page: Any, text: str, timeout_ms: int = ANSWER_MS) -> Any:
    """Send ``text``; wait for the answer that carries the model badge and return it."""
    before = page.locator(".ai-message:has-text('Answered by:')").count()
    send(page, text)
    page.wait_for_function(ANSWERED, arg=before, timeout=timeout_ms)
    return page.locator(".ai-message:has-text('Answered by:')").nth(before)



def draft_until_download(page: Any, message: str, replies: tuple[tuple[str, str], ...],
                         timeout_ms: int = 60_000) -> tuple[Any, Any]:
    """Ask for a document, answer each follow-up question from ``replies`` (a key the
    question contains -> the reply); the DOCX download link once shown, and the last answer."""
    answer = ask(page, message)
    link = page.locator("a.inline-file[download$='.docx']").first
    for _ in range(len(replies)):
        if link.count():
            break
        question = answer.inner_text().split("Answered by:")[0].lower()
        reply = next((text for key, text in replies if key in question), None)
        assert reply is not None, f"unexpected follow-up: {question}"
        answer = ask(page, reply)
    link.wait_for(timeout=timeout_ms)
    return link, answer

def attach(page: Any, path: Path) -> None:
    """Put the file at ``path`` in the composer (the app holds it until the session exists)."""
    with page.expect_response(lambda r: "/project/file" in r.url
                              and r.request.method == "POST", timeout=60_000) as uploaded:
        page.set_input_files("#upload-button-input", str(path))
    status = uploaded.value.status
    assert status == 200, f"upload of {path.name} answered {status}"
    page.locator(f"#message-composer >> text={path.name}").wait_for(timeout=30_000)


def thread_id(page: Any) -> str:
    """The id of the thread the page shows (once the URL names it)."""
    page.wait_for_function("() => location.pathname.startsWith('/thread/')", timeout=30_000)
    return str(page.evaluate("() => location.pathname.split('/').pop()"))


def db_rows(server: UIServer, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of ``query`` on the server's chat history database."""
    with sqlite3.connect(server.data_dir / "chat.sqlite3") as conn:
        return list(conn.execute(query, args))


def in_thread(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end in a thread of its own (Playwright holds this one's loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def one_thread(server: UIServer, user: str) -> str:
    """The id of a new thread of ``user`` with one answered message (over the socket)."""
    client = ChatClient(server.url, login_cookie(server.url, user, server.users[user]), user)
    await client.connect()
    await client.send("Summarise the partner portfolio")
    await client.close()
    assert client.thread_id
    return str(client.thread_id)


async def threads(server: UIServer, user: str, count: int, at_once: int = 5) -> list[str]:
    """The ids of ``count`` new threads of ``user``, one answered message each.

    ``at_once`` sockets are open together, as several tabs would be (each connection waits
    half a second for the chat start to go quiet).
    """
    messages = (SCORE_MESSAGE, "Review the tier of Ashcombe Whitley Advisory",
                "Find systems integrators in EMEA", "Summarise the partner portfolio")
    cookie = login_cookie(server.url, user, server.users[user])
    gate = asyncio.Semaphore(at_once)

    async def one(n: int) -> str:
        async with gate:
            client = ChatClient(server.url, cookie, user)
            await client.connect()
            turn = await client.send(messages[n % len(messages)])
            await client.close()
        assert turn.ok and client.thread_id, (n, turn)
        return str(client.thread_id)

    ids = list(await asyncio.gather(*(one(n) for n in range(count))))
    assert len(set(ids)) == count, ids  # a thread of its own each
    return ids
