"""A CSV or XLSX dropped into the chat goes to the store's importer; its report is shown.

The importer (``knowledge.importer``) validates every row with the ``Partner`` model and
rejects a file with bad rows whole, so a bad file changes nothing; this module only hands the
file over and renders the report.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chainlit as cl

from tools.errors import FrameworkError

ACCEPTED = (".csv", ".xlsx")
MAX_REPORT_ROWS = 30


def report_markdown(report: Any, rejected: bool) -> str:
    """The importer's report as Markdown: the outcome, the counts, then one line per bad row."""
    name = Path(str(report.file)).name
    outcome = "rejected, nothing changed" if rejected else "done"
    lines = [f"**Import of `{name}`: {outcome}**", ""]
    counts = ("rows", "valid", "imported", "added", "updated", "unchanged", "skipped")
    lines.append(" · ".join(f"{key}: {getattr(report, key)}" for key in counts
                            if not (rejected and key in counts[2:])))
    if report.issues:
        lines += ["", "| Row | Partner | Field | Problem |", "| --- | --- | --- | --- |"]
        for issue in report.issues[:MAX_REPORT_ROWS]:
            where = f"{issue.source} {issue.row}" if issue.source != "partners" else issue.row
            reason = str(issue.reason).replace("|", "/")
            lines.append(f"| {where} | {issue.partner_id} | {issue.field} | {reason} |")
        if len(report.issues) > MAX_REPORT_ROWS:
            lines.append(f"\n{len(report.issues) - MAX_REPORT_ROWS} more problems not shown.")
    return "\n".join(lines)


def safe_name(name: str) -> str:
    """The uploaded file's base name, made safe for a path (keeps the extension)."""
    base = Path(name).name
    return re.sub(r"[^A-Za-z0-9._\-]+", "_", base).strip("._") or "partners.csv"


def run_import(upload_path: Path, name: str, store: Any) -> tuple[Any, bool]:
    """Import one uploaded partner file; return ``(report, rejected)``.

    Chainlit keeps uploads without their extension, so the file is copied under its own
    name first (the importer reads the format from the extension).

    Raises:
        FrameworkError: For a file-level problem (empty, unreadable, wrong format).
    """
    from knowledge.importer import ImportRejected, import_file

    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / safe_name(name)
        shutil.copyfile(upload_path, path)
        try:
            return import_file(store, path), False
        except ImportRejected as exc:
            return exc.report, True


async def handle_upload(files: list[Any], get_agent: Callable[[], Any]) -> None:
    """Import each uploaded partner file and show its report (or why it was refused)."""
    for element in files:
        name = str(getattr(element, "name", "") or "partners.csv")
        if not name.lower().endswith(ACCEPTED):
            await cl.ErrorMessage(content=f"`{name}`: only CSV or XLSX partner files can be "
                                  "imported here.").send()
            continue
        try:
            agent = await asyncio.to_thread(get_agent)
            report, rejected = await asyncio.to_thread(
                run_import, Path(str(element.path)), name, agent.deps.store)
        except (FrameworkError, OSError) as exc:
            await cl.ErrorMessage(content=f"Import of `{name}` refused, nothing changed: "
                                  f"{exc}").send()
            continue
        await cl.Message(content=report_markdown(report, rejected)).send()
