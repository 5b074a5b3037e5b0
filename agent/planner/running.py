"""Running a planned call and ending a turn: the steps the offline planner's turns share.

:func:`announce_and_run` shows a call before it runs (a front end draws the step at once),
:func:`finish` streams the answer and ends the turn, and :func:`compare_partners` answers
"compare A and B" with each partner's score and tier review side by side.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Iterator
from typing import Any

from pydantic import BaseModel

from agent.events import Event, FinalAnswer, TextDelta, ToolCall
from agent.planner import followups
from agent.registry import execute
from agent.session import Session
from agent.toolset import Deps, ExecutedTool


def announce_and_run(tool: str, args: Any, deps: Deps) -> Generator[Event, None, ExecutedTool]:
    """Announce the call (a front end shows the step at once), then run it.

    The executed call's own events start with that same :class:`ToolCall`; callers
    yield the rest (``events()[1:]``).
    """
    call_id = f"call_{uuid.uuid4().hex[:12]}"
    shown = args.model_dump(mode="json", exclude_none=True) if isinstance(
        args, BaseModel) else dict(args or {})
    yield ToolCall(call_id=call_id, name=tool, input=shown)
    return execute(tool, args, deps, call_id=call_id)


def finish(backend: str, events: list[Event], text: str) -> Iterator[Event]:
    """The answer, line by line, then the turn's end.

    The grounding guard runs once, in ``Agent.stream``, over every backend's text.
    """
    for line in text.splitlines(keepends=True):
        yield TextDelta(text=line)
    yield FinalAnswer(text=text, backend=backend)


#: What "compare A and B" runs per partner, unless the message asks for another partner tool.
COMPARED_TOOLS = ("score_partner", "review_tier")


def compare_partners(ids: list[str], session: Session, deps: Deps, backend: str
                     ) -> Iterator[Event]:
    """Score and review each partner; answer with them side by side."""
    events: list[Event] = []
    rows: list[dict[str, Any]] = []
    for partner_id in ids:
        row: dict[str, Any] = {"partner_id": partner_id, "name": partner_id}
        for tool in COMPARED_TOOLS:
            done = yield from announce_and_run(tool, {"partner": partner_id}, deps)
            more = done.events()
            events += more
            yield from more[1:]
            output = done.output_data() if done.ok else None
            if isinstance(output, dict) and tool == "score_partner":
                result = output.get("result") or {}
                row.update(name=output.get("partner_name") or partner_id,
                           score=result.get("score"), band=result.get("band"))
            elif isinstance(output, dict):
                row.update(tier=output.get("to"), action=output.get("action"))
        rows.append(row)
    session.focus_partner_id = ids[-1]
    yield from finish(backend, events, followups.compare_text(rows))
