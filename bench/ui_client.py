"""A chat client for a running ``partnerpilot ui``: a real login and Chainlit's own socket.

What the browser does, without a browser: ``POST /login`` for the session cookie, then the
Socket.IO connection Chainlit's page opens (same origin, same auth payload), one
``client_message`` per turn, and the turn's end (``task_end``). Used by the load test
(``bench/ui_load.py``) and by the tests that need many threads quickly.
"""

from __future__ import annotations

import asyncio
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import socketio


def login_cookie(url: str, username: str, password: str) -> str:
    """The ``access_token=...`` cookie of a real login.

    Raises:
        RuntimeError: When the server refuses the login.
    """
    body = urllib.parse.urlencode({"username": username, "password": password}).encode()
    request = urllib.request.Request(url + "/login", data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Origin": url})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            cookies = response.headers.get_all("set-cookie") or []
    except OSError as exc:
        raise RuntimeError(f"login of {username} refused: {exc}") from exc
    for cookie in cookies:
        if cookie.startswith("access_token="):
            return cookie.split(";", 1)[0]
    raise RuntimeError(f"login of {username}: no session cookie")


@dataclass
class Turn:
    """One message sent and what came back."""

    text: str
    seconds: float
    ok: bool
    messages: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)


class ChatClient:
    """One user's chat session over Chainlit's socket (see the module docstring)."""

    def __init__(self, url: str, cookie: str, username: str) -> None:
        self.url = url
        self.cookie = cookie
        self.username = username
        self.session_id = str(uuid.uuid4())
        self.thread_id: str | None = None
        self.sio = socketio.AsyncClient(reconnection=False)
        self._events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("task_start", "task_end", "new_message", "update_message", "first_interaction",
                     "stream_start", "stream_token"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any = None) -> None:
            if name == "first_interaction" and isinstance(data, dict):
                self.thread_id = data.get("thread_id") or self.thread_id
            await self._events.put((name, data))
        return record

    async def connect(self) -> None:
        """Open the socket as the page does and start the chat session."""
        auth = {"clientType": "webapp", "sessionId": self.session_id, "threadId": None,
                "userEnv": "{}", "chatProfile": None}
        await self.sio.connect(self.url, socketio_path="/ws/socket.io", transports=["websocket"],
                               headers={"Cookie": self.cookie, "Origin": self.url}, auth=auth,
                               wait_timeout=60)
        await self.sio.emit("connection_successful")
        await self._wait_for("task_end", timeout=60)
        await self._quiet()

    async def _quiet(self, seconds: float = 0.5) -> None:
        """Drain events until none came for ``seconds`` (the chat start sends a few)."""
        while True:
            try:
                await asyncio.wait_for(self._events.get(), seconds)
            except TimeoutError:
                return

    async def _wait_for(self, name: str, timeout: float) -> list[tuple[str, Any]]:
        seen: list[tuple[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no {name} within {timeout}s")
            event = await asyncio.wait_for(self._events.get(), left)
            seen.append(event)
            if event[0] == name:
                return seen

    async def send(self, text: str, timeout: float = 180.0) -> Turn:
        """Send one message and wait until the turn has ended; time it."""
        message = {"id": str(uuid.uuid4()), "threadId": self.thread_id or "",
                   "name": self.username, "type": "user_message", "output": text,
                   "createdAt": datetime.now(UTC).isoformat()}
        start = time.perf_counter()
        await self.sio.emit("client_message", {"message": message, "fileReferences": []})
        shown: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:  # a turn ends with the task_end after its answer (not a stray earlier one)
            try:
                seen = await self._wait_for("task_end", deadline - time.monotonic())
            except TimeoutError:
                return Turn(text, time.perf_counter() - start, False, [], [])
            shown += [d for name, d in seen if name in ("new_message", "update_message")
                      and isinstance(d, dict)]
            if any(d.get("type") == "assistant_message" for d in shown):
                break
        seconds = time.perf_counter() - start
        for _ in range(100):  # Chainlit names the thread in a task that may end after the turn
            if self.thread_id is not None:
                break
            await asyncio.sleep(0.05)
        messages = [d for d in shown if d.get("type") == "assistant_message"]
        steps = [d for d in shown if d.get("type") == "tool"]
        ok = not any(d.get("isError") for d in messages)
        return Turn(text, seconds, ok, messages, steps)

    async def close(self) -> None:
        """Close the socket."""
        await self.sio.disconnect()
