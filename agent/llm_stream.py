"""LangGraph stream chunks of one LLM turn, as our events, one chunk at a time.

Text streams as the model sends it, except a ``<tool_call>`` written as text (held back:
the rules parse it into a real call). Tool events come out in the order the model called
them; citations are held until the answer is known, and only the passages it used are
cited. The final answer is the text of the model's *last* message: what it wrote before a
tool call was already streamed and is not repeated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage

from agent.events import Citation, Event, TextDelta
from agent.guard import extract_numbers
from agent.toolset import ExecutedTool

TAG = "<tool_call>"
MAX_ANSWER_CHARS = 20_000  # an answer longer than this is cut (a model can stream megabytes)
_WORD_RE = re.compile(r"[a-z][a-z-]{4,}")
MIN_SHARED_WORDS = 4


def _telling_numbers(text: str) -> set[float]:
    return {m.value for m in extract_numbers(text) if m.value > 12 or m.value != int(m.value)}


def used_citations(text: str, citations: list[Citation]) -> list[Citation]:
    """The passages an answer used, in their order.

    Used: named by title or section, or sharing a telling number (not a small count) or
    several distinctive words with the answer. When none is recognisably used, the
    best-ranked passage.
    """
    lowered = text.lower()
    words = set(_WORD_RE.findall(lowered))
    numbers = _telling_numbers(text)
    kept = []
    for citation in citations:
        snippet = citation.snippet.lower()
        shared = words & set(_WORD_RE.findall(snippet))
        if (citation.section.lower() in lowered or citation.title.lower() in lowered
                or numbers & _telling_numbers(citation.snippet)
                or len(shared) >= MIN_SHARED_WORDS):
            kept.append(citation)
    unique = list({(c.doc_id, c.section, c.chunk_id): c for c in kept}.values())
    return unique or citations[:1]


def _held_from(text: str) -> int:
    """Where text must stop being shown: at a ``<tool_call>`` tag, or a prefix of one at the end."""
    index = text.find(TAG)
    if index >= 0:
        return index
    for size in range(min(len(TAG) - 1, len(text)), 0, -1):
        if TAG.startswith(text[-size:]):
            return len(text) - size
    return len(text)


class StreamState:
    """Turns LangGraph stream chunks into our events."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.usage: dict[str, int] = {}
        self.messages: dict[str, str] = {}  # model message id -> its full text
        self._message_id: str | None = None
        self._shown: dict[str, int] = {}  # model message id -> characters already shown
        self._seen_results: set[str] = set()
        self._order: list[str] = []
        self._done: dict[str, ExecutedTool] = {}
        self._last_final: str | None = None
        self._calls: dict[str, tuple[str, dict[str, Any]]] = {}  # call id -> name, args
        self.capped = False  # the answer passed MAX_ANSWER_CHARS and was cut
        self.citations: list[Citation] = []  # held until the answer shows which were used

    @property
    def final_text(self) -> str:
        """The answer: the last model message without tool calls (else all text shown)."""
        if self._last_final is not None:
            return self._last_final[:MAX_ANSWER_CHARS]
        return "".join(self.text)

    def convert(self, mode: str, chunk: Any) -> Iterator[Event]:
        """Events for one ``(mode, chunk)`` from ``graph.stream``."""
        if mode == "messages":
            yield from self._message(*chunk)
        elif mode == "updates":
            for _node, update in (chunk or {}).items():
                yield from self._update(update)

    def _message(self, message: Any, meta: dict[str, Any]) -> Iterator[Event]:
        if meta.get("langgraph_node") != "model":
            return
        if not isinstance(message, AIMessage | AIMessageChunk):
            return
        piece = message.text if isinstance(message.text, str) else message.text()
        if not piece:
            return
        key = message.id or ""
        full = self.messages.get(key, "") + piece
        self.messages[key] = full
        yield from self._show(key, full[:_held_from(full)])

    def _show(self, key: str, text: str) -> Iterator[Event]:
        """Show what of ``text`` (message ``key``'s text so far) is not shown yet."""
        done = self._shown.get(key, 0)
        if len(text) <= done or not text.startswith(self.messages.get(key, text)[:done]):
            return
        if key != self._message_id:
            self._message_id = key
            if self.text and not self.text[-1].endswith("\n\n"):
                self.text.append("\n\n")
                yield TextDelta(text="\n\n")
        self._shown[key] = len(text)
        piece = text[done:][:max(0, MAX_ANSWER_CHARS - sum(map(len, self.text)))]
        self.capped = self.capped or len(piece) < len(text) - done
        if piece:
            self.text.append(piece)
            yield TextDelta(text=piece)

    def _update(self, update: Any) -> Iterator[Event]:
        messages = update.get("messages", []) if isinstance(update, dict) else []
        for message in messages:
            if isinstance(message, ToolMessage):
                if message.tool_call_id in self._seen_results:
                    continue
                self._seen_results.add(message.tool_call_id)
                self._done[message.tool_call_id] = self._executed(message)
            elif isinstance(message, AIMessage):
                self._order.extend(c["id"] or "" for c in message.tool_calls)
                self._calls.update({c["id"] or "": (c["name"], dict(c.get("args") or {}))
                                    for c in message.tool_calls})
                self._count_usage(message)
                if not message.tool_calls:
                    yield from self._settle(message)
        yield from self._release_in_call_order()

    def _executed(self, message: ToolMessage) -> ExecutedTool:
        """The tool run behind a tool message; a call the tool-call limit blocked never ran."""
        if isinstance(message.artifact, ExecutedTool):
            return message.artifact
        name, args = self._calls.get(message.tool_call_id, (message.name or "", {}))
        return ExecutedTool(call_id=message.tool_call_id, name=name, input=args,
                            error=f"refused: {message.content}")

    def _settle(self, message: AIMessage) -> Iterator[Event]:
        """A final model message: show what streaming held back unless it was a tool call."""
        text = message.text if isinstance(message.text, str) else message.text()
        self._last_final = text
        key = message.id or ""
        if text.startswith(self.messages.get(key, "")[:self._shown.get(key, 0)]):
            self.messages[key] = text  # the rest of a held-back or unstreamed message
            yield from self._show(key, text)

    def _release_in_call_order(self) -> Iterator[Event]:
        """Tools finish in any order; their events come out in the order they were called."""
        while self._done:
            if self._order and self._order[0] in self._done:
                yield from self._hold_citations(self._done.pop(self._order.pop(0)).events())
            elif self._order:
                return
            else:
                call_id = next(iter(self._done))
                yield from self._hold_citations(self._done.pop(call_id).events())

    def _hold_citations(self, events: list[Event]) -> Iterator[Event]:
        for event in events:
            if isinstance(event, Citation):
                self.citations.append(event)
            else:
                yield event

    def flush(self) -> Iterator[Event]:
        """Whatever tool events are still held back, in call order where known."""
        self._order = [i for i in self._order if i in self._done]
        yield from self._release_in_call_order()

    def _count_usage(self, message: AIMessage) -> None:
        if not message.usage_metadata:
            return
        for key in ("input_tokens", "output_tokens", "total_tokens"):
            count: Any = message.usage_metadata.get(key, 0)
            self.usage[key] = self.usage.get(key, 0) + int(count or 0)
