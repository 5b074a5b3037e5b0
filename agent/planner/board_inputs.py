"""Figures for the board tools stated in prose: revenue, investment, month and KPI actuals.

"Partner-sourced revenue $6.4M of $40M total, $4M invested, month 12; retention 80%,
satisfaction 8.7, time to partnership 96 days" gives every figure the dashboard reads.

Money is read by role, not by phrase: the message is cut into segments (clauses, and the
parts joined by "with", "and", "of which"), and each money amount takes the role whose cue
words stand in its own segment ("$9M partner-sourced", "$3M invested", "revenue $40M").
"""

from __future__ import annotations

import re
from typing import Any

from tools.documents.dashboard import KpiActuals
from tools.parsing import find_amounts, find_word_numbers

#: Cue words per money role, strongest first: an amount takes the first role cued beside it.
DASHBOARD_ROLES: tuple[tuple[str, str], ...] = (
    ("kpi:revenue_per_partner", r"\bper\s+partner\b"),
    ("investment_usd", r"\binvest\w*|\bspen[dt]\b|\bcosts?\b|\bbudget\w*|\bput\b"),
    ("pipeline_usd", r"\bpipeline\b"),
    ("partner_sourced_revenue_usd", r"\bpartner\w*|\bchannel\b|\balliances?\b"),
    ("total_revenue_usd", r"\brev(?:enue)?s?\b|\btotal\b|\barr\b|\bttm\b|\bsales\b|"
                          r"\bbookings\b|\bturnover\b"),
)
SEGMENT_RE = re.compile(r";|,\s|\.\s|:\s|\s[-–—]\s|\bwith\b|\bof which\b|\band\b|\bplus\b|\n",
                        re.I)


def _segments(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in SEGMENT_RE.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if e > s]


def money_roles(text: str, roles: tuple[tuple[str, str], ...]) -> dict[str, float]:
    """Each money amount of ``text`` under the role its own segment cues (first one wins)."""
    amounts = [a for a in find_amounts(text) if a.money]
    found: dict[str, float] = {}
    for start, end in _segments(text):
        # An amount's raw text may begin with the space a separator consumed (", 9.6m").
        inside = [a for a in amounts if start <= a.start + len(a.raw) - len(a.raw.lstrip()) < end]
        for i, amount in enumerate(inside):
            left = inside[i - 1].end if i else start
            right = inside[i + 1].start if i + 1 < len(inside) else end
            context = text[left:amount.start] + " " + text[amount.end:right]
            role = next((name for name, cue in roles if re.search(cue, context, re.I)), None)
            if role is not None and role not in found:
                found[role] = amount.value
    return found


MONTH_RE = re.compile(r"\b(?:program(?:me)?\s+)?month\s+(?P<v>\d{1,2})\b|"
                      r"\b(?P<w>\d{1,2})\s+months?\s+(?:in|into)\b", re.I)
ACTIVE_RE = re.compile(r"\b(?P<v>\d[\d,]*)\s+(?:active|live|signed)\s+partner\w*|"
                       r"\b(?:active|live|signed)\s+partner\w*\s*(?:[:=]|of|at|is|are)?\s*"
                       r"(?P<w>\d[\d,]*)\b", re.I)
#: KPI labels; a percent KPI prefers the figure with a % sign in its clause.
KPI_LABELS: dict[str, str] = {
    "partner_retention": r"\bretention\b",
    "partner_satisfaction": r"\bsatisfaction\b|\bnps\b|\bcsat\b",
    "time_to_partnership": r"\btime[- ]to[- ]partner(?:ship)?\b",
    "integration_success": r"\bintegration(?:s)?\b",
    "deal_registration_sla": r"\bdeal[- ]?reg\w*",
    "partner_roi": r"\bpartner\s+roi\b",
}
PERCENT_KPIS = {"partner_retention", "integration_success", "deal_registration_sla",
                "partner_roi"}
KPI_CLAUSE_END_RE = re.compile(r"[;,]|\.\s|\.$")
NUMBER_RE = re.compile(r"(?<![\w.$])(?P<v>\d+(?:\.\d+)?)(?![\da-zA-Z])(?!\.\d)(?P<pct>\s*%)?")


def _kpi_value(key: str, clause: str) -> float | None:
    numbers = list(NUMBER_RE.finditer(clause))
    if key in PERCENT_KPIS:
        with_pct = [m for m in numbers if m.group("pct")]
        numbers = with_pct or numbers
    return float(numbers[0].group("v")) if numbers else None


def kpi_actuals(text: str) -> dict[str, float]:
    """KPI actuals ``text`` states, under ``kpi:<name>`` (the clause after each label)."""
    found: dict[str, float] = {}
    for key, label in KPI_LABELS.items():
        match = re.search(label, text, re.I)
        if not match:
            continue
        rest = text[match.end():match.end() + 80]
        clause = KPI_CLAUSE_END_RE.split(rest, maxsplit=1)[0]
        value = _kpi_value(key, clause)
        if value is not None:
            found[f"kpi:{key}"] = value
    return found


def _count(match: re.Match[str] | None) -> int | None:
    if match is None:
        return None
    raw = next(g for g in match.groups() if g)
    return int(raw.replace(",", ""))


def dashboard_facts(text: str) -> dict[str, Any]:
    """The dashboard figures ``text`` states (money as numbers, KPI actuals under ``kpi:``)."""
    found: dict[str, Any] = dict(money_roles(text, DASHBOARD_ROLES))
    month = MONTH_RE.search(text)
    if month:
        found["program_month"] = int(month.group("v") or month.group("w"))
    active = _count(ACTIVE_RE.search(text))
    if active is not None:
        found["active_partnerships"] = active
    found.update(kpi_actuals(text))
    return found


def dashboard_input(values: dict[str, Any]) -> dict[str, Any]:
    """The flat slots as the dashboard's input: ``kpi:`` slots nested under ``kpis``."""
    kpis = {key[4:]: value for key, value in values.items() if key.startswith("kpi:")}
    out = {key: value for key, value in values.items() if not key.startswith("kpi:")}
    if kpis:
        out["kpis"] = {k: v for k, v in kpis.items() if k in KpiActuals.model_fields}
    return out


YEAR_RE = re.compile(r"\b(?:for|in|year|FY)\s*(?P<v>20\d\d)\b", re.I)
BARE_YEAR_RE = re.compile(r"(?<![\w-])(?P<v>20\d\d)(?![\w-])")


def roadmap_year(text: str) -> int | None:
    """The roadmap's year ("roadmap for 2027", "FY2027", "our 2027 roadmap"), or None."""
    match = YEAR_RE.search(text) or BARE_YEAR_RE.search(text)
    return int(match.group("v")) if match else None


ROADMAP_ROLES: tuple[tuple[str, str], ...] = (("q3_pipeline_usd", r"\bpipeline\b"),)
TIER_COUNT_RE = re.compile(r"(?P<n>\b\d{1,2}\b|\b[a-z]+\b)\s+(?:new\s+|more\s+)?"
                           r"(?P<tier>platinum|gold)s?\b", re.I)


def roadmap_facts(text: str) -> dict[str, Any]:
    """Targets a roadmap request states: Platinum and Gold counts, the Q3 pipeline."""
    found: dict[str, Any] = dict(money_roles(text, ROADMAP_ROLES))
    words = {text[s:e].lower(): v for s, e, v in find_word_numbers(text)}
    for match in TIER_COUNT_RE.finditer(text):
        raw = match.group("n")
        count = int(raw) if raw.isdigit() else words.get(raw.lower())
        key = f"{match.group('tier').lower()}_partners"
        if count is not None and key not in found:
            found[key] = count
    return found


PERIOD_RE = re.compile(r"\b(?P<v>20\d\d[- ]?Q[1-4]|Q[1-4][- ]20\d\d|FY ?20\d\d|H[12][- ]20\d\d)\b",
                       re.I)


def period(text: str) -> str | None:
    """A reporting period: "2026-Q4", "Q4 2026", "FY2026", "H2 2026"."""
    match = PERIOD_RE.search(text)
    return match.group("v") if match else None
