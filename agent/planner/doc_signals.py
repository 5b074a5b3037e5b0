"""Which document a message fills: the inputs it states, read by each document's slot readers.

A board dashboard's revenue, investment and program month, or a roadmap's thesis, year and
first partners, say which document is wanted even when the message does not name it, or
names it with a verb the drafting signals do not know ("lay out the roadmap"); two or more
sponsor pairings say the same of the relationship map, which reads the rest from the store.
The document whose own inputs the message states most fully (at least ``MIN_FILLED`` of
them, and at least half of its required ones besides our company) is the signal; the
scorer adds :data:`agent.planner.specs.DOC_INPUTS` to that tool.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.planner import documents

if TYPE_CHECKING:
    from agent.planner.partners import PartnerMatch

#: Inputs besides our company a message must state before they point at a document.
MIN_FILLED = 3
#: Share of the document's required inputs (besides our company) a message must state.
MIN_REQUIRED_SHARE = 0.5
#: A document read from the store (no required input) is filled by this many stated list
#: entries of its own (sponsor pairings for the relationship map).
MIN_ENTRIES = 2
#: Inputs that say nothing about which document is meant.
GENERIC = {"company"}


def _entries(tool: str, text: str, partner: PartnerMatch, optional: tuple[str, ...]) -> int:
    """How many list entries a store-built document's optional inputs read from ``text``."""
    values = documents.extract(tool, text, partner) if optional else {}
    return sum(len(v) for k in optional if isinstance(v := values.get(k), list))


def filled_document(text: str, partner: PartnerMatch) -> str:
    """The document tool whose inputs ``text`` states most fully ("" when none qualifies)."""
    best, best_key = "", (0.0, 0)
    for tool, spec in documents.DOCUMENTS.items():
        required = [s.name for s in spec if s.name not in GENERIC]
        optional = documents.OPTIONAL.get(tool, ())
        if not required:
            entries = _entries(tool, text, partner, optional)
            if entries >= MIN_ENTRIES and (1.0, entries) > best_key:
                best, best_key = tool, (1.0, entries)
            continue
        values = documents.extract(tool, text, partner)
        stated = [k for k in (*required, *optional) if values.get(k) not in (None, "", [])]
        share = sum(1 for k in required if k in stated) / len(required)
        key = (share, len(stated))
        if len(stated) >= MIN_FILLED and share >= MIN_REQUIRED_SHARE and key > best_key:
            best, best_key = tool, key
    return best
