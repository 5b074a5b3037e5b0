"""A scripted OpenAI-compatible chat server on loopback, and replies shaped as real ones.

Shared by the LLM-path tests over real HTTP (``test_openai_server.py``, ``test_faults.py``,
``security/``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.backends import make_backend
from agent.core import Agent
from agent.toolset import Deps
from knowledge.settings import Settings

Call = tuple[str, str, dict[str, Any]]
Reply = tuple[str, Any]


def gpt_stream(text: str = "", calls: list[Call] = (),  # type: ignore[assignment]
               usage: tuple[int, int] = (120, 30)) -> Reply:
    """An SSE reply as GPT-4o streams it: text, then each call's arguments in pieces."""
    base = {"id": "chatcmpl-9", "object": "chat.completion.chunk", "created": 1,
            "model": "gpt-4o-2024-08-06"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": None if calls and not text else ""})]
    words = text.split(" ")
    chunks += [chunk({"content": w if i == 0 else " " + w}) for i, w in enumerate(words) if text]
    for index, (call_id, name, _) in enumerate(calls):
        chunks.append(chunk({"tool_calls": [{"index": index, "id": call_id, "type": "function",
                                             "function": {"name": name, "arguments": ""}}]}))
    for index, (_, _, args) in enumerate(calls):  # parallel calls: arguments interleave
        raw = json.dumps(args)
        for piece in (raw[: len(raw) // 3], raw[len(raw) // 3: 2 * len(raw) // 3],
                      raw[2 * len(raw) // 3:]):
            chunks.append(chunk({"tool_calls": [{"index": index,
                                                 "function": {"arguments": piece}}]}))
    chunks.append(chunk({}, "tool_calls" if calls else "stop"))
    chunks.append({**base, "choices": [], "usage": {
        "prompt_tokens": usage[0], "completion_tokens": usage[1],
        "total_tokens": usage[0] + usage[1]}})
    return "sse", chunks


def completion(text: str) -> Reply:
    """A whole (non-streamed) chat completion: a server that ignores ``stream``."""
    return "json", (200, {"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
                          "choices": [{"index": 0, "finish_reason": "stop", "message": {
                              "role": "assistant", "content": text}}],
                          "usage": {"prompt_tokens": 50, "completion_tokens": 7,
                                    "total_tokens": 57}})


def status_error(status: int) -> Reply:
    """An error reply in the OpenAI shape (429, 500, ...)."""
    return "json", (status, {"error": {"message": f"status {status}", "type": "server_error"}})


HANG: Reply = ("hang", None)  # no answer until the server closes (a client's timeout)


class ScriptedServer:
    """Chat completions on loopback; reply n is ``script(n, body)``."""

    def __init__(self, script: Callable[[int, dict[str, Any]], Reply]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                outer.paths.append(self.path)
                kind, payload = script(len(outer.requests), body)
                if kind == "hang":
                    outer.release.wait(30)
                    return
                if kind == "json":
                    status, data = payload
                    raw = json.dumps(data).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for item in payload:
                    self.wfile.write(f"data: {json.dumps(item)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> ScriptedServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Callable[[int, dict[str, Any]], Reply]) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def agent_for(server: ScriptedServer, tmp_path: Path, model: str = "gpt-4o") -> Agent:
    settings = Settings(data_dir=tmp_path, backend="openai", openai_base_url=server.base_url,
                        model=model, max_retries=1)
    deps = Deps(settings, store=None)
    return Agent(make_backend(settings, deps, backoff=0.01), deps)


class HoldingModel:
    """A scripted model: a session's first call waits (up to 60 s) for a second session's."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=60)
        self.overlapped: list[bool] = []
        self.server = ScriptedServer(lambda n, body: self.reply(body))

    beacon = ""  # a URL on the watching server; answers about "beacon" carry its images

    def reply(self, body: dict[str, Any]) -> tuple[str, Any]:
        messages = body.get("messages") or []
        user = str(next((m.get("content") for m in reversed(messages)
                         if m.get("role") == "user"), ""))
        if "beacon" in user.lower():
            if messages[-1].get("role") == "tool":
                return gpt_stream(f"Found it. ![m]({self.beacon}/model.png) and "
                                  f"[details]({self.beacon}/link)")
            return gpt_stream(calls=[("c1", "find_partners", {"query": "Beacon Works"})])
        if messages and messages[-1].get("role") == "tool":
            return gpt_stream("Here is what the tools found.")
        if "portfolio" not in user.lower() and "integrators" not in user.lower():
            return gpt_stream("Noted.")
        try:
            self.barrier.wait()
            self.overlapped.append(True)
        except threading.BrokenBarrierError:
            self.overlapped.append(False)  # the other session's turn never started meanwhile
        if "portfolio" in user.lower():
            return gpt_stream(calls=[("c1", "portfolio_summary", {})])
        return gpt_stream(calls=[("c1", "find_partners", {"query": "systems integrators"})])

    @property
    def base_url(self) -> str:
        return self.server.base_url
