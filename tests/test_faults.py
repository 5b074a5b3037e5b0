"""The LLM backend against a loopback HTTP server that misbehaves on purpose."""

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
from agent.events import ErrorEvent, FinalAnswer, FollowUp, TextDelta, ToolCall
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings

pytestmark = pytest.mark.timeout(60)

Reply = tuple[int, list[dict[str, Any]] | None]


def sse_chunks(text: str = "", tool_call: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    """An OpenAI streaming reply: text in two chunks, or one tool call with raw arguments."""
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
            "model": "fault"}
    chunks = [{**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                    "finish_reason": None}]}]
    if text:
        half = len(text) // 2
        for piece in (text[:half], text[half:]):
            chunks.append({**base, "choices": [{"index": 0, "delta": {"content": piece},
                                                "finish_reason": None}]})
    if tool_call:
        name, arguments = tool_call
        chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [{
            "index": 0, "id": "call_1", "type": "function",
            "function": {"name": name, "arguments": arguments}}]}, "finish_reason": None}]})
    chunks.append({**base, "choices": [{"index": 0, "delta": {},
                                        "finish_reason": "tool_calls" if tool_call else "stop"}]})
    return chunks


class FaultServer:
    """A chat-completions server whose n-th reply is scripted: (status, chunks) or a hang."""

    def __init__(self, script: Callable[[int], Reply | None]) -> None:
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                reply = outer.script(len(outer.requests))
                if reply is None:  # hang until the test ends
                    outer.release.wait(30)
                    return
                status, chunks = reply
                if status != 200:
                    payload = json.dumps({"error": {"message": f"status {status}",
                                                    "type": "server_error"}}).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for chunk in chunks or []:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Callable[[int], Reply | None]], FaultServer]]:
    servers: list[FaultServer] = []

    def start(script: Callable[[int], Reply | None]) -> FaultServer:
        server = FaultServer(script).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture
def sleeps(retry_sleeps: list[float]) -> list[float]:
    return retry_sleeps


def agent_for(server: FaultServer, tmp_path: Path, **settings: Any
              ) -> Agent:
    config = Settings(data_dir=tmp_path, backend="openai", openai_base_url=server.base_url,
                      openai_api_key=None, model="fault", **settings)
    deps = Deps(config, store=None)
    return Agent(make_backend(config, deps, backoff=0.01), deps)


def test_429_then_200_is_retried_and_answers(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    server = serve(lambda n: (429, None) if n == 1 else (200, sse_chunks("Hello there.")))
    events = list(agent_for(server, tmp_path, max_retries=2).stream("hi", Session()))
    assert [e.text for e in events if isinstance(e, FinalAnswer)] == ["Hello there."]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello there."
    assert len(server.requests) == 2 and sleeps == [0.01]
    assert server.requests[0]["stream"] is True


def test_500_always_gives_up_with_a_clear_error(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    server = serve(lambda n: (500, None))
    events = list(agent_for(server, tmp_path, max_retries=2).stream("hi", Session()))
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert error.kind == "server_error"
    assert "5xx" in error.message and "3 attempts" in error.message
    assert len(server.requests) == 3 and sleeps == [0.01, 0.02]
    assert not [e for e in events if isinstance(e, FinalAnswer)]


def test_timeout_is_retried_then_reported_without_hanging(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    server = serve(lambda n: None)
    agent = agent_for(server, tmp_path, max_retries=1, request_timeout=0.5)
    events = list(agent.stream("hi", Session()))
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert error.kind == "timeout" and "did not answer in time" in error.message
    assert len(server.requests) == 2


def test_malformed_tool_call_json_is_retried_then_the_planner_takes_over(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    bad = ("score_partner", '{"icp_overlap": 80,, ]')
    server = serve(lambda n: (200, sse_chunks(tool_call=bad)))
    events = list(agent_for(server, tmp_path, max_retries=2).stream("score", Session()))
    # three unreadable replies, then the planner takes the turn: it asks for the criteria
    # (no tool ran on a guess), and no error ends the turn
    assert len(server.requests) == 3
    assert not [e for e in events if isinstance(e, ToolCall | ErrorEvent)]
    assert [e for e in events if isinstance(e, FollowUp)]


def test_a_good_tool_call_runs_and_the_result_goes_back(serve: Any, tmp_path: Path) -> None:
    args = json.dumps({"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
                       "partnership_appetite": 60, "revenue_potential": 50})
    server = serve(lambda n: (200, sse_chunks(tool_call=("score_partner", args))) if n == 1
                   else (200, sse_chunks("The score is 74.5.")))
    message = "score: ICP 80, influence 90, alignment 70, appetite 60, revenue 50"
    events = list(agent_for(server, tmp_path).stream(message, Session()))
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["score_partner"]
    assert [e.text for e in events if isinstance(e, FinalAnswer)] == ["The score is 74.5."]
    tool_message = server.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and '"score": 74.5' in tool_message["content"]
    assert server.requests[0]["tools"][0]["type"] == "function"
