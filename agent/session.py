"""Conversation state kept between turns: recent turns, the partner in focus, pending questions.

A session is plain data (JSON round-trip), so the UI can persist it with a thread and rebuild
it on resume.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_TURNS = 20
STEP_TURNS = 10  # the user turns whose tool steps are kept (older ones keep their text only)


class ToolStep(BaseModel):
    """One tool call made while answering a user turn, and its outcome.

    Kept with the session (so a resumed conversation still has them): the LLM path replays
    them as history, and their typed results ground the numbers later turns repeat.

    Args:
        call_id: Id of the call.
        name: Tool name.
        input: The call's arguments.
        output: The result as JSON data (None when the tool failed).
        error: What went wrong, when it did.
    """

    call_id: str
    name: str
    input: dict[str, Any] = Field(default_factory=dict)
    output: Any = None
    error: str | None = None


class Turn(BaseModel):
    """One message in the conversation (a user turn also keeps the tool steps it caused)."""

    role: Literal["user", "assistant"]
    content: str
    steps: list[ToolStep] = Field(default_factory=list)


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

    def add_turn(self, role: Literal["user", "assistant"], content: str) -> Turn:
        """Append a message, keeping only the most recent ``MAX_TURNS``; return it."""
        turn = Turn(role=role, content=content)
        self.turns.append(turn)
        del self.turns[:-MAX_TURNS]
        return turn

    def record_steps(self, turn: Turn, steps: list[ToolStep]) -> None:
        """Keep ``steps`` with the user ``turn``; only the last ``STEP_TURNS`` keep theirs."""
        turn.steps = steps
        users = [t for t in self.turns if t.role == "user"]
        for old in users[:-STEP_TURNS]:
            old.steps = []

    def earlier_steps(self) -> list[ToolStep]:
        """The tool steps of the turns before the current one, oldest first."""
        return [step for turn in self.turns[:-1] for step in turn.steps]
