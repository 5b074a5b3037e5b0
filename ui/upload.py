"""A CSV or XLSX dropped into the chat is imported by ``agent.uploads``; this renders the result.

The importer validates every row with the ``Partner`` model and rejects a file with bad rows
whole, so a bad file changes nothing; this module only turns the typed
:class:`~agent.uploads.UploadResult` into a Chainlit message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chainlit as cl

from agent.uploads import UploadResult, import_upload
from tools.errors import FrameworkError
from ui.safe_md import code_text, escape_text

MAX_REPORT_ROWS = 30


def report_markdown(result: UploadResult) -> str:
    """The import's report as Markdown: the outcome, the counts, then one line per bad row."""
    report = result.report
    if report is None:
        return (f"I could not import {code_text(result.name)}: {escape_text(result.error)}. "
                "Nothing changed.")
    name = Path(str(report.file)).name
    rejected = result.outcome == "rejected"
    outcome = "rejected, nothing changed" if rejected else "done"
    lines = [f"**Import of {code_text(name)}: {outcome}**", ""]
    counts = ("rows", "valid", "imported", "added", "updated", "unchanged", "skipped")
    lines.append(" · ".join(f"{key}: {getattr(report, key)}" for key in counts
                            if not (rejected and key in counts[2:])))
    if report.issues:
        lines += ["", "| Row | Partner | Field | Problem |", "| --- | --- | --- | --- |"]
        for issue in report.issues[:MAX_REPORT_ROWS]:
            where = f"{issue.source} {issue.row}" if issue.source != "partners" else issue.row
            cells = (where, issue.partner_id, issue.field, issue.reason)
            lines.append("| " + " | ".join(escape_text(c) for c in cells) + " |")
        if len(report.issues) > MAX_REPORT_ROWS:
            lines.append(f"\n{len(report.issues) - MAX_REPORT_ROWS} more problems not shown.")
    return "\n".join(lines)


def thread_name(files: list[Any]) -> str:
    """A thread title for a conversation that starts with an upload: the file's name."""
    names = [str(getattr(f, "name", "") or "partners.csv") for f in files]
    return "Import: " + ", ".join(names)[:80]


async def handle_upload(files: list[Any], get_agent: Callable[[], Any]) -> None:
    """Import each uploaded partner file and show its report (or why it was refused)."""
    for element in files:
        name = str(getattr(element, "name", "") or "partners.csv")
        try:
            agent = await asyncio.to_thread(get_agent)
            store = agent.deps.store
        except (FrameworkError, OSError) as exc:  # the store cannot be opened
            result = UploadResult(name=name, outcome="refused", error=str(exc))
        else:
            result = await asyncio.to_thread(import_upload, Path(str(element.path)), name, store)
        message = cl.ErrorMessage if result.outcome == "refused" else cl.Message
        await message(content=report_markdown(result)).send()
