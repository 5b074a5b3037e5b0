"""The entry point: any backend's events go through the guard; the session records turns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agent.backends import Backend, make_backend
from agent.core import Agent, TurnResult
from agent.events import (
    Citation,
    ErrorEvent,
    Event,
    FinalAnswer,
    FollowUp,
    TextDelta,
    ToolCall,
    ToolResult,
)
from agent.guard import UNVERIFIED
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings
from tools.errors import FrameworkError


class ListBackend:
    name = "scripted"
    model: str | None = None

    def __init__(self, events: list[Event] | Exception) -> None:
        self.events = events
        self.closed = False

    def stream_turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        if isinstance(self.events, Exception):
            yield TextDelta(text="partial ")
            raise self.events
        yield from self.events

    def close(self) -> None:
        self.closed = True


def agent_with(events: list[Event] | Exception, tmp_path: Path) -> Agent:
    return Agent(ListBackend(events), Deps(Settings(data_dir=tmp_path)))


SCORED: list[Event] = [
    ToolCall(call_id="1", name="score_partner", input={"icp_overlap": 80}),
    ToolResult(call_id="1", name="score_partner", output={"score": 71.5}),
    Citation(doc_id="scoring", title="Scoring", section="Bands", snippet="priority at 75"),
    TextDelta(text="Score 71.5, "),
    TextDelta(text="below the 75 line. Pipeline $9M."),
    FinalAnswer(text="Score 71.5, below the 75 line. Pipeline $9M.", backend="scripted"),
]


@pytest.mark.parametrize(("backend", "extra"), [
    ("offline", {}),
    ("openai", {"openai_base_url": "http://127.0.0.1:9/v1", "model": "m"}),
])
def test_the_factory_builds_real_backends_that_meet_the_protocol(
        tmp_path: Path, backend: str, extra: dict[str, Any]) -> None:
    settings = Settings(data_dir=tmp_path, backend=backend, **extra)
    agent = Agent(make_backend(settings, Deps(settings)), Deps(settings))
    try:
        assert isinstance(agent.backend, Backend)
        assert agent.backend_name == backend
    finally:
        agent.close()


def test_an_object_without_stream_turn_is_not_a_backend() -> None:
    class Named:
        name = "x"
        model = None

    assert not isinstance(Named(), Backend)


def test_guard_applies_to_streamed_text_and_final_answer(tmp_path: Path) -> None:
    events = list(agent_with(SCORED, tmp_path).stream("score it", Session()))
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    final = events[-1]
    assert isinstance(final, FinalAnswer)
    assert final.text == f"Score 71.5, below the 75 line. Pipeline {UNVERIFIED}."
    assert streamed == final.text
    assert final.ungrounded == ["$9M"]


def test_run_folds_events_and_records_the_turn(tmp_path: Path) -> None:
    session = Session()
    result = agent_with(SCORED, tmp_path).run("score it", session)
    assert result.tool_calls == [{"name": "score_partner", "input": {"icp_overlap": 80},
                                  "output": {"score": 71.5}, "error": None}]
    assert [c.doc_id for c in result.citations] == ["scoring"]
    assert result.backend == "scripted" and result.error is None
    assert [(t.role, t.content) for t in session.turns] == [
        ("user", "score it"), ("assistant", result.answer)]
    data = result.as_json()
    assert set(data) >= {"answer", "citations", "tool_calls", "documents", "backend"}
    assert data["citations"] == [{"doc_id": "scoring", "title": "Scoring", "section": "Bands"}]


def test_follow_up_becomes_the_answer(tmp_path: Path) -> None:
    events: list[Event] = [FollowUp(question="Which partner?", missing=["partner"])]
    result = agent_with(events, tmp_path).run("review tier", Session())
    assert result.follow_up is not None and result.answer == "Which partner?"


def test_a_crashing_backend_gives_an_error_event_not_a_traceback(tmp_path: Path) -> None:
    session = Session()
    result = agent_with(RuntimeError("kaput"), tmp_path).run("hi", session)
    assert result.error is not None and result.error.kind == "internal"
    assert "kaput" in result.error.message
    assert not any(isinstance(e, FinalAnswer) for e in result.events)
    assert [t.role for t in session.turns] == ["user"]


def test_error_event_passes_through(tmp_path: Path) -> None:
    result = agent_with([ErrorEvent(kind="timeout", message="slow")], tmp_path).run(
        "hi", Session())
    assert result.error == ErrorEvent(kind="timeout", message="slow")


def test_close_reaches_the_backend(tmp_path: Path) -> None:
    agent = agent_with([], tmp_path)
    with agent:
        pass
    assert agent.backend.closed  # type: ignore[attr-defined]


def test_from_settings_builds_each_backend(tmp_path: Path) -> None:
    openai = Agent.from_settings(Settings(data_dir=tmp_path, openai_api_key="sk-test"))
    assert openai.backend_name == "openai" and openai.backend.model == "gpt-4o-mini"
    offline = Agent.from_settings(Settings(data_dir=tmp_path, backend="offline"))
    assert offline.backend_name == "offline"
    with pytest.raises(FrameworkError, match="gguf"):
        Agent.from_settings(Settings(data_dir=tmp_path, backend="local"))
    with pytest.raises(FrameworkError, match="gguf: no model file"):
        Agent.from_settings(Settings(data_dir=tmp_path, backend="local",
                                     gguf=tmp_path / "missing.gguf"))


def test_turn_result_from_events_pairs_calls_and_results() -> None:
    events: list[Any] = [
        ToolCall(call_id="a", name="x", input={}),
        ToolCall(call_id="b", name="y", input={"k": 1}),
        ToolResult(call_id="b", name="y", error="k: bad"),
        ToolResult(call_id="a", name="x", output=[1]),
    ]
    result = TurnResult.from_events(events, "offline", None)
    assert [(c["name"], c["output"], c["error"]) for c in result.tool_calls] == [
        ("x", [1], None), ("y", None, "k: bad")]


def test_a_resolved_partner_becomes_the_focus(tmp_path: Path) -> None:
    events: list[Event] = [
        ToolCall(call_id="1", name="show_partner", input={"partner": "Acme"}),
        ToolResult(call_id="1", name="show_partner",
                   output={"partner": {"partner_id": "P-0007"}, "score": 70.0}),
        FinalAnswer(text="Shown.", backend="scripted"),
    ]
    session = Session()
    agent_with(events, tmp_path).run("show Acme", session)
    assert session.focus_partner_id == "P-0007"
