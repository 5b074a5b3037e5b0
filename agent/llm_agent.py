"""The LLM backend: a LangChain ``create_agent`` loop over the tool registry, as our events.

The model only narrates: it picks tools, our registry runs them (``agent.registry.execute``),
and the results go back as tool messages. One middleware enforces the turn's rules:

* a tool call with bad arguments is answered with a tool message naming the field, so the
  model can correct itself;
* an identical repeated call (same name, same arguments) is refused with a tool message;
* at most ``max_tool_calls`` calls per turn: later calls are refused, the next model call
  gets no tools, and if the model still asks for tools the loop ends;
* timeouts, connection errors, 429 and 5xx are retried with exponential backoff
  (``max_retries``), as is a reply whose tool-call JSON does not parse; then the turn ends
  with an :class:`~agent.events.ErrorEvent` that says what failed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import TYPE_CHECKING, Any

from agent.events import ErrorEvent, Event, FinalAnswer, TextDelta
from agent.registry import as_langchain_tools, execute
from agent.session import Session, Turn
from agent.toolset import Deps, ExecutedTool

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

HISTORY_TURNS = 10
BACKOFF_CAP_SECONDS = 8.0
LIMIT_NOTE = ("I reached the tool-call limit for this turn, so I stopped; the tool results "
              "above are what I found.")


class ModelFailure(Exception):
    """The model could not be reached or kept answering badly; ``kind`` is for code."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def system_prompt(max_tool_calls: int, today: date | None = None) -> str:
    """The system prompt, from ``prompts/system.md`` (Jinja2, StrictUndefined)."""
    from jinja2 import Environment, StrictUndefined

    source = resources.files("prompts").joinpath("system.md").read_text(encoding="utf-8")
    template = Environment(undefined=StrictUndefined, keep_trailing_newline=True).from_string(
        source)
    return template.render(max_tool_calls=max_tool_calls,
                           today=(today or date.today()).isoformat())


@dataclass
class TurnLedger:
    """What one turn has called so far (shared by the tool threads of that turn)."""

    deps: Deps
    max_calls: int
    calls: int = 0
    seen: set[str] = field(default_factory=set)
    executed: list[ExecutedTool] = field(default_factory=list)
    cap_hit: bool = False
    stopped: bool = False
    decisions: dict[str, str | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, tool_calls: list[Any]) -> None:
        """Admit a reply's tool calls in the order the model wrote them.

        Tools then run in parallel threads, so the order is decided here, not by whichever
        thread comes first.
        """
        for tool_call in tool_calls:
            self.decisions[tool_call["id"]] = self.admit(
                tool_call["name"], dict(tool_call.get("args") or {}))

    def decision(self, call_id: str, name: str, args: dict[str, Any]) -> str | None:
        """The refusal text planned for this call (admitting it now if it was not planned)."""
        with self.lock:
            planned = call_id in self.decisions
            refusal = self.decisions.pop(call_id, None)
        return refusal if planned else self.admit(name, args)

    def admit(self, name: str, args: dict[str, Any]) -> str | None:
        """Count a call; return the refusal text when it must not run."""
        signature = name + json.dumps(args, sort_keys=True, default=str)
        with self.lock:
            if self.calls >= self.max_calls:
                self.cap_hit = True
                return (f"refused: the limit of {self.max_calls} tool calls for this turn is "
                        "reached; answer now with the results you have")
            self.calls += 1
            if self.calls >= self.max_calls:
                self.cap_hit = True
            if signature in self.seen:
                return (f"refused: {name} was already called with these exact arguments in "
                        "this turn; use that result instead of calling it again")
            self.seen.add(signature)
        return None


def classify_error(exc: BaseException) -> tuple[str, bool]:
    """``(kind, retryable)`` for an exception raised by a model call."""
    import httpx
    import openai

    timeouts: tuple[type[BaseException], ...] = (openai.APITimeoutError, httpx.TimeoutException,
                                                 TimeoutError)
    transport: tuple[type[BaseException], ...] = (openai.APIConnectionError,
                                                  httpx.TransportError, ConnectionError)
    try:
        import httpx2  # the transport openai 3.x uses

        timeouts += (httpx2.TimeoutException,)
        transport += (httpx2.TransportError,)
    except ImportError:  # pragma: no cover - older openai
        pass
    if isinstance(exc, timeouts):
        return "timeout", True
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited", True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500:
            return "server_error", True
        return ("auth", False) if exc.status_code in (401, 403) else ("bad_request", False)
    if isinstance(exc, transport):
        return "connection", True
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return "malformed_response", True
    return "model_error", False


_MESSAGES = {
    "timeout": "the model server did not answer in time",
    "rate_limited": "the model server kept refusing with 429 (rate limited)",
    "server_error": "the model server kept failing with a 5xx error",
    "connection": "could not connect to the model server",
    "malformed_response": "the model server sent a reply that could not be read",
    "malformed_tool_call": "the model kept sending tool calls whose arguments are not valid "
                           "JSON",
}


def _failure(kind: str, attempts: int, exc: BaseException | None) -> ModelFailure:
    base = _MESSAGES.get(kind, "the model call failed")
    detail = f": {exc}" if exc is not None and kind not in ("malformed_tool_call",) else ""
    tries = f" (gave up after {attempts} attempt{'s' if attempts != 1 else ''})"
    return ModelFailure(kind, f"{base}{tries}{detail}")


def _last_ai(response: Any) -> Any:
    from langchain_core.messages import AIMessage

    messages = response.result if hasattr(response, "result") else [response]
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    return None


def make_middleware(max_retries: int, backoff: float,
                    sleep: Callable[[float], None] = time.sleep) -> Any:
    """The middleware that runs our tools and enforces retries, the cap and no repeats."""
    from langchain.agents.middleware import AgentMiddleware
    from langchain_core.messages import AIMessage, ToolMessage

    class TurnRules(AgentMiddleware):
        def wrap_model_call(self, request: Any, handler: Any) -> Any:
            ledger: TurnLedger = request.runtime.context
            if ledger.cap_hit:
                request = request.override(tools=[], tool_choice=None)
            last_exc: BaseException | None = None
            kind = "model_error"
            for attempt in range(max_retries + 1):
                if attempt:
                    sleep(min(backoff * 2 ** (attempt - 1), BACKOFF_CAP_SECONDS))
                try:
                    response = handler(request)
                except Exception as exc:  # classified below; non-retryable ones re-raise
                    kind, retryable = classify_error(exc)
                    if not retryable:
                        raise ModelFailure(kind, f"the model call failed: {exc}") from exc
                    last_exc = exc
                    continue
                ai = _last_ai(response)
                if ai is not None and ai.invalid_tool_calls:
                    kind, last_exc = "malformed_tool_call", None
                    continue
                if ledger.cap_hit and ai is not None and ai.tool_calls:
                    ledger.stopped = True
                    return AIMessage(content=ai.content or LIMIT_NOTE, id=ai.id)
                if ai is not None:
                    ledger.plan(ai.tool_calls)
                return response
            raise _failure(kind, max_retries + 1, last_exc)

        def wrap_tool_call(self, request: Any, handler: Any) -> Any:
            ledger: TurnLedger = request.runtime.context
            call = request.tool_call
            name, args, call_id = call["name"], dict(call.get("args") or {}), call["id"]
            refusal = ledger.decision(call_id, name, args)
            if refusal is not None:
                done = ExecutedTool(call_id=call_id, name=name, input=args, error=refusal)
            else:
                done = execute(name, args, ledger.deps, call_id=call_id)
            with ledger.lock:
                ledger.executed.append(done)
            return ToolMessage(content=done.content(), tool_call_id=call_id, name=name,
                               artifact=done, status="success" if done.ok else "error")

    return TurnRules()


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
        sleep: How to wait between retries (tests pass a recorder).
        on_close: Called by :meth:`close` (stops a local server).
        tool_names: Offer only these tools (None: every available tool). A small local
            model with a short context may need a few.
    """

    def __init__(self, chat_model: BaseChatModel, deps: Deps, *, name: str = "openai",
                 model: str | None = None, max_tool_calls: int = 8, max_retries: int = 3,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 on_close: Callable[[], None] | None = None,
                 tool_names: list[str] | None = None) -> None:
        from langchain.agents import create_agent

        self.name = name
        self.model = model
        self.max_tool_calls = max_tool_calls
        self._on_close = on_close
        self.local_server: Any = None  # the LocalServer behind a ``local`` backend
        self.graph = create_agent(
            chat_model, tools=as_langchain_tools(deps, tool_names),
            system_prompt=system_prompt(max_tool_calls),
            middleware=[make_middleware(max_retries, backoff, sleep)],
            context_schema=TurnLedger,
        )

    def _history(self, message: str, session: Session) -> list[Any]:
        from langchain_core.messages import AIMessage, HumanMessage

        turns = list(session.turns[-HISTORY_TURNS:])
        current = Turn(role="user", content=message)
        if not turns or turns[-1] != current:
            turns.append(current)
        return [HumanMessage(t.content) if t.role == "user" else AIMessage(t.content)
                for t in turns]

    def stream_turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        """Run the agent loop for one message and yield our events."""
        ledger = TurnLedger(deps=deps, max_calls=self.max_tool_calls)
        state = _StreamState()
        limit = 4 * self.max_tool_calls + 10
        try:
            for mode, chunk in self.graph.stream(
                {"messages": self._history(message, session)}, context=ledger,
                stream_mode=["messages", "updates"], config={"recursion_limit": limit},
            ):
                yield from state.convert(mode, chunk)
        except ModelFailure as exc:
            yield ErrorEvent(kind=exc.kind, message=exc.message)
            return
        except Exception as exc:
            if type(exc).__name__ == "GraphRecursionError":
                yield ErrorEvent(kind="loop_limit", message="the agent loop ran too long and "
                                 "was stopped")
                return
            raise
        yield from state.flush()
        text = "".join(state.text) or (LIMIT_NOTE if ledger.stopped else "")
        if not state.text and text:
            yield TextDelta(text=text)
        yield FinalAnswer(text=text, backend=self.name, model=self.model, usage=state.usage)

    def close(self) -> None:
        """Stop what this backend started (a local server)."""
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


class _StreamState:
    """Turns LangGraph stream chunks into our events, one chunk at a time."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.usage: dict[str, int] = {}
        self._message_id: str | None = None
        self._seen_results: set[str] = set()
        self._order: list[str] = []
        self._done: dict[str, ExecutedTool] = {}

    def convert(self, mode: str, chunk: Any) -> Iterator[Event]:
        if mode == "messages":
            yield from self._message(*chunk)
        elif mode == "updates":
            for node, update in (chunk or {}).items():
                yield from self._update(node, update)

    def _message(self, message: Any, meta: dict[str, Any]) -> Iterator[Event]:
        from langchain_core.messages import AIMessage, AIMessageChunk

        if meta.get("langgraph_node") != "model":
            return
        if not isinstance(message, AIMessage | AIMessageChunk):
            return
        piece = message.text if isinstance(message.text, str) else message.text()
        if not piece:
            return
        if message.id != self._message_id:
            if self.text and not self.text[-1].endswith("\n\n"):
                self.text.append("\n\n")
                yield TextDelta(text="\n\n")
            self._message_id = message.id
        self.text.append(piece)
        yield TextDelta(text=piece)

    def _update(self, node: str, update: Any) -> Iterator[Event]:
        from langchain_core.messages import AIMessage, ToolMessage

        messages = update.get("messages", []) if isinstance(update, dict) else []
        for message in messages:
            if isinstance(message, ToolMessage) and isinstance(message.artifact, ExecutedTool):
                if message.tool_call_id in self._seen_results:
                    continue
                self._seen_results.add(message.tool_call_id)
                self._done[message.tool_call_id] = message.artifact
            elif isinstance(message, AIMessage):
                self._order.extend(c["id"] or "" for c in message.tool_calls)
                self._count_usage(message)
        yield from self._release_in_call_order()

    def _release_in_call_order(self) -> Iterator[Event]:
        """Tools finish in any order; their events come out in the order they were called."""
        while self._done:
            if self._order and self._order[0] in self._done:
                yield from self._done.pop(self._order.pop(0)).events()
            elif self._order:
                return
            else:
                call_id = next(iter(self._done))
                yield from self._done.pop(call_id).events()

    def flush(self) -> Iterator[Event]:
        """Whatever tool events are still held back, in call order where known."""
        self._order = [i for i in self._order if i in self._done]
        yield from self._release_in_call_order()

    def _count_usage(self, message: Any) -> None:
        if not message.usage_metadata:
            return
        for key in ("input_tokens", "output_tokens", "total_tokens"):
            count: Any = message.usage_metadata.get(key, 0)
            self.usage[key] = self.usage.get(key, 0) + int(count or 0)
