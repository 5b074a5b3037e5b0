"""One turn's decision: which tool, the arguments so far, and what is still missing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Plan:
    """One turn's decision.

    Args:
        tool: The tool to run.
        args: Arguments collected so far (valid input once ``missing`` is empty).
        missing: Slots still needed, in asking order.
        context: Things the narration needs that are not tool input (partner name, ...).
    """

    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
