"""Conversation state kept between turns: recent turns, the partner in focus, pending questions.

A session is plain data (JSON round-trip), so the UI can persist it with a thread and rebuild
it on resume.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_TURNS = 20


class Turn(BaseModel):
    """One message in the conversation."""

    role: Literal["user", "assistant"]
    content: str


class Pending(BaseModel):
    """A question the agent asked and is waiting on: the tool it wants and the slots so far."""

    tool: str
    slots: dict[str, Any] = Field(default_factory=dict)
    missing: list[str] = Field(default_factory=list)
    question: str = ""


class LastCall(BaseModel):
    """The last tool the conversation ran: its name, its arguments and what the answer needed.

    A what-if ("and if ICP overlap were 90?") re-runs it with one change.
    """

    tool: str
    args: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)


class Session(BaseModel):
    """State of one conversation.

    Args:
        session_id: Stable id (the UI uses its thread id).
        turns: Recent user and assistant messages, oldest first, capped at ``MAX_TURNS``.
        focus_partner_id: The partner the conversation is about, if any.
        pending: The follow-up question waiting for an answer, if any.
        last_call: The last tool call (for what-ifs), if any.
    """

    session_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    turns: list[Turn] = Field(default_factory=list)
    focus_partner_id: str | None = None
    pending: Pending | None = None
    last_call: LastCall | None = None

    def add_turn(self, role: Literal["user", "assistant"], content: str) -> None:
        """Append a message, keeping only the most recent ``MAX_TURNS``."""
        self.turns.append(Turn(role=role, content=content))
        del self.turns[:-MAX_TURNS]
