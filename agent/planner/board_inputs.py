"""Figures for the board dashboard stated in prose: revenue, investment, month and KPI actuals.

"Partner-sourced revenue $6.4M of $40M total, $4M invested, month 12; retention 80%,
satisfaction 8.7, time to partnership 96 days" gives every figure the dashboard reads.
"""

from __future__ import annotations

import re
from typing import Any

from tools.documents.dashboard import KpiActuals
from tools.parsing import parse_money

MONEY = r"(\$?\d[\d,.]*\s?(?:[kKmMbB]\b|million|billion|thousand)?)"
NUMBER = r"(?P<v>\d+(?:\.\d+)?)"
GAP = r"[^\d$.;]{0,30}?"
MONEY_FACTS: dict[str, re.Pattern[str]] = {
    "partner_sourced_revenue_usd": re.compile(
        rf"\bpartner[- ]?(?:sourced|led|originated)?\s+revenue{GAP}{MONEY}", re.I),
    "total_revenue_usd": re.compile(
        rf"(?:\btotal\s+revenue{GAP}{MONEY}|{MONEY}\s+(?:of\s+)?total(?:\s+revenue)?\b)", re.I),
    "investment_usd": re.compile(
        rf"(?:\binvest(?:ment|ed)?{GAP}{MONEY}|{MONEY}\s+invested\b)", re.I),
}
MONTH_RE = re.compile(r"\b(?:program(?:me)?\s+)?month\s+(?P<v>\d{1,2})\b|"
                      r"\b(?P<w>\d{1,2})\s+months?\s+(?:in|into)\b", re.I)
KPI_FACTS: dict[str, re.Pattern[str]] = {
    "partner_retention": re.compile(rf"\bretention{GAP}{NUMBER}\s*%?", re.I),
    "partner_satisfaction": re.compile(rf"\bsatisfaction{GAP}{NUMBER}", re.I),
    "time_to_partnership": re.compile(rf"\btime[- ]to[- ]partnership{GAP}{NUMBER}", re.I),
    "integration_success": re.compile(rf"\bintegration(?:\s+success)?{GAP}{NUMBER}\s*%?",
                                      re.I),
    "deal_registration_sla": re.compile(rf"\bdeal[- ]reg\w*{GAP}{NUMBER}\s*%?", re.I),
    "partner_roi": re.compile(rf"\bpartner\s+roi{GAP}{NUMBER}\s*%?", re.I),
}


def dashboard_facts(text: str) -> dict[str, Any]:
    """The dashboard figures ``text`` states (money as numbers, KPI actuals under ``kpi:``)."""
    found: dict[str, Any] = {}
    for key, pattern in MONEY_FACTS.items():
        match = pattern.search(text)
        if match:
            value = parse_money(next(g for g in match.groups() if g))
            if value is not None:
                found[key] = value
    month = MONTH_RE.search(text)
    if month:
        found["program_month"] = int(month.group("v") or month.group("w"))
    for key, pattern in KPI_FACTS.items():
        match = pattern.search(text)
        if match:
            found[f"kpi:{key}"] = float(match.group("v"))
    return found


def dashboard_input(values: dict[str, Any]) -> dict[str, Any]:
    """The flat slots as the dashboard's input: ``kpi:`` slots nested under ``kpis``."""
    kpis = {key[4:]: value for key, value in values.items() if key.startswith("kpi:")}
    out = {key: value for key, value in values.items() if not key.startswith("kpi:")}
    if kpis:
        out["kpis"] = {k: v for k, v in kpis.items() if k in KpiActuals.model_fields}
    return out


YEAR_RE = re.compile(r"\b(?:for|in|year|FY)\s*(?P<v>20\d\d)\b", re.I)


def roadmap_year(text: str) -> int | None:
    """The roadmap's year ("roadmap for 2027", "FY2027"), or None."""
    match = YEAR_RE.search(text)
    return int(match.group("v")) if match else None


PERIOD_RE = re.compile(r"\b(?P<v>20\d\d[- ]?Q[1-4]|Q[1-4][- ]20\d\d|FY ?20\d\d|H[12][- ]20\d\d)\b",
                       re.I)


def period(text: str) -> str | None:
    """A reporting period: "2026-Q4", "Q4 2026", "FY2026", "H2 2026"."""
    match = PERIOD_RE.search(text)
    return match.group("v") if match else None
