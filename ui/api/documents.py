"""Drafted documents, per API key: where a key's drafts go and how one is found by id.

A document's id is its file stem (``term-sheet-<title>-<hash>``); it is looked up only in
the calling key's own folder, so one key can never read another key's drafts, and no file
system path ever reaches a client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agent.events import DocumentProduced
from ui.api.errors import APIError

API_DIR = "api-documents"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,150}$")
FORMATS = {
    "md": ("text/markdown; charset=utf-8", ".md"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
}


def owner_dir(data_dir: Path, owner_id: str) -> Path:
    """The folder a key's drafts are written into."""
    return Path(data_dir) / API_DIR / owner_id


def document_id(document: DocumentProduced) -> str | None:
    """The id a produced document is served under (None when it was not written)."""
    path = document.docx_path or document.markdown_path
    return Path(path).stem if path else None


@dataclass(frozen=True)
class Download:
    """A document file to send: its path (server side only), media type and file name."""

    path: Path
    media_type: str
    filename: str


def split_id(doc_id: str, fmt: str) -> tuple[str, str]:
    """The document id without its format suffix, and the format (the suffix wins over ``fmt``).

    Args:
        doc_id: The id as requested (a ``.md`` or ``.docx`` suffix picks the format).
        fmt: ``md`` or ``docx`` when the id has no suffix.
    """
    for suffix in ("md", "docx"):
        if doc_id.endswith("." + suffix):
            return doc_id[: -len(suffix) - 1], suffix
    return doc_id, fmt


def find_document(folder: Path, doc_id: str, fmt: str) -> Download:
    """The file for ``doc_id`` in ``folder``, or a 404 (the same for "absent" and "not yours").

    Args:
        folder: The caller's own document folder.
        doc_id: The id, without its format suffix (:func:`split_id`).
        fmt: ``md`` or ``docx``.
    """
    if fmt not in FORMATS:
        raise APIError(400, f"format: must be md or docx (got {fmt[:20]!r})", "invalid_format",
                       "format")
    media_type, ext = FORMATS[fmt]
    path = folder / f"{doc_id}{ext}"
    if not ID_RE.match(doc_id) or not path.is_file():
        raise APIError(404, f"document {doc_id[:160]!r} was not found", "document_not_found")
    return Download(path=path, media_type=media_type, filename=path.name)
