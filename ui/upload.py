"""A CSV or XLSX dropped into the chat goes to the store's importer; its report is shown.

The importer (``knowledge.importer``) validates every row with the ``Partner`` model and
rejects a file with bad rows whole, so a bad file changes nothing; this module only hands the
file over and renders the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import chainlit as cl

ACCEPTED = (".csv", ".xlsx")
MAX_REPORT_ROWS = 30


def report_markdown(name: str, report: Any) -> str:
    """The importer's report as Markdown: counts, then one line per bad row."""
    data = report.model_dump(mode="json") if hasattr(report, "model_dump") else dict(report)
    errors = data.get("errors") or data.get("row_errors") or []
    ok = not errors or bool(data.get("imported"))
    lines = [f"**Import of `{name}`: {'done' if ok else 'rejected, nothing changed'}**", ""]
    for key in ("rows", "added", "updated", "unchanged", "imported", "skipped"):
        if isinstance(data.get(key), int | float):
            lines.append(f"- {key}: {data[key]}")
    if errors:
        lines += ["", "| Row | Field | Problem |", "| --- | --- | --- |"]
        for error in errors[:MAX_REPORT_ROWS]:
            row = error.get("row", "") if isinstance(error, dict) else ""
            field = error.get("field", "") if isinstance(error, dict) else ""
            problem = error.get("problem") or error.get("message") or error.get("reason") or ""
            lines.append(f"| {row} | {field} | {str(problem).replace('|', '/')} |")
        if len(errors) > MAX_REPORT_ROWS:
            lines.append(f"\n{len(errors) - MAX_REPORT_ROWS} more rows with problems.")
    return "\n".join(lines)


def run_import(path: Path, store: Any) -> Any:
    """Import one partner file into ``store`` with the store's importer; return its report."""
    from knowledge import importer  # type: ignore[attr-defined]

    return importer.import_file(path, store)


async def handle_upload(files: list[Any], get_agent: Callable[[], Any]) -> None:
    """Import each uploaded partner file and show its report (or why it was refused)."""
    for element in files:
        name = str(getattr(element, "name", "file"))
        path = Path(str(element.path))
        if path.suffix.lower() not in ACCEPTED and not name.lower().endswith(ACCEPTED):
            await cl.ErrorMessage(content=f"`{name}`: only CSV or XLSX partner files can be "
                                  "imported here.").send()
            continue
        try:
            agent = await asyncio.to_thread(get_agent)
            report = await asyncio.to_thread(run_import, path, agent.deps.store)
        except (ValueError, OSError, ImportError) as exc:
            await cl.ErrorMessage(content=f"Import of `{name}` rejected, nothing changed: "
                                  f"{exc}").send()
            continue
        await cl.Message(content=report_markdown(name, report)).send()
