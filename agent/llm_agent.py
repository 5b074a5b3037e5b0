"""The LLM backend: a LangChain ``create_agent`` loop over the tool registry, as our events.

The model only narrates: it picks tools, our registry runs them, and the results go back as
tool messages. Per turn the model is offered a compact tool set (:mod:`agent.llm_tools`);
the rules of a turn are middleware (:mod:`agent.llm_rules`).

History keeps earlier turns' tool calls and their results (so a later turn can repeat an
earlier figure), newest first within :data:`HISTORY_TOKENS` (estimated), and the whole
request is kept under ``context_tokens`` when the server's context is known. The steps live
in the :class:`~agent.session.Session`, so a conversation resumed from storage keeps them.

Degrade, never die: a server that rejects ``tools`` (some vLLM and Ollama models answer 400)
is retried without them: the offline planner runs the tools and the model only narrates
their results. A model that keeps writing unreadable tool calls gets the same turn. A server
that ignores ``stream`` is read as one message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from agent.events import ErrorEvent, Event, FinalAnswer, FollowUp, TextDelta, ToolResult
from agent.guard import Facts
from agent.llm_context import estimate_tokens
from agent.llm_errors import ModelFailure, classify_error
from agent.llm_rules import CUT_NOTE, LIMIT_NOTE, TurnLedger, turn_middleware
from agent.llm_stream import StreamState, used_citations
from agent.llm_tools import allowed_tools, langchain_tools, select_tools, surface_name
from agent.planner import OfflinePlanner  # type: ignore[attr-defined,unused-ignore]
from agent.planner.sentence import asked_drafts
from agent.session import STEP_TURNS, Session, ToolStep
from agent.toolset import Deps, tool_content
from prompts import make_environment

__all__ = ["LIMIT_NOTE", "LLMBackend", "ModelFailure", "TurnLedger", "classify_error",
           "system_prompt"]

HISTORY_TURNS = STEP_TURNS  # earlier turns replayed (their tool steps are kept that long)
HISTORY_TOKENS = 2500
REPLY_RESERVE = 512


def system_prompt(max_tool_calls: int, today: date | None = None, name: str = "system.md",
                  **values: Any) -> str:
    """A system prompt from ``prompts/`` (Jinja2, StrictUndefined)."""
    template = make_environment("prompts", ".", trim=False).get_template(name)
    return template.render(max_tool_calls=max_tool_calls,
                           today=(today or date.today()).isoformat(), **values)


def trim_history(turns: list[tuple[HumanMessage, list[BaseMessage], AIMessage | None]],
                 budget: int) -> list[BaseMessage]:
    """The history that fits ``budget`` (estimated tokens), newest turns first.

    An older turn that does not fit whole loses its tool steps; the first turn that does not
    fit even so ends the history.
    """
    kept: list[list[BaseMessage]] = []
    used = 0
    for human, steps, answer in reversed(turns):
        tail = [answer] if answer is not None else []
        whole = [human, *steps, *tail]
        cost = estimate_tokens(whole)
        if used + cost > budget:
            whole = [human, *tail]
            cost = estimate_tokens(whole)
            if used + cost > budget:
                break
        kept.append(whole)
        used += cost
    return [m for turn in reversed(kept) for m in turn]


class LLMBackend:
    """Answers turns with a tool-calling chat model (any OpenAI-compatible server).

    Args:
        chat_model: A LangChain chat model that supports ``bind_tools``.
        deps: Store, settings and output folder for the tools.
        name: ``openai`` or ``local``.
        model: The model name reported in answers.
        max_tool_calls: Cap per turn.
        max_retries: Retries of a failed model call.
        backoff: First backoff delay in seconds (doubles each retry, capped at 8 s).
        fallbacks: Chat models tried in order when ``chat_model`` keeps failing.
        on_close: Called by :meth:`close` (stops a local server).
        tool_names: Allow only these tools (None: ``PARTNERPILOT_TOOLS``, else all).
        context_tokens: The server's context length, when known (the request is kept under
            it, with room for the reply).
        select: Pick the turn's tools with the offline scorer (False: offer every allowed
            tool on every call).
        today: The date the system prompt states (default: today; cassettes pin it).
    """

    def __init__(self, chat_model: BaseChatModel, deps: Deps, *, name: str = "openai",
                 model: str | None = None, max_tool_calls: int = 8, max_retries: int = 3,
                 backoff: float = 0.5, fallbacks: list[BaseChatModel] | None = None,
                 on_close: Callable[[], None] | None = None,
                 tool_names: list[str] | None = None, context_tokens: int | None = None,
                 select: bool = True, today: date | None = None) -> None:
        self.name = name
        self.model = model
        self.max_tool_calls = max_tool_calls
        self.context_tokens = context_tokens
        self.select = select
        self.tools_supported = True
        self._on_close = on_close
        self.local_server: Any = None  # the LocalServer behind a ``local`` backend
        setting = ",".join(tool_names) if tool_names is not None else deps.settings.tools
        self.allowed = allowed_tools(setting) if (tool_names is None or tool_names) else []
        self.chat_model = chat_model
        self.today = today
        self.system = system_prompt(max_tool_calls, today)
        self.graph: Any = create_agent(
            chat_model, tools=langchain_tools(deps, self.allowed), system_prompt=self.system,
            middleware=turn_middleware(max_tool_calls, max_retries, backoff, fallbacks or []),
            context_schema=TurnLedger)

    def _earlier(self, session: Session) -> list[tuple[HumanMessage, list[BaseMessage],
                                                      AIMessage | None]]:
        """Earlier turns of the session, with the tool steps kept with them."""
        turns = list(session.turns[:-1] if session.turns else [])[-2 * HISTORY_TURNS:]
        pairs: list[tuple[HumanMessage, list[BaseMessage], AIMessage | None]] = []
        for turn in turns:
            if turn.role == "user":
                pairs.append((HumanMessage(turn.content), _step_messages(turn.steps), None))
            elif pairs and pairs[-1][2] is None:
                pairs[-1] = (pairs[-1][0], pairs[-1][1], AIMessage(turn.content))
            else:
                pairs.append((HumanMessage(""), [], AIMessage(turn.content)))
        return [p for p in pairs if p[0].content or p[2] is not None]

    def _messages(self, message: str, session: Session) -> list[BaseMessage]:
        budget = HISTORY_TOKENS
        if self.context_tokens:
            budget = min(budget, max(0, self.context_tokens // 3))
        history = trim_history(self._earlier(session), budget)
        return [*history, HumanMessage(message)]

    @staticmethod
    def _recent_tools(session: Session) -> list[str]:
        """The surface tools the previous user turn ran (a follow-up often needs them again)."""
        users = [t for t in session.turns[:-1] if t.role == "user"]
        return list(dict.fromkeys(surface_name(s.name) for s in users[-1].steps)) if users else []

    def offered_tools(self, message: str, session: Session, deps: Deps) -> list[str]:
        """The surface tools offered to the model for this message."""
        if not self.select or not self.allowed:
            return list(self.allowed)
        return select_tools(message, deps, self.allowed, recent=self._recent_tools(session))

    def stream_turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        """Run the agent loop for one message and yield our events."""
        if not self.tools_supported:
            yield from self._narrated_turn(message, session, deps)
            return
        ledger = TurnLedger(deps=deps, max_calls=self.max_tool_calls,
                            offered=self.offered_tools(message, session, deps),
                            allowed=self.allowed, context_tokens=self.context_tokens)
        ledger.draft_tools = _asked_drafts(message, session)
        ledger.earlier_results = [tool_content(s.output, s.error)
                                  for s in session.earlier_steps()]
        state = StreamState()
        limit = 4 * self.max_tool_calls + 10
        try:
            for mode, chunk in self.graph.stream(
                {"messages": self._messages(message, session)}, context=ledger,
                stream_mode=["messages", "updates"], config={"recursion_limit": limit},
            ):
                yield from state.convert(mode, chunk)
        except ModelFailure as exc:
            if exc.kind == "tools_unsupported" and not ledger.executed:
                self.tools_supported = False
                yield from self._narrated_turn(message, session, deps)
                return
            if exc.kind == "malformed_tool_call" and not ledger.executed:
                # the model cannot write this call: the planner runs the tools from the
                # user's own words, and the model only narrates
                yield from self._narrated_turn(message, session, deps)
                return
            yield ErrorEvent(kind=exc.kind, message=exc.message)
            return
        except Exception as exc:
            if type(exc).__name__ == "GraphRecursionError":
                yield ErrorEvent(kind="loop_limit", message="the agent loop ran too long and "
                                 "was stopped")
                return
            raise
        yield from state.flush()
        text = state.final_text or (LIMIT_NOTE if ledger.stopped else "")
        if not state.text and text:
            yield TextDelta(text=text)
        if ledger.cut or state.capped:
            yield TextDelta(text=f"\n\n{CUT_NOTE}")
            text = f"{text}\n\n{CUT_NOTE}"
        yield from used_citations(text, state.citations)
        text = _with_assumptions(text, message, session, ledger)
        yield FinalAnswer(text=text, backend=self.name, model=self.model, usage=state.usage)

    def _narrated_turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        """No tools on this server: the offline planner runs them, the model narrates."""
        results: list[ToolResult] = []
        planned = ""
        for event in OfflinePlanner(deps).stream_turn(message, session, deps):
            if isinstance(event, FollowUp | ErrorEvent):
                yield event
                return
            if isinstance(event, FinalAnswer):
                planned = event.text
            elif not isinstance(event, TextDelta):
                results.extend([event] if isinstance(event, ToolResult) else [])
                yield event
        context = "\n".join(f"{r.name}: {json.dumps(r.output, default=str)}" for r in results)
        prompt = system_prompt(self.max_tool_calls, self.today, name="narrate.md",
                               results=context or planned)
        text: list[str] = []
        usage: dict[str, int] = {}
        try:
            for chunk in self.chat_model.stream([SystemMessage(prompt), HumanMessage(message)]):
                piece = chunk.text if isinstance(chunk.text, str) else chunk.text()
                if piece:
                    text.append(piece)
                    yield TextDelta(text=piece)
                for key, count in (getattr(chunk, "usage_metadata", None) or {}).items():
                    if isinstance(count, int):
                        usage[key] = usage.get(key, 0) + count
        except Exception as exc:  # the narration failed: the planner's own answer stands
            kind, _ = classify_error(exc)
            text = [planned]
            yield TextDelta(text=planned)
            usage = {"narration_error": 1} if kind else usage
        yield FinalAnswer(text="".join(text), backend=self.name, model=self.model, usage=usage)

    def close(self) -> None:
        """Stop what this backend started (a local server)."""
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


def _step_messages(steps: list[ToolStep]) -> list[BaseMessage]:
    """An earlier turn's tool steps as the model saw them: each call and its tool message."""
    messages: list[BaseMessage] = []
    for step in steps:
        messages.append(AIMessage("", tool_calls=[
            {"name": step.name, "args": step.input, "id": step.call_id, "type": "tool_call"}]))
        messages.append(ToolMessage(tool_content(step.output, step.error),
                                    tool_call_id=step.call_id, name=step.name))
    return messages


def _asked_drafts(message: str, session: Session) -> frozenset[str] | None:
    """What the user asked to draft, in this message or the one before.

    The one before counts because a follow-up turn answers the questions a draft asked.
    """
    earlier = [t.content for t in session.turns[:-1] if t.role == "user"][-1:]
    asked = [a for text in [message, *earlier] if (a := asked_drafts(text)) is not None]
    if not asked:
        return None
    return frozenset() if any(not a for a in asked) else frozenset().union(*asked)


def _numbers(args: dict[str, Any]) -> Iterator[tuple[str, float]]:
    for key, value in args.items():
        if isinstance(value, dict):
            yield from _numbers(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield key, float(value)


def _with_assumptions(text: str, message: str, session: Session, ledger: TurnLedger) -> str:
    """Name the numeric tool arguments the model supplied that no user text or tool gave."""
    given = Facts()
    given.add_text(message)
    for turn in session.turns:
        given.add_text(turn.content)
    for exchange in ledger.earlier_results:
        given.add_text(exchange)
    assumed: list[str] = []
    for done in ledger.executed:
        for key, value in _numbers(ledger.supplied.get(done.call_id, {}) if done.ok else {}):
            if not given.has(value):
                assumed.append(f"{key.replace('_', ' ')} {value:g}")
        if done.result is not None:
            given.add_data(done.result)
    if not assumed:
        return text
    return f"{text}\n\n(assumed: {', '.join(dict.fromkeys(assumed))})"
