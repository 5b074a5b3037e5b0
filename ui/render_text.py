"""Pure text for the chat UI: download names, citations, badges, partner tables, chunks.

Everything here is a function of its arguments (no Chainlit): :mod:`ui.render` uses it to
turn agent events into messages, and the unit tests call it directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from agent.events import Citation, FinalAnswer
from ui.safe_md import escape_text, safe_markdown

TABLE_COLUMNS = (("partner_id", "ID"), ("name", "Partner"), ("tier", "Tier"),
                 ("partner_type", "Type"), ("region", "Region"), ("score", "Score"),
                 ("band", "Band"))
MAX_TABLE_ROWS = 25
MAX_NAME_CHARS = 48
#: A streamed piece of text is this many words.
STREAM_WORDS = 4
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def download_name(title: str, extension: str) -> str:
    """A download name people read: ``Partnership thesis - Northwind Analytics.docx``."""
    name = re.sub(r"\s*[:\u2014\u2013]\s*", " - ", title)
    name = re.sub(r"\s+", " ", _UNSAFE_NAME.sub(" ", name)).strip(" .-") or "Document"
    if len(name) > 90:
        name = name[:90].rsplit(" ", 1)[0]
    return f"{name}.{extension}"


def document_title(title: str, model: Mapping[str, Any]) -> str:
    """The document's title with whom it is about: ``Partnership thesis - Northwind``."""
    for key in ("partner", "partner_name", "company"):
        subject = model.get(key)
        if isinstance(subject, str) and subject.strip() and subject.strip() not in title:
            return f"{title} - {subject.strip()}"
    return title


def without_listed_partners(text: str, rows: list[Mapping[str, Any]]) -> str:
    """``text`` without its bullet lines about partners the table shows (one rendering)."""
    ids = {f"({row['partner_id']})" for row in rows}
    kept = [line for line in text.splitlines()
            if not (line.lstrip().startswith(("- ", "* ")) and any(i in line for i in ids))]
    return "\n".join(kept).strip()


def chunks(text: str, words: int = STREAM_WORDS) -> list[str]:
    """``text`` cut into pieces of a few words (whitespace kept), for visible streaming."""
    parts = re.findall(r"\S+\s*|\s+", text)
    return ["".join(parts[i:i + words]) for i in range(0, len(parts), words)] or [text]


def pretty_json(data: Any) -> str:
    """Indented JSON for a step's input or output (non-JSON values shown with ``str``)."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def tool_title(name: str) -> str:
    """A step title people read: ``score_partner`` -> ``Score partner``."""
    return name.replace("_", " ").capitalize()


def citation_name(index: int, citation: Citation) -> str:
    """The side-panel element name the answer links to, e.g. ``Source 1 - Promotion rules``.

    Named after the section (else the title); only letters, digits, spaces and hyphens, at
    most ``MAX_NAME_CHARS``, so the name matches literally in the answer.
    """
    label = citation.section.split(">")[-1] if citation.section else citation.title
    label = re.sub(r"[^A-Za-z0-9 \-]+", " ", label)
    label = re.sub(r"\s+", " ", label).strip() or citation.doc_id
    if len(label) > MAX_NAME_CHARS:
        label = label[:MAX_NAME_CHARS].rsplit(" ", 1)[0]
    return f"Source {index} - {label}"


def citation_body(citation: Citation) -> str:
    """The cited passage as shown in the side panel (its Markdown made safe, see ``safe_md``)."""
    section = f" > {escape_text(citation.section)}" if citation.section else ""
    return (f"**{escape_text(citation.title)}**{section}\n\n{safe_markdown(citation.snippet)}"
            f"\n\n`{citation.doc_id.replace('`', '')}`")


def model_badge(final: FinalAnswer) -> str:
    """Which backend answered, for the line under the answer."""
    if final.backend == "offline":
        label = "offline planner (no LLM)"
    elif final.backend == "local":
        label = f"embedded local model {final.model}" if final.model else "embedded local model"
    elif final.backend == "openai":
        label = f"OpenAI-compatible model {final.model}" if final.model else "OpenAI-compatible"
    else:
        label = " ".join(filter(None, [final.backend, final.model]))
    return f"Answered by: `{label}`"


def _cell(value: Any) -> str:
    """A table cell from data: shown as text, never as Markdown (an image, a link, a pipe)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return escape_text(value)


def partner_rows(output: Any) -> list[Mapping[str, Any]]:
    """The partner summaries in a ``find_partners`` result, or none."""
    if not isinstance(output, Mapping):
        return []
    rows = output.get("partners")
    if not isinstance(rows, list):
        return []
    return [row for row in rows if isinstance(row, Mapping) and "partner_id" in row]


def partner_table(rows: list[Mapping[str, Any]]) -> str:
    """A compact Markdown table of partner summaries (at most ``MAX_TABLE_ROWS``)."""
    if not rows:
        return ""
    columns = [(key, label) for key, label in TABLE_COLUMNS
               if any(row.get(key) is not None for row in rows)]
    lines = ["| " + " | ".join(label for _, label in columns) + " |",
             "|" + "|".join(" --- " for _ in columns) + "|"]
    for row in rows[:MAX_TABLE_ROWS]:
        lines.append("| " + " | ".join(_cell(row.get(key)) for key, _ in columns) + " |")
    if len(rows) > MAX_TABLE_ROWS:
        lines.append(f"\n{len(rows) - MAX_TABLE_ROWS} more not shown.")
    return "\n".join(lines)
