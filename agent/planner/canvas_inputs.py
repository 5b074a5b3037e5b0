"""Value-canvas answers and executive pairings stated in prose.

A value canvas request answers some of the five value-capture questions in its own clauses:
an amount of value, how it is measured, an "N/M" split, what happens above or below plan, and
what happens at exit. A clause that says a question is not settled yet ("nothing agreed
for exit") answers nothing. An executive pairing is "<partner>: <executive> (<role>) with our
<counterpart>, <cadence>", one per clause; ":" or a dash separates partner and executive.
"""

from __future__ import annotations

import re
from typing import Any

from agent.planner.board_inputs import money_roles

CANVAS_ROLES: tuple[tuple[str, str], ...] = (
    ("total_value_usd", r"\bvalue\b|\bcreat\w*|\bworth\b|\bgenerat\w*|\byear\b|\bannual\w*|"
                        r"\barr\b|\bper\s+(?:year|annum)\b"),
)
CANVAS_CLAUSE_RE = re.compile(r";|\.\s|\.$|,\s|\n")
UNSETTLED_RE = re.compile(r"\b(?:nothing|not|no|none|tbd|tbc|undecided|unclear|open|"
                          r"yet to)\b", re.I)
#: Question -> the words that show a clause answers it.
CANVAS_CUES: dict[str, str] = {
    "measurement": r"\bmeasur\w*|\btrack\w*|\battribut\w*|\bsource of truth\b",
    "upside": r"\babove\b|\bbeats?\b|\bexceed\w*|\bover(?:-|\s)?(?:plan|target|perform\w*)|"
              r"\boutperform\w*|\bahead of\b",
    "downside": r"\bbelow\b|\bmiss(?:es|ed)?\b|\bshort(?:fall)?\b|"
                r"\bunder(?:-|\s)?(?:plan|target|perform\w*)|\bfalls? behind\b",
    "exit_economics": r"\bexit\w*|\bterminat\w*|\bunwind\w*|\bwind[- ]down\b|\bwalk away\b",
}
SPLIT_RE = re.compile(r"(?<![\d.])(?P<a>\d{1,3}(?:\.\d+)?)\s*/\s*(?P<b>\d{1,3}(?:\.\d+)?)"
                      r"(?![\d.])")
THEIRS_FIRST_RE = re.compile(r"\b(?:their|the partner'?s?|its) favou?r\b|"
                             r"\((?:them|they|partner)\s*/\s*(?:us|we)\)", re.I)


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in CANVAS_CLAUSE_RE.split(text) if c and c.strip()]


def _split(text: str) -> dict[str, float] | None:
    for clause in _clauses(text):
        match = SPLIT_RE.search(clause)
        if not match:
            continue
        a, b = float(match.group("a")), float(match.group("b"))
        if abs(a + b - 100) > 1e-9:
            continue
        ours, theirs = (b, a) if THEIRS_FIRST_RE.search(clause) else (a, b)
        return {"our_share_pct": ours, "partner_share_pct": theirs}
    return None


def canvas_facts(text: str) -> dict[str, Any]:
    """The value-capture answers ``text`` states: value, measurement, split, above/below, exit."""
    found: dict[str, Any] = dict(money_roles(text, CANVAS_ROLES))
    for clause in _clauses(text):
        if UNSETTLED_RE.search(clause):
            continue
        for key, cue in CANVAS_CUES.items():
            match = re.search(cue, clause, re.I)
            if match and key not in found:
                found[key] = clause[:500]
    split = _split(text)
    if split:
        found["split"] = split
    return found


PAIRING_CLAUSE_RE = re.compile(r";|\.\s|\n")
PAIRING_RE = re.compile(r"^(?P<head>.+?)\s*,?\s+(?:\w+\s+)?(?:with|w/)\s+(?:our\s+)?"
                        r"(?P<ours>[^,;]+?)\s*(?:,\s*(?P<cadence>.+?))?\s*\.?$", re.I)
HEAD_SPLIT_RE = re.compile(r":\s|\s[-–—]\s|\s*(?:->|→|=>)\s*")


def pairings(text: str) -> list[dict[str, str]]:
    """Executive pairings stated one per clause (partner, executive, counterpart, cadence)."""
    out = []
    for clause in PAIRING_CLAUSE_RE.split(text):
        pairing = _pairing(clause.strip())
        if pairing is not None:
            out.append(pairing)
    return out


def _pairing(clause: str) -> dict[str, str] | None:
    """One clause's pairing, or None.

    A lead-in before a colon ("... as follows: A - B, with our C, monthly") is dropped when
    the whole clause does not read as one.
    """
    while clause:
        match = PAIRING_RE.match(clause)
        parts = [p.strip(" ,") for p in HEAD_SPLIT_RE.split(match.group("head"))] \
            if match and match.group("cadence") else []
        if len(parts) >= 2 and parts[-1] and parts[-2] and match:
            executive = parts[-1].split(",")[0].strip()
            return {"partner": parts[-2][:200], "partner_executive": executive[:200],
                    "our_counterpart": match.group("ours").strip()[:200],
                    "cadence": match.group("cadence").strip(" .")[:200]}
        _, colon, clause = clause.partition(": ")
        if not colon:
            return None
    return None
