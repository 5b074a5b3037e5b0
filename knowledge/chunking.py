"""Split the framework's Markdown documents into citation-ready chunks, one per heading.

Each chunk keeps the document id and title (from the front matter), the heading path it sits
under (``section``), the source file, and a stable id: ``doc_id::section-slug::n``. The id
depends only on where the text sits, so re-indexing an unchanged document yields the same
ids, and a chunk's ``content_hash`` tells the store whether its text changed.
"""

from __future__ import annotations

import hashlib
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from tools.errors import FrameworkError
from tools.text import slugify

HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
FENCE_RE = re.compile(r"^\s*(```|~~~)")
#: Sections longer than this (characters) are split at paragraph breaks.
MAX_CHARS = 1500


class Chunk(BaseModel):
    """One section (or part of a long section) of a framework document.

    Args:
        chunk_id: Stable id, ``doc_id::section-slug::n``.
        doc_id: Document id from the front matter.
        title: Document title from the front matter.
        section: Heading path, e.g. ``Tiers > Gold``.
        source: File name the chunk came from.
        text: The section's Markdown text (without its heading).
        index: Position of the chunk in its document.
    """

    chunk_id: str
    doc_id: str
    title: str
    section: str
    source: str
    text: str
    index: int

    @property
    def embed_text(self) -> str:
        """What gets embedded: title and section give the bare text its context."""
        return f"{self.title} - {self.section}\n{self.text}"

    @property
    def content_hash(self) -> str:
        """sha256 of everything stored for the chunk."""
        raw = "\0".join([self.doc_id, self.title, self.section, self.source, self.text])
        return hashlib.sha256(raw.encode()).hexdigest()


def split_front_matter(text: str, source: str = "document") -> tuple[dict[str, Any], str]:
    """Return the YAML front matter (``---`` block at the top) and the body after it.

    Raises:
        FrameworkError: When the front matter is not valid YAML or not a mapping.
    """
    if not text.startswith("---"):
        return {}, text
    match = re.match(r"^---\s*\n(.*?)\n---\s*(?:\n|$)", text, flags=re.S)
    if not match:
        raise FrameworkError(source, "front matter starts with --- but is never closed")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise FrameworkError(source, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise FrameworkError(source, "front matter must be a mapping")
    return meta, text[match.end():]


def _split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split text at blank lines into pieces of at most about ``limit`` characters."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for para in re.split(r"\n\s*\n", text):
        if current and len(current) + len(para) + 2 > limit:
            pieces.append(current)
            current = para
        else:
            current = f"{current}\n\n{para}" if current else para
    if current:
        pieces.append(current)
    return pieces


def _sections(body: str) -> list[tuple[list[str], str]]:
    """(heading path, text) for each heading's text, ignoring headings inside code fences."""
    out: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            out.append(([title for _, title in path], text))
        lines.clear()

    for line in body.splitlines():
        if FENCE_RE.match(line):
            in_fence = not in_fence
        match = None if in_fence else HEADING_RE.match(line)
        if match:
            flush()
            level = len(match.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level]
            path.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return out


def chunk_markdown(text: str, source: str) -> list[Chunk]:
    """Chunk one Markdown document by heading.

    Args:
        text: The document, with optional front matter (``id``, ``title``).
        source: The file name, kept on each chunk; its stem is the fallback ``doc_id``.

    Returns:
        Chunks in document order. The document's top heading (usually the title) is left
        out of the section path when it repeats the title.
    """
    meta, body = split_front_matter(text, source)
    doc_id = str(meta.get("id") or Path(source).stem)
    title = str(meta.get("title") or "")
    sections = _sections(body)
    if not title:
        first = HEADING_RE.match(next((ln for ln in body.splitlines() if ln.strip()), ""))
        title = first.group(2).strip() if first else doc_id
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for path, section_text in sections:
        if path and path[0] == title:
            path = path[1:]
        section = " > ".join(path) or title
        slug = slugify(section, default="section")
        for piece in _split_long(section_text):
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            chunks.append(Chunk(
                chunk_id=f"{doc_id}::{slug}::{n}", doc_id=doc_id, title=title, section=section,
                source=source, text=piece, index=len(chunks),
            ))
    return chunks


def load_documents(docs_dir: Path) -> list[Chunk]:
    """Chunk every ``*.md`` file in ``docs_dir`` (sorted by name).

    Raises:
        FrameworkError: When two documents share a ``doc_id``.
    """
    chunks: list[Chunk] = []
    owners: dict[str, str] = {}
    for path in sorted(Path(docs_dir).glob("*.md")):
        doc_chunks = chunk_markdown(path.read_text(encoding="utf-8"), path.name)
        for chunk in doc_chunks[:1]:
            if chunk.doc_id in owners:
                raise FrameworkError(
                    "id", f"{path.name} and {owners[chunk.doc_id]} share one id", chunk.doc_id
                )
            owners[chunk.doc_id] = path.name
        chunks.extend(doc_chunks)
    return chunks


def default_docs_dir() -> Path:
    """The framework documents that ship with the package (``knowledge/docs``)."""
    return Path(str(files("knowledge") / "docs"))
