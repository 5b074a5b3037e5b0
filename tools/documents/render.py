"""Render documents to Markdown (Jinja2 templates) and to DOCX (python-docx).

The DOCX is built from the rendered Markdown, so both formats always carry the same text.
The templates emit a small Markdown subset, and that subset is all the converter reads:
``#``/``##``/``###`` headings, ``- `` bullets, ``1. `` numbered items, pipe tables, ``**bold**``
and plain paragraphs.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

import docx
import jinja2
from pydantic import BaseModel

from prompts import render_template
from tools.documents.common import find_placeholders
from tools.documents.kinds import kind_of
from tools.errors import FrameworkError
from tools.text import xml_safe

BOLD = re.compile(r"\*\*(.+?)\*\*")
HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
NUMBERED = re.compile(r"^\d+\.\s+(.*)$")
TABLE_RULE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+\s*$")


def check_rendered(kind: str, text: str, sections: tuple[str, ...]) -> None:
    """Refuse output with an unfilled slot or a missing required section.

    Raises:
        FrameworkError: Naming the document kind and the offending slot or section.
    """
    slots = find_placeholders(text)
    if slots:
        raise FrameworkError(kind, "rendered document has unfilled placeholders: "
                             + ", ".join(slots[:5]))
    headings = {match.group(2).strip() for match in map(HEADING.match, text.splitlines())
                if match and len(match.group(1)) == 2}
    missing = [section for section in sections if section not in headings]
    if missing:
        raise FrameworkError(kind, "rendered document lacks required sections: "
                             + ", ".join(missing))


def render_markdown(doc: BaseModel) -> str:
    """Render a document model to Markdown through its Jinja2 template.

    Args:
        doc: A built document (Thesis, TermSheet, StrategyBrief, ...).

    Returns:
        The Markdown text, free of placeholders and with every required section.

    Raises:
        FrameworkError: When ``doc`` is not a document, or the output has an unfilled slot
            or lacks a required section.
    """
    kind = kind_of(doc)
    try:
        text = render_template(kind.template, doc=doc)
    except jinja2.UndefinedError as exc:
        raise FrameworkError(kind.name, f"template refers to a missing value: {exc}") from None
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    check_rendered(kind.name, text, kind.required_sections)
    return text


@dataclass
class Block:
    """One block of the Markdown subset."""

    kind: str  # heading1-3, bullet, number, table, paragraph
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


def parse_blocks(markdown: str) -> list[Block]:
    """Split the Markdown subset into blocks (headings, list items, tables, paragraphs)."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    table_open = False

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", " ".join(paragraph)))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        heading = HEADING.match(line)
        numbered = NUMBERED.match(line)
        if not line.startswith("|"):
            table_open = False
        if not line:
            flush()
        elif heading:
            flush()
            blocks.append(Block(f"heading{len(heading.group(1))}", heading.group(2).strip()))
        elif line.startswith("- "):
            flush()
            blocks.append(Block("bullet", line[2:].strip()))
        elif numbered:
            flush()
            blocks.append(Block("number", numbered.group(1).strip()))
        elif line.startswith("|"):
            flush()
            if TABLE_RULE.match(line):
                continue
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            if table_open:
                blocks[-1].rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
                table_open = True
        else:
            paragraph.append(line)
    flush()
    return blocks


def _add_runs(paragraph: Any, text: str, bold: bool = False) -> None:
    """Add ``text`` to a python-docx paragraph, turning ``**x**`` into bold runs."""
    for index, part in enumerate(BOLD.split(text)):
        if part:
            paragraph.add_run(part).bold = bold or index % 2 == 1


def _add_table(document: Any, rows: list[list[str]]) -> None:
    width = max(len(row) for row in rows)
    table = document.add_table(rows=len(rows), cols=width)
    table.style = "Table Grid"
    # row by row: ``table.cell(r, c)`` walks every cell of the table on each call (quadratic;
    # a landscape map took 1.8 s in the eval run), a row's own cells are only its own
    for r, (line, row) in enumerate(zip(table.rows, rows, strict=True)):
        for c, cell in enumerate(line.cells):
            _add_runs(cell.paragraphs[0], row[c] if c < len(row) else "", bold=r == 0)


def markdown_to_docx(markdown: str, title: str | None = None) -> bytes:
    """Convert the templates' Markdown subset to a DOCX file.

    Args:
        markdown: Markdown produced by :func:`render_markdown`.
        title: Document title for the file's properties; the first heading by default.

    Returns:
        The DOCX file's bytes.
    """
    document = docx.Document()
    blocks = parse_blocks(xml_safe(markdown))  # typed inputs are clean; this is the last net
    first = next((block.text for block in blocks if block.kind == "heading1"), None)
    document.core_properties.title = title or first or "partnerpilot document"
    document.core_properties.author = "partnerpilot"
    styles = {"bullet": "List Bullet", "number": "List Number"}
    for block in blocks:
        if block.kind.startswith("heading"):
            # "#" becomes the Title style, "##" Heading 1, "###" Heading 2.
            document.add_heading(BOLD.sub(r"\1", block.text), level=int(block.kind[-1]) - 1)
        elif block.kind in styles:
            _add_runs(document.add_paragraph(style=styles[block.kind]), block.text)
        elif block.kind == "table":
            _add_table(document, block.rows)
        else:
            _add_runs(document.add_paragraph(), block.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_docx(doc: BaseModel) -> bytes:
    """Render a document model to DOCX with real headings, bullet lists and tables.

    Args:
        doc: A built document.

    Returns:
        The DOCX file's bytes.

    Raises:
        FrameworkError: As :func:`render_markdown`.
    """
    return markdown_to_docx(render_markdown(doc), title=kind_of(doc).title)
