"""The typed events one user turn produces. CLI, UI, eval runner and any API consume these.

Every event is a pydantic model with a ``type`` discriminator, so a stream can be logged as
JSON lines and read back with :data:`EVENT_ADAPTER`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter


class TextDelta(BaseModel):
    """A piece of the answer's text, in order."""

    type: Literal["text_delta"] = "text_delta"
    text: str


class ToolCall(BaseModel):
    """The agent called a tool with these (validated) arguments."""

    type: Literal["tool_call"] = "tool_call"
    call_id: str
    name: str
    input: dict[str, Any]


class ToolResult(BaseModel):
    """What the tool returned (``output`` is the result model dumped to JSON-able data)."""

    type: Literal["tool_result"] = "tool_result"
    call_id: str
    name: str
    output: Any = None
    error: str | None = None
    result_model: str | None = None


class Citation(BaseModel):
    """A framework passage the answer relies on."""

    type: Literal["citation"] = "citation"
    doc_id: str
    title: str
    section: str
    snippet: str
    chunk_id: str | None = None


class DocumentProduced(BaseModel):
    """A drafted document (thesis, term sheet, brief, ...)."""

    type: Literal["document"] = "document"
    kind: str
    title: str
    model: dict[str, Any]
    markdown: str
    docx_path: str | None = None
    markdown_path: str | None = None


class FollowUp(BaseModel):
    """The agent needs more input before it can act (a pending question kept in the session)."""

    type: Literal["follow_up"] = "follow_up"
    question: str
    missing: list[str] = Field(default_factory=list)
    tool: str | None = None


class FinalAnswer(BaseModel):
    """The whole answer, once. ``ungrounded`` lists numbers the guard could not ground."""

    type: Literal["final"] = "final"
    text: str
    backend: str
    model: str | None = None
    ungrounded: list[str] = Field(default_factory=list)
    usage: dict[str, int] = Field(default_factory=dict)


class ErrorEvent(BaseModel):
    """Something failed; ``message`` is for a person, ``kind`` for code."""

    type: Literal["error"] = "error"
    kind: str
    message: str


Event = Annotated[
    TextDelta | ToolCall | ToolResult | Citation | DocumentProduced | FollowUp | FinalAnswer
    | ErrorEvent,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)  # type: ignore[arg-type,unused-ignore]
