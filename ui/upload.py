"""A CSV or XLSX dropped into the chat is imported by ``agent.uploads``; this renders the result.

A partner file or an account list (ours, or a partner's customers: told by the message's
words or the file's headers, see :func:`agent.uploads.upload_kind`). The importers validate
every row and reject a file with bad rows whole, so a bad file changes nothing; this module
only turns the typed :class:`~agent.uploads.UploadResult` into a Chainlit message, and an
account list's overlap with our accounts into the tool's step and chart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chainlit as cl

from agent.events import TextDelta
from agent.uploads import UploadResult, import_dropped
from tools.errors import FrameworkError
from ui.safe_md import code_text, escape_text

MAX_REPORT_ROWS = 30
NO_OVERLAP_YET = ("No overlap to show yet: it needs our account list and a partner's. Drop "
                  "the other one (with \"these are our accounts\" or \"these are <partner>'s "
                  "customers\") to see it.")
ROW_LABELS = {"customer": "customers", "prospect": "prospects",
              "opportunity": "open opportunities"}


def accounts_markdown(result: UploadResult) -> str:
    """An account list's import report: whose list, the counts, then one line per bad row."""
    report = result.accounts
    assert report is not None
    rejected = result.outcome == "rejected"
    outcome = "rejected, nothing changed" if rejected else f"done, now {report.label}"
    lines = [f"**Import of {code_text(result.name)} as an account list: "
             f"{escape_text(outcome)}**", ""]
    counts = ("rows", "valid", "imported", "added", "removed", "unchanged")
    lines.append(" · ".join(f"{key}: {getattr(report, key)}" for key in counts
                            if not (rejected and key in counts[2:])))
    if report.by_kind:
        lines.append("By kind: " + ", ".join(f"{n} {k}" for k, n in report.by_kind.items()))
    if report.issues:
        lines += ["", "| Row | Column | Problem |", "| --- | --- | --- |"]
        for issue in report.issues[:MAX_REPORT_ROWS]:
            cells = (issue.row, issue.field, issue.reason)
            lines.append("| " + " | ".join(escape_text(c) for c in cells) + " |")
        if len(report.issues) > MAX_REPORT_ROWS:
            lines.append(f"\n{len(report.issues) - MAX_REPORT_ROWS} more problems not shown.")
    return "\n".join(lines)


def overlap_markdown(output: Any) -> str:
    """One overlap result (the ``account_overlap`` tool's output) as a short table."""
    lines = [f"**Overlap with {escape_text(output.get('partner_name'))}**: "
             f"{output.get('their_customers')} of their customers x our "
             f"{output.get('our_accounts')} accounts", "",
             "| Our accounts | Accounts | Their customers | Share |", "| --- | --- | --- | --- |"]
    for row in output.get("rows") or []:
        lines.append(f"| {escape_text(ROW_LABELS.get(row.get('kind'), row.get('kind')))} | "
                     f"{row.get('accounts')} | {row.get('matched')} | {row.get('share_pct')}% |")
    provenance = (output.get("icp") or {}).get("provenance")
    if provenance:
        lines += ["", escape_text(provenance)]
    return "\n".join(lines)


def report_markdown(result: UploadResult) -> str:
    """The import's report as Markdown: the outcome, the counts, then one line per bad row."""
    if result.accounts is not None:
        return accounts_markdown(result)
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


async def handle_upload(files: list[Any], get_agent: Callable[[], Any],
                        words: str = "") -> None:
    """Import each uploaded file and show its report (or why it was refused).

    ``words`` is the message the files came with ("these are Northwind's customers"). An
    imported account list is followed by its overlap with our accounts, shown as the
    ``account_overlap`` tool's step and chart.
    """
    from ui.render import TurnRenderer  # the same steps and charts as an agent turn

    for element in files:
        name = str(getattr(element, "name", "") or "partners.csv")
        runs: list[Any] = []
        try:
            agent = await asyncio.to_thread(get_agent)
            deps = agent.deps
        except (FrameworkError, OSError) as exc:  # the agent or its store cannot start
            result = UploadResult(name=name, outcome="refused", error=str(exc))
        else:
            result, runs = await asyncio.to_thread(import_dropped, Path(str(element.path)),
                                                   name, deps, words)
        message = cl.ErrorMessage if result.outcome == "refused" else cl.Message
        await message(content=report_markdown(result)).send()
        if result.outcome == "imported" and result.accounts is not None and not runs:
            await cl.Message(content=NO_OVERLAP_YET).send()
        if runs:
            renderer = TurnRenderer()
            for run in runs:
                for event in run.events():
                    await renderer.handle(event)
            shown = [overlap_markdown(r.output_data()) if r.error is None
                     else f"No overlap for this list: {escape_text(r.error)}" for r in runs]
            await renderer.handle(TextDelta(text="\n\n".join(shown)))
            await renderer.finish()
