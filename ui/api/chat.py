"""OpenAI chat completions over ``Agent.stream``: request, session, response.

A request's messages become a :class:`~agent.session.Session`; the last user message is the
turn. When the earlier messages are exactly a conversation this server answered (the same key,
the same texts), the session it kept is resumed, so the offline planner's pending follow-up
question and last tool call survive between requests; otherwise the session is rebuilt from
the texts.

What a plain chat client shows: the answer, then a short Markdown "Sources", "Computed by"
and "Documents" section. What a client that reads the ``partnerpilot`` field gets: every
tool call with its result, every citation, the documents with their download links, the
backend. All Markdown passes :func:`ui.safe_md.safe_markdown`, and no server path is shown.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.core import TurnResult
from agent.events import Citation, DocumentProduced
from agent.session import Session
from ui.api.documents import document_id
from ui.api.errors import APIError
from ui.api.links import LinkSigner
from ui.safe_md import safe_markdown

MODEL_PREFIX = "partnerpilot-"
SESSION_CACHE_SIZE = 512


class ContentPart(BaseModel):
    """One part of a message's content (only ``text`` parts carry words here)."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """One message of the request."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        """The message's words (text parts joined)."""
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class StreamOptions(BaseModel):
    """``stream_options``: ``include_usage`` adds a last chunk with the usage."""

    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatRequest(BaseModel):
    """``POST /v1/chat/completions`` (sampling options are accepted and ignored)."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(min_length=1, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None


def conversation(request: ChatRequest) -> tuple[list[tuple[str, str]], str]:
    """The earlier user/assistant turns and the last user message; 400 when there is none."""
    turns: list[tuple[str, str]] = [(m.role, m.text()) for m in request.messages
                                     if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user":
        raise APIError(400, "messages: the last message must be from the user",
                       "invalid_messages", "messages")
    if not turns[-1][1].strip():
        raise APIError(400, "messages: the last user message is empty", "invalid_messages",
                       "messages")
    return turns[:-1], turns[-1][1]


def _digest(owner: str, turns: list[tuple[str, str]]) -> str:
    data = [owner, *[[role, " ".join(text.split())] for role, text in turns]]
    return hashlib.sha256(json.dumps(data).encode("utf-8")).hexdigest()


class SessionCache:
    """The sessions this server answered, by (key, conversation so far); least recent dropped."""

    def __init__(self, size: int = SESSION_CACHE_SIZE) -> None:
        self._items: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.size = size

    def session_for(self, owner: str, earlier: list[tuple[str, str]]) -> Session:
        """The kept session for this exact conversation, or one rebuilt from its texts."""
        key = _digest(owner, earlier)
        with self._lock:
            kept = self._items.get(key)
            if kept is not None:
                self._items.move_to_end(key)
                return kept.model_copy(deep=True)
        session = Session()
        for role, text in earlier:
            session.add_turn("user" if role == "user" else "assistant", text)
        return session

    def keep(self, owner: str, turns: list[tuple[str, str]], session: Session) -> None:
        """Remember ``session`` as the state after ``turns`` (ending with the reply sent).

        ``session`` is kept as it is, not copied: it is the request's own (a new one, or the
        copy :meth:`session_for` made) and the request does not touch it after its reply.
        Whoever resumes it gets a copy of it from :meth:`session_for`.
        """
        key = _digest(owner, turns)
        with self._lock:
            self._items[key] = session
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@functools.lru_cache(maxsize=64)
def _under(root: str) -> re.Pattern[str]:
    """A path under ``root`` (compiled once per folder: :func:`scrub` runs on every string)."""
    return re.compile(re.escape(root) + r"/[^\s`'\"<>)\]|,;]*")


def scrub(value: Any, roots: tuple[str, ...]) -> Any:
    """``value`` with every server path under ``roots`` cut to its file name."""
    if isinstance(value, str):
        text: str = value
        for root in roots:
            if root in text:
                text = _under(root).sub(lambda m: Path(m.group(0)).name, text)
        return text
    if isinstance(value, dict):
        return {k: scrub(v, roots) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, roots) for v in value]
    return value


def estimate_tokens(text: str) -> int:
    """A token count for text no model counted (about four characters a token)."""
    return math.ceil(len(text) / 4) if text else 0


class Rendering:
    """How answers are shown to clients: link host, hidden folders, the download links.

    Download links are signed for the caller's key (``owner``) and expire, so a chat client
    opens them with a click, without the bearer header (:mod:`ui.api.links`).
    """

    def __init__(self, base_url: str, roots: tuple[str, ...], links: LinkSigner,
                 owner: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.roots = roots
        self.links = links
        self.owner = owner
        host = re.sub(r"^[a-z]+://", "", self.base_url).split("/")[0].split(":")[0]
        self.hosts = (host,)

    def markdown(self, text: str) -> str:
        """``text`` made safe for a chat client to render."""
        return safe_markdown(text, link_hosts=self.hosts, roots=self.roots)

    def document_links(self, document: DocumentProduced) -> dict[str, Any]:
        """A document as the API lists it: id, kind, title and its two signed download URLs."""
        doc_id = document_id(document)
        urls: dict[str, str | None] = {"markdown_url": None, "docx_url": None}
        if doc_id:
            url, query = f"{self.base_url}/v1/documents/{doc_id}", self.links.query(
                self.owner, doc_id)
            urls = {"markdown_url": f"{url}.md?{query}", "docx_url": f"{url}.docx?{query}"}
        return {"id": doc_id, "kind": document.kind, "title": document.title, **urls}

    def appendix(self, result: TurnResult) -> str:
        """The "Sources", "Computed by" and "Documents" section a plain client shows."""
        parts: list[str] = []
        cited = list(dict.fromkeys(_citation_line(c) for c in result.citations))
        if cited:
            parts.append("**Sources**\n" + "\n".join(cited))
        calls = [f"- `{c['name']}`" + (f": error: {c['error']}" if c.get("error") else "")
                 for c in result.tool_calls]
        if calls:
            parts.append("**Computed by**\n" + "\n".join(calls))
        docs = [self.document_links(d) for d in result.documents]
        lines = [f"- {d['title']}: [Markdown]({d['markdown_url']}) · [DOCX]({d['docx_url']})"
                 for d in docs if d["id"]]
        if lines:
            parts.append("**Documents**\n" + "\n".join(lines))
        return self.markdown("\n\n" + "\n\n".join(parts)) if parts else ""

    def extra(self, result: TurnResult) -> dict[str, Any]:
        """The ``partnerpilot`` field: tool calls, citations, documents, backend."""
        data: dict[str, Any] = scrub({
            "backend": result.backend,
            "model": result.model,
            "tool_calls": [{"name": c["name"], "input": c["input"], "output": c["output"],
                            "error": c.get("error")} for c in result.tool_calls],
            "citations": [{"doc_id": c.doc_id, "title": c.title, "section": c.section,
                           "snippet": self.markdown(c.snippet)} for c in result.citations],
            "documents": [self.document_links(d) for d in result.documents],
            "ungrounded": result.ungrounded,
            "follow_up": result.follow_up.question if result.follow_up else None,
            "error": result.error.message if result.error else None,
        }, self.roots)
        return data


def _citation_line(citation: Citation) -> str:
    return f"- {citation.title} > {citation.section} ({citation.doc_id})"


def usage(result: TurnResult, prompt: str, completion: str) -> dict[str, int]:
    """``usage``: the model's own counts when a model answered, else estimates."""
    counted: dict[str, int] = {}
    for event in result.events:
        if getattr(event, "type", "") == "final":
            counted = dict(event.usage)
    prompt_tokens = counted.get("input_tokens") or estimate_tokens(prompt)
    completion_tokens = counted.get("output_tokens") or estimate_tokens(completion)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}
