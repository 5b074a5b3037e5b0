"""The one entry point: a user turn goes in, typed events come out.

``Agent.stream(message, session)`` yields :mod:`agent.events`; the CLI, the Chainlit UI, the
eval runner and any API consume exactly these. Which model answers is a :class:`Backend`:
the offline planner (no model), an OpenAI-compatible LLM, or a local GGUF served in-process.

Every backend's text goes through the numeric grounding guard here (:mod:`agent.guard`), so
no backend can put an unverified number in front of a user: streamed text is released at
sentence ends once checked, and the :class:`~agent.events.FinalAnswer` carries the checked
text and the numbers that were withheld.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from agent.backends import Backend, make_backend
from agent.events import (
    Citation,
    DocumentProduced,
    ErrorEvent,
    Event,
    FinalAnswer,
    FollowUp,
    TextDelta,
    ToolCall,
    ToolResult,
)
from agent.guard import Facts, StreamGuard, add_event_facts, guard_text
from agent.session import Session, ToolStep
from agent.toolset import Deps

if TYPE_CHECKING:
    from knowledge.settings import Settings


class TurnResult(BaseModel):
    """Everything one turn produced, for callers that do not stream.

    Args:
        answer: The final, guarded answer text (or the follow-up question).
        citations: Framework passages cited.
        tool_calls: Each call as ``{name, input, output, error}``.
        documents: Drafted documents.
        backend: Which backend answered.
        model: The model name, if a model answered.
        events: Every event, in order.
        ungrounded: Numbers the guard withheld.
        follow_up: The question asked back, if the agent needs more input.
        error: The error, if the turn failed.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    documents: list[DocumentProduced] = Field(default_factory=list)
    backend: str
    model: str | None = None
    events: list[Any] = Field(default_factory=list)
    ungrounded: list[str] = Field(default_factory=list)
    follow_up: FollowUp | None = None
    error: ErrorEvent | None = None

    @classmethod
    def from_events(cls, events: list[Event], backend: str, model: str | None) -> TurnResult:
        """Fold a turn's events into one result."""
        calls: dict[str, dict[str, Any]] = {}
        result = cls(answer="", backend=backend, model=model, events=list(events))
        for event in events:
            if isinstance(event, ToolCall):
                calls[event.call_id] = {"name": event.name, "input": event.input,
                                        "output": None, "error": None}
            elif isinstance(event, ToolResult) and event.call_id in calls:
                calls[event.call_id].update(output=event.output, error=event.error)
            elif isinstance(event, Citation):
                result.citations.append(event)
            elif isinstance(event, DocumentProduced):
                result.documents.append(event)
            elif isinstance(event, FollowUp):
                result.follow_up = event
            elif isinstance(event, FinalAnswer):
                result.answer, result.ungrounded = event.text, list(event.ungrounded)
                result.backend, result.model = event.backend, event.model
            elif isinstance(event, ErrorEvent):
                result.error = event
        if not result.answer and result.follow_up:
            result.answer = result.follow_up.question
        result.tool_calls = list(calls.values())
        return result

    def as_json(self) -> dict[str, Any]:
        """The CLI's ``--json`` shape."""
        return {
            "answer": self.answer,
            "citations": [{"doc_id": c.doc_id, "title": c.title, "section": c.section}
                          for c in self.citations],
            "tool_calls": [{"name": c["name"], "input": c["input"], "output": c["output"],
                            **({"error": c["error"]} if c.get("error") else {})}
                           for c in self.tool_calls],
            "documents": [{"kind": d.kind, "title": d.title, "docx_path": d.docx_path,
                           "markdown_path": d.markdown_path} for d in self.documents],
            "backend": self.backend,
            "model": self.model,
            "ungrounded": self.ungrounded,
            "error": self.error.message if self.error else None,
        }


def _note_focus(result: ToolResult, session: Session) -> None:
    """A tool that resolved one partner puts that partner in the conversation's focus."""
    output = result.output if isinstance(result.output, dict) else {}
    partner = output.get("partner")
    listed = output.get("partners")
    only = listed[0] if isinstance(listed, list) and len(listed) == 1 else None
    partner_id = output.get("partner_id") or (
        partner.get("partner_id") if isinstance(partner, dict) else None) or (
        only.get("partner_id") if isinstance(only, dict) else None)
    if isinstance(partner_id, str) and partner_id:
        session.focus_partner_id = partner_id


def session_facts(session: Session) -> Facts:
    """What a turn may state before any tool runs: the conversation so far.

    This message and the earlier turns (their answers were already guarded), the typed
    results of the earlier turns' tool calls (so a later answer may repeat a figure an
    earlier tool gave), and the arguments of the last tool call, which a what-if names
    ("instead of 2").
    """
    facts = Facts()
    for turn in session.turns[:-1]:
        facts.add_text(turn.content, count_nouns=False)
    for step in session.earlier_steps():
        facts.add_data(step.output, count_nouns=False)
    if session.turns:
        facts.add_text(session.turns[-1].content)
    if session.last_call is not None:
        facts.add_data(session.last_call.args)
    return facts


class Agent:
    """One agent over one store: ``stream`` / ``run`` a user turn through a backend.

    Args:
        backend: What answers turns.
        deps: Store, settings and output folder handed to every tool.
    """

    def __init__(self, backend: Backend, deps: Deps) -> None:
        self.backend = backend
        self.deps = deps

    @classmethod
    def from_settings(cls, settings: Settings, store: Any | None = None,
                      output_dir: Path | None = None) -> Agent:
        """Build the agent the settings describe (offline, openai or local).

        Args:
            settings: The settings (``resolved_backend`` picks the backend).
            store: An open store to reuse; opened lazily from the settings when None.
            output_dir: Where drafted documents go (default ``<data_dir>/documents``).
        """
        deps = Deps(settings, store=store, output_dir=output_dir)
        return cls(make_backend(settings, deps), deps)

    @property
    def backend_name(self) -> str:
        """Which backend answers: offline, openai or local."""
        return self.backend.name

    def stream(self, message: str, session: Session) -> Iterator[Event]:
        """Answer one user message, yielding typed events; the session records the turn."""
        user_turn = session.add_turn("user", message)
        facts = session_facts(session)
        inputs: dict[str, dict[str, Any]] = {}
        steps: list[ToolStep] = []
        guard = StreamGuard(facts)
        streamed: list[str] = []
        final: FinalAnswer | None = None
        failed = False
        for event in self._safe_stream(message, session):
            add_event_facts(facts, event)
            if isinstance(event, FollowUp) and self.backend.name == "offline":
                facts.add_text(event.question)  # the planner's own question, from templates
            if isinstance(event, TextDelta):
                streamed.append(event.text)
                shown = guard.feed(event.text)
                if shown:
                    yield TextDelta(text=shown)
                continue
            if isinstance(event, FinalAnswer):
                final = event
                continue
            if isinstance(event, ToolCall):
                inputs[event.call_id] = dict(event.input)
            if isinstance(event, ToolResult):
                _note_focus(event, session)
                steps.append(ToolStep(call_id=event.call_id, name=event.name,
                                      input=inputs.get(event.call_id, {}),
                                      output=event.output, error=event.error))
            held = guard.flush()  # a tool step ends a piece of text
            if held:
                yield TextDelta(text=held)
            failed = failed or isinstance(event, ErrorEvent)
            yield event
        rest = guard.flush()
        if rest:
            yield TextDelta(text=rest)
        session.record_steps(user_turn, steps)
        if final is None and failed:
            return
        raw = final.text if final is not None else "".join(streamed)
        checked = guard_text(raw, facts)
        answer = FinalAnswer(
            text=checked.text, backend=self.backend.name, model=self.backend.model,
            ungrounded=checked.ungrounded, usage=final.usage if final else {})
        if final is not None:
            answer.ungrounded = list(dict.fromkeys([*final.ungrounded, *checked.ungrounded]))
        session.add_turn("assistant", answer.text)
        yield answer

    def _safe_stream(self, message: str, session: Session) -> Iterator[Event]:
        try:
            yield from self.backend.stream_turn(message, session, self.deps)
        except Exception as exc:  # the entry point never lets a traceback reach a user
            yield ErrorEvent(kind="internal", message=f"{type(exc).__name__}: {exc}")

    def run(self, message: str, session: Session) -> TurnResult:
        """Answer one user message and return everything it produced."""
        events = list(self.stream(message, session))
        return TurnResult.from_events(events, self.backend.name, self.backend.model)

    def close(self) -> None:
        """Release what the backend holds (the local model server)."""
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
