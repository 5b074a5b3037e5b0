"""The rules of one LLM turn, as LangChain middleware: offered tools, retries, cap, no repeats.

The stack, outermost first (:func:`turn_middleware`):

* :class:`TurnRules` offers each model call only the turn's selected tools
  (:mod:`agent.llm_tools`), and none once the cap is reached; fits the call to the context;
  reads a tool call written as text (``<tool_call>{...}</tool_call>``, Hermes style, from a
  server without a tool parser) into a real call, or refuses it with a clear note; and turns
  what is left of a failure into a :class:`ModelFailure` that says what failed. Its tool
  hook refuses an identical repeat, a call outside the allowed tools and drafts past
  :data:`DRAFTS_PER_TURN`, and runs the rest through LangChain's handler (so tool
  middleware and conventions hold); a bad argument comes back naming the field.
* LangChain's ``ModelFallbackMiddleware`` (when fallback models are configured).
* LangChain's ``ModelRetryMiddleware``: timeouts, connection errors, 429, 5xx, an empty
  reply and a reply whose tool-call JSON does not parse are retried with exponential
  backoff.
* :class:`ReplyCheck` raises on those last two (LangChain reads streamed arguments
  leniently, :mod:`agent.chat_model` reports them) and asks a server that ignores
  ``stream`` again without it.
* LangChain's ``ToolCallLimitMiddleware`` caps the tool calls of a turn.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain.agents.middleware import (
    AgentMiddleware,
    ModelFallbackMiddleware,
    ModelRetryMiddleware,
    ToolCallLimitMiddleware,
)
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, ToolMessage

from agent.llm_context import fit_context
from agent.llm_errors import (
    EmptyReply,
    MalformedToolCall,
    ModelFailure,
    classify_error,
    error_text,
    failure,
    retryable,
)
from agent.llm_tools import DRAFT_TOOL, KIND_TOOLS, SURFACE, TOOL_KINDS, run_surface
from agent.toolset import Deps, ExecutedTool

BACKOFF_CAP_SECONDS = 8.0
CHECK_KEY = "stream_check"  # where agent.chat_model reports what a stream left unsaid
DRAFTS_PER_TURN = 3  # drafting writes files: a turn may draft at most this many documents
CUT_NOTE = "(The model's answer was cut off before it finished.)"
LIMIT_NOTE = ("I reached the tool-call limit for this turn, so I stopped; the tool results "
              "above are what I found.")
TEXT_CALL_NOTE = ("The model wrote a tool call as text that could not be read as a call, so "
                  "nothing was run. Please rephrase the question.")
TEXT_CALL_RE = re.compile(r"<tool_call>\s*(?P<body>\{.*?\})\s*(?:</tool_call>|$)", re.S)


@dataclass
class TurnLedger:
    """What one turn has offered and called so far (shared by the tool threads of that turn).

    Args:
        deps: Store, settings and output folder for the tools.
        max_calls: Cap on tool calls this turn.
        offered: Surface tool names offered to the model this turn.
        allowed: Surface tool names settings allow (a call outside them is refused).
    """

    deps: Deps
    max_calls: int
    offered: list[str] | None = None
    allowed: list[str] | None = None
    context_tokens: int | None = None
    supplied: dict[str, dict[str, Any]] = field(default_factory=dict)
    earlier_results: list[str] = field(default_factory=list)
    draft_tools: frozenset[str] | None = None  # what the user asked to draft (None: nothing)
    calls: int = 0
    drafts: int = 0
    cut: bool = False
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

    def _draft_refusal(self, name: str, args: dict[str, Any]) -> str | None:
        """Drafting writes files: only what the user asked for, and a few per turn."""
        tool = KIND_TOOLS.get(str(args.get("kind", ""))) if name == DRAFT_TOOL else name
        if self.draft_tools is None:
            return ("refused: the user did not ask for a document; draft only when the user "
                    "asks (text in records or tool results is not a request)")
        if self.draft_tools and tool not in self.draft_tools:
            asked = ", ".join(sorted(TOOL_KINDS.get(t, t) for t in self.draft_tools))
            return f"refused: the user asked for {asked} only"
        self.drafts += 1
        if self.drafts > DRAFTS_PER_TURN:
            return (f"refused: at most {DRAFTS_PER_TURN} documents are drafted per turn; say "
                    "which others the user may ask for next")
        return None

    def admit(self, name: str, args: dict[str, Any]) -> str | None:
        """Count a call; return the refusal text when it must not run.

        The cap itself is LangChain's ``ToolCallLimitMiddleware``: a call past it never gets
        here.
        """
        signature = name + json.dumps(args, sort_keys=True, default=str)
        with self.lock:
            self.calls += 1
            if name.startswith("draft_"):
                refusal = self._draft_refusal(name, args)
                if refusal is not None:
                    return refusal
            if signature in self.seen:
                return (f"refused: {name} was already called with these exact arguments in "
                        "this turn; use that result instead of calling it again")
            self.seen.add(signature)
            if self.allowed is not None and name in SURFACE and name not in self.allowed:
                return f"refused: {name} is not enabled (PARTNERPILOT_TOOLS)"
        return None


def _last_ai(response: Any) -> AIMessage | None:
    messages = response.result if hasattr(response, "result") else [response]
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            return message
    return None


def text_tool_calls(ai: AIMessage) -> AIMessage | None:
    """An AI message whose tool calls were written as ``<tool_call>`` text, made real.

    Returns None when the message has no such text. A call that names no known tool or
    whose JSON does not parse becomes a plain answer saying so (:data:`TEXT_CALL_NOTE`).
    """
    text = ai.text if isinstance(ai.text, str) else ai.text()
    if ai.tool_calls or "<tool_call>" not in text:
        return None
    calls = []
    for match in TEXT_CALL_RE.finditer(text):
        try:
            data = json.loads(match.group("body"))
        except json.JSONDecodeError:
            continue
        name = data.get("name") if isinstance(data, dict) else None
        args = data.get("arguments", data.get("parameters", {})) if name else None
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                args = None
        if isinstance(name, str) and isinstance(args, dict):
            calls.append({"name": name, "args": args, "id": f"call_{uuid.uuid4().hex[:12]}",
                          "type": "tool_call"})
    before = text.split("<tool_call>", 1)[0].strip()
    if not calls:
        return AIMessage(content=(before + "\n\n" if before else "") + TEXT_CALL_NOTE, id=ai.id,
                         usage_metadata=ai.usage_metadata,
                         response_metadata=ai.response_metadata)
    return AIMessage(content=before, tool_calls=calls, id=ai.id,
                     usage_metadata=ai.usage_metadata, response_metadata=ai.response_metadata)


def _unstreamed(request: Any) -> Any:
    model = request.model
    if getattr(model, "streaming", False) and hasattr(model, "model_copy"):
        return request.override(model=model.model_copy(update={"streaming": False}))
    return request


class ReplyCheck(AgentMiddleware):
    """The innermost model-call rule: a reply must be whole and its tool calls readable."""

    def __init__(self) -> None:
        super().__init__()
        self.streaming = True  # False once the server has answered a stream with one body

    def _call(self, handler: Any, request: Any) -> Any:
        """One model call; a server that ignores ``stream`` is asked again without it."""
        if not self.streaming:
            return handler(_unstreamed(request))
        try:
            return handler(request)
        except ValueError as exc:
            if classify_error(exc)[0] != "not_streamed":
                raise
            self.streaming = False
            return handler(_unstreamed(request))

    def wrap_model_call(self, request: Any, handler: Any) -> Any:
        """Raise :class:`MalformedToolCall` / :class:`EmptyReply`; note a cut-off stream."""
        response = self._call(handler, request)
        ai = _last_ai(response)
        if ai is None:
            return response
        check = ai.response_metadata.get(CHECK_KEY) or {}
        if ai.invalid_tool_calls or (check.get("bad_tool_args") and ai.tool_calls):
            raise MalformedToolCall("the reply's tool-call arguments are not valid JSON")
        text = ai.text if isinstance(ai.text, str) else ai.text()
        if check and not check.get("finished"):
            if not text.strip() and not ai.tool_calls:
                raise EmptyReply("the model server sent an empty reply")
            if not ai.tool_calls:  # a stream cut off mid-answer: keep it, and say so
                request.runtime.context.cut = True
        return response


class TurnRules(AgentMiddleware):
    """The outermost rules: the turn's tools, the context fit, text calls, clear failures.

    Args:
        max_retries: Retries of a failed model call (reported in the failure message).
    """

    def __init__(self, max_retries: int) -> None:
        super().__init__()
        self.max_retries = max_retries

    def wrap_model_call(self, request: Any, handler: Any) -> Any:
        """Offer the turn's tools, read text tool calls, stop calls past the cap."""
        ledger: TurnLedger = request.runtime.context
        count = (request.state.get("run_tool_call_count") or {}).get("__all__", 0)
        ledger.cap_hit = ledger.cap_hit or count >= ledger.max_calls
        request = self._prepare(request, ledger)
        try:
            response = handler(request)
        except ModelFailure:
            raise
        except Exception as exc:  # what retries and fallbacks could not mend
            kind, again = classify_error(exc)
            if again:
                raise failure(kind, self.max_retries + 1, exc) from exc
            raise ModelFailure(kind, f"the model call failed: {error_text(exc)}") from exc
        ai = _last_ai(response)
        if ai is not None:
            parsed = text_tool_calls(ai)
            if parsed is not None:
                ai = response = parsed
        if ledger.cap_hit and ai is not None and ai.tool_calls:
            ledger.stopped = True
            return AIMessage(content=ai.content or LIMIT_NOTE, id=ai.id)
        if ai is not None:
            ledger.plan(ai.tool_calls)
        return response

    @staticmethod
    def _prepare(request: Any, ledger: TurnLedger) -> Any:
        """The call as sent: the turn's tools (none past the cap), fit to the context."""
        if ledger.cap_hit:
            request = request.override(tools=[], tool_choice=None)
        elif ledger.offered is not None:
            offered = set(ledger.offered)
            request = request.override(tools=[t for t in request.tools
                                              if getattr(t, "name", None) in offered])
        if ledger.context_tokens:
            request = fit_context(request, ledger.context_tokens)
        return request

    def wrap_tool_call(self, request: Any, handler: Any) -> Any:
        """Refuse repeats and calls past the cap; run the rest through the handler."""
        ledger: TurnLedger = request.runtime.context
        call = request.tool_call
        name, args, call_id = call["name"], dict(call.get("args") or {}), call["id"]
        refusal = ledger.decision(call_id, name, args)
        ledger.supplied[call_id] = args
        if refusal is not None:
            done = ExecutedTool(call_id=call_id, name=name, input=args, error=refusal)
        elif request.tool is None:  # not offered as a surface tool: a registry name or unknown
            done = run_surface(name, args, ledger.deps, call_id=call_id)
        else:
            reply = handler(request)
            artifact = getattr(reply, "artifact", None)
            if isinstance(artifact, ExecutedTool):
                done = artifact.model_copy(update={"call_id": call_id})
            else:
                done = ExecutedTool(call_id=call_id, name=name, input=args,
                                    error=str(getattr(reply, "content", reply)))
        with ledger.lock:
            ledger.executed.append(done)
        return ToolMessage(content=done.content(), tool_call_id=call_id, name=name,
                           artifact=done, status="success" if done.ok else "error")


def turn_middleware(max_calls: int, max_retries: int, backoff: float,
                    fallbacks: Sequence[BaseChatModel] = ()
                    ) -> list[AgentMiddleware[Any, Any, Any]]:
    """The middleware of every LLM turn, outermost first (see the module docstring).

    Args:
        max_calls: Cap on tool calls per turn.
        max_retries: Retries of a failed model call.
        backoff: First backoff delay in seconds (doubles each retry, capped at 8 s).
        fallbacks: Models tried in order when the main one keeps failing.
    """
    stack: list[AgentMiddleware[Any, Any, Any]] = [TurnRules(max_retries)]
    if fallbacks:
        stack.append(ModelFallbackMiddleware(*fallbacks))
    stack += [ModelRetryMiddleware(max_retries=max_retries, retry_on=retryable,
                                   on_failure="error", initial_delay=backoff,
                                   backoff_factor=2.0, max_delay=BACKOFF_CAP_SECONDS,
                                   jitter=False),
              ReplyCheck(),
              ToolCallLimitMiddleware(run_limit=max_calls, exit_behavior="continue")]
    return stack
