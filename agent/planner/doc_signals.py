"""Which document a message fills: the inputs it states, read by each document's slot readers.

A board dashboard's revenue, investment and program month, or a roadmap's thesis, year and
first partners, say which document is wanted even when the message does not name it, or
names it with a verb the drafting signals do not know ("lay out the roadmap"). The document
whose own inputs the message states most fully (at least ``MIN_FILLED`` of them, and at least
half of its required ones besides our company) is the signal; the scorer adds
:data:`agent.planner.specs.DOC_INPUTS` to that tool.
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
#: Inputs that say nothing about which document is meant.
GENERIC = {"company"}


def filled_document(text: str, partner: PartnerMatch) -> str:
    """The document tool whose inputs ``text`` states most fully ("" when none qualifies)."""
    best, best_key = "", (0.0, 0)
    for tool, spec in documents.DOCUMENTS.items():
        required = [s.name for s in spec if s.name not in GENERIC]
        if not required:
            continue
        values = documents.extract(tool, text, partner)
        optional = documents.OPTIONAL.get(tool, ())
        stated = [k for k in (*required, *optional) if values.get(k) not in (None, "", [])]
        share = sum(1 for k in required if k in stated) / len(required)
        key = (share, len(stated))
        if len(stated) >= MIN_FILLED and share >= MIN_REQUIRED_SHARE and key > best_key:
            best, best_key = tool, key
    return best
