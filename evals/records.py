"""What a run records per turn (:class:`TurnRecord`) and what a grader returns (:class:`Grade`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agent.events import FinalAnswer, FollowUp


class Grade(BaseModel):
    """The outcome of one grader on one turn.

    Args:
        grader: Grader name.
        passed: Whether the expectation held.
        score: Share of the expectation met, 0-1.
        detail: What was found, for a person.
        turn: Index of the turn graded (0-based).
        counted: Whether the grade decides the case (metrics are not counted).
    """

    grader: str
    passed: bool
    score: float = Field(ge=0, le=1)
    detail: str = ""
    turn: int = 0
    counted: bool = True


class TurnRecord(BaseModel):
    """What one user message produced: the events in order and how long it took."""

    user: str
    events: list[Any] = Field(default_factory=list)
    elapsed_s: float = 0.0
    first_event_s: float | None = None
    timed_out: bool = False

    def of(self, kind: type[Any]) -> list[Any]:
        """The events of one type, in order."""
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def answer(self) -> str:
        """The final answer text (or the follow-up question when that is all there is)."""
        finals = self.of(FinalAnswer)
        if finals:
            return str(finals[-1].text)
        return " ".join(str(f.question) for f in self.of(FollowUp))

    @property
    def tokens(self) -> int | None:
        """Total tokens the backend reported for the turn, if it reported any."""
        for final in self.of(FinalAnswer):
            usage = final.usage or {}
            if "total_tokens" in usage:
                return int(usage["total_tokens"])
            if usage:
                return int(sum(v for k, v in usage.items() if k.endswith("tokens")))
        return None
