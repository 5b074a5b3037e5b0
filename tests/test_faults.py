"""The LLM backend against a loopback HTTP server that misbehaves on purpose (429, 5xx, hangs)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from openai_script import HANG, Reply, ScriptedServer, serve, status_error

from agent.backends import make_backend
from agent.core import Agent
from agent.events import ErrorEvent, FinalAnswer, FollowUp, TextDelta, ToolCall
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings

pytestmark = pytest.mark.timeout(60)

__all__ = ["serve"]  # the fixture, imported from openai_script


def sse_chunks(text: str = "", tool_call: tuple[str, str] | None = None) -> Reply:
    """A streamed reply: text in two chunks, or one tool call with raw (maybe bad) arguments."""
    base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
            "model": "fault"}

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": ""})]
    if text:
        half = len(text) // 2
        chunks += [chunk({"content": piece}) for piece in (text[:half], text[half:])]
    if tool_call:
        name, arguments = tool_call
        chunks.append(chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                             "function": {"name": name,
                                                          "arguments": arguments}}]}))
    chunks.append(chunk({}, "tool_calls" if tool_call else "stop"))
    return "sse", chunks


@pytest.fixture
def sleeps(retry_sleeps: list[float]) -> list[float]:
    return retry_sleeps


def agent_for(server: ScriptedServer, tmp_path: Path, **settings: Any) -> Agent:
    config = Settings(data_dir=tmp_path, backend="openai", openai_base_url=server.base_url,
                      openai_api_key=None, model="fault", **settings)
    deps = Deps(config, store=None)
    return Agent(make_backend(config, deps, backoff=0.01), deps)


def test_429_then_200_is_retried_and_answers(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    server = serve(lambda n, _: status_error(429) if n == 1 else sse_chunks("Hello there."))
    events = list(agent_for(server, tmp_path, max_retries=2).stream("hi", Session()))
    assert [e.text for e in events if isinstance(e, FinalAnswer)] == ["Hello there."]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello there."
    assert len(server.requests) == 2 and sleeps == [0.01]
    assert server.requests[0]["stream"] is True


def test_500_always_gives_up_with_a_clear_error(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    server = serve(lambda n, _: status_error(500))
    events = list(agent_for(server, tmp_path, max_retries=2).stream("hi", Session()))
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert error.kind == "server_error"
    assert "5xx" in error.message and "3 attempts" in error.message
    assert len(server.requests) == 3 and sleeps == [0.01, 0.02]
    assert not [e for e in events if isinstance(e, FinalAnswer)]


def test_timeout_is_retried_then_reported_without_hanging(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    server = serve(lambda n, _: HANG)
    agent = agent_for(server, tmp_path, max_retries=1, request_timeout=0.5)
    events = list(agent.stream("hi", Session()))
    [error] = [e for e in events if isinstance(e, ErrorEvent)]
    assert error.kind == "timeout" and "did not answer in time" in error.message
    assert len(server.requests) == 2


def test_malformed_tool_call_json_is_retried_then_the_planner_takes_over(serve: Any, tmp_path: Path,
                                   sleeps: list[float]) -> None:
    bad = ("score_partner", '{"icp_overlap": 80,, ]')
    server = serve(lambda n, _: sse_chunks(tool_call=bad))
    events = list(agent_for(server, tmp_path, max_retries=2).stream("score", Session()))
    # three unreadable replies, then the planner takes the turn: it asks for the criteria
    # (no tool ran on a guess), and no error ends the turn
    assert len(server.requests) == 3
    assert not [e for e in events if isinstance(e, ToolCall | ErrorEvent)]
    assert [e for e in events if isinstance(e, FollowUp)]


def test_a_good_tool_call_runs_and_the_result_goes_back(serve: Any, tmp_path: Path) -> None:
    args = json.dumps({"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
                       "partnership_appetite": 60, "revenue_potential": 50})
    server = serve(lambda n, _: sse_chunks(tool_call=("score_partner", args)) if n == 1
                   else sse_chunks("The score is 74.5."))
    message = "score: ICP 80, influence 90, alignment 70, appetite 60, revenue 50"
    events = list(agent_for(server, tmp_path).stream(message, Session()))
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["score_partner"]
    assert [e.text for e in events if isinstance(e, FinalAnswer)] == ["The score is 74.5."]
    tool_message = server.requests[1]["messages"][-1]
    assert tool_message["role"] == "tool" and '"score": 74.5' in tool_message["content"]
    assert server.requests[0]["tools"][0]["type"] == "function"
