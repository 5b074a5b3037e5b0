""""Why" about one line of the last board document: a KPI's status, a partner's position.

"Why is ROI on track when we're nowhere near 300%?" after a board dashboard, or "why is X
marked as locked?" after a competitor map, is answered from the document the last turn
built: the line the question names (a KPI by its words, a partner by its name) and the rule
that set its status. Nothing is recomputed; a question that names no line of the document
gets None (and is answered as a new request).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from prompts import format_number

WORD_RE = re.compile(r"[a-z][a-z0-9]+")
#: Words that name no line of a document.
COMMON = {"the", "and", "our", "why", "is", "are", "was", "its", "it", "on", "at", "of", "we",
          "when", "what", "how", "come", "showing", "shown", "marked", "near", "nowhere",
          "track", "risk", "off", "partner", "partners", "with", "for", "that", "this"}


def _words(text: str) -> set[str]:
    return set(WORD_RE.findall(text.lower())) - COMMON


def _status(value: Any) -> str:
    return str(value).replace("_", " ")


def _dashboard(doc: Mapping[str, Any], text: str) -> str | None:
    asked = _words(text)
    if "roi" in asked:
        return (f"ROI is {format_number(doc['roi_pct'])}% and the status compares it with the "
                f"goal pro rata, not with the full {format_number(doc['roi_goal_pct'])}%: at "
                f"month {doc['program_month']} the goal to date is "
                f"{format_number(doc['roi_goal_to_date_pct'])}%, so ROI is "
                f"**{_status(doc['roi_status'])}**.")
    for kpi in doc.get("kpis") or []:
        if _words(str(kpi.get("name", ""))) & asked:
            return (f"{kpi['name']}: {kpi['shown_actual']} against {kpi['shown_target']}, so "
                    f"**{_status(kpi['status'])}** (just short of the target is at risk, "
                    f"further off is off track).")
    if asked & {"revenue", "share", "sourced"}:
        return (f"Partner-sourced revenue is {format_number(doc['revenue_share_pct'])}% of "
                f"revenue against the phase target of {doc['phase']['revenue_share_pct']}%, "
                f"so it is **{_status(doc['revenue_share_status'])}**.")
    return None


def _named(rows: list[Mapping[str, Any]], key: str, text: str) -> Mapping[str, Any] | None:
    lowered = text.lower()
    for row in rows:
        name = str(row.get(key, ""))
        words = [w for w in WORD_RE.findall(name.lower()) if w not in COMMON]
        if words and " ".join(words[:2]) in lowered:
            return row
    return None


def _competitors(doc: Mapping[str, Any], text: str) -> str | None:
    position = _named(list(doc.get("positions") or []), "partner", text)
    if position is None:
        return None
    signed = [f"{c['competitor']} ({p['strength']} {p['model']}"
              f"{', exclusive' if p.get('exclusive') else ''}: {p['why']})"
              for c in doc.get("competitors") or [] for p in c.get("partnerships") or []
              if p.get("partner") == position["partner"]]
    reason = f" It is signed with {'; '.join(signed)}." if signed else ""
    return (f"{position['partner']} is **{_status(position['position'])}**.{reason} "
            f"{position['action']}")


def _landscape(doc: Mapping[str, Any], text: str) -> str | None:
    for tier in doc.get("tiers") or []:
        rows = [p for g in tier.get("groups") or [] for p in g.get("partners") or []]
        row = _named(rows, "name", text)
        if row is not None:
            below = "below" if row.get("below_target") else "at or above"
            return (f"{row['name']} is in tier {tier['key']} ({str(tier['name']).lower()}, "
                    f"{str(tier['target_tier']).title()} target) and is "
                    f"{str(row['tier']).title()} today: {below} its target.")
    return None


READERS = {"board_dashboard": _dashboard, "competitor_map": _competitors,
           "landscape_map": _landscape}


def why_document(name: str, output: Any, text: str) -> str | None:
    """The reason for the line of the last document ``text`` asks about, or None."""
    reader = READERS.get(name)
    doc = output.get("document") if isinstance(output, Mapping) else None
    if reader is None or not isinstance(doc, Mapping):
        return None
    try:
        return reader(doc, text)
    except (KeyError, TypeError):
        return None

