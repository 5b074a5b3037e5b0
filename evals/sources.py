"""What the graders check answers against: the framework documents and the document models."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pydantic import BaseModel
from rapidfuzz import fuzz

from tools.documents.kinds import DOCUMENT_KINDS

SNIPPET_MIN_RATIO = 90.0
# Other names a case may use for a kind (the kinds themselves come from DOCUMENT_KINDS).
_KIND_ALIASES = {
    "partnership_thesis": "thesis",
    "strategy_brief": "brief",
    "partner_scorecard": "scorecard",
    "joint_operating_plan": "operating-plan",
    "governance": "governance-playbook",
    "partnership_okrs": "okrs",
}


def _plain(text: str) -> str:
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"[*_`#>|]+", " ", text)
    text = text.replace("…", " ").replace("...", " ")
    return re.sub(r"\s+", " ", text).strip().lower()


@lru_cache(maxsize=1)
def framework_docs() -> dict[str, str]:
    """Every framework document, by its front-matter id, as plain lower-case text."""
    docs: dict[str, str] = {}
    folder = resources.files("knowledge").joinpath("docs")
    for entry in folder.iterdir():
        if not entry.name.endswith(".md"):
            continue
        raw = entry.read_text(encoding="utf-8")
        match = re.search(r"^id:\s*(\S+)\s*$", raw, re.MULTILINE)
        docs[match.group(1) if match else entry.name.removesuffix(".md")] = _plain(raw)
    return docs


def snippet_in_doc(doc_id: str, snippet: str) -> bool:
    """Whether a cited snippet comes from the document it is attributed to.

    Each fragment of the snippet (split at ellipses) must match the document text closely
    (rapidfuzz partial ratio >= 90 after dropping Markdown marks and case).
    """
    doc = framework_docs().get(doc_id)
    if doc is None:
        return False
    fragments = [_plain(f) for f in re.split(r"…|\.\.\.", snippet)]
    fragments = [f for f in fragments if len(f) >= 12]
    return all(
        f in doc or fuzz.partial_ratio(f, doc) >= SNIPPET_MIN_RATIO for f in fragments
    )


def document_class(kind: str) -> type[BaseModel] | None:
    """The pydantic model of a document kind (``term_sheet`` -> ``TermSheet``), if known."""
    key = re.sub(r"[\s\-]+", "_", kind.strip().lower())
    name = _KIND_ALIASES.get(key, key).replace("_", "-")
    found = DOCUMENT_KINDS.get(name)
    return found.document_model if found else None
