"""Slots for the drafting tools and the program check, asked for one at a time.

Each document has an ordered list of :class:`DocSlot`. The first message fills what it
states ("Draft a thesis for Acme: 30% of ARR in 3 years through Big 4 firms"); labelled
answers ("ICP: mid-market banks; markets: EMEA, APAC") fill several at once; otherwise the
reply to a question is the value of the slot that was asked for. The flat slots are turned
into the tool's input model by :func:`to_input`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from agent.planner import slots
from agent.planner.parsing import parse_date, parse_money, parse_percent

if TYPE_CHECKING:
    from agent.planner.partners import PartnerMatch
    from agent.planner.plans import Plan


@dataclass(frozen=True)
class DocSlot:
    """One value a document needs.

    Args:
        name: Slot name (a field of the input model, or a part of one).
        kind: How a reply is parsed: text, list, percent, years, months, money, model.
        labels: Words that label this slot in a message ("icp", "markets").
    """

    name: str
    kind: str
    labels: tuple[str, ...]


def _s(name: str, kind: str, *labels: str) -> DocSlot:
    return DocSlot(name, kind, labels or (name.replace("_", " "),))


COMPANY = _s("company", "text", "company", "our company", "we are")
DOCUMENTS: dict[str, tuple[DocSlot, ...]] = {
    "draft_thesis": (
        COMPANY, _s("partner_led_share_pct", "percent", "share", "partner-led share"),
        _s("years", "years", "years", "timeframe"),
        _s("partner_types", "list", "partner types", "partners", "through"),
        _s("icp", "text", "icp", "ideal customer profile", "customers"),
        _s("markets", "list", "markets", "market", "regions")),
    "draft_term_sheet": (
        COMPANY, _s("partner", "text", "partner", "with"),
        _s("model", "model", "model", "partnership model"),
        _s("company_contributions", "list", "we contribute", "we provide", "our contribution"),
        _s("partner_contributions", "list", "partner contributes", "they contribute",
           "partner provides", "they provide"),
        _s("duration_months", "months", "term", "duration"),
        _s("executive_sponsor", "text", "sponsor", "executive sponsor"),
        _s("proof_point_90_day", "text", "proof point"),
        _s("kill_switch", "text", "kill switch")),
    "draft_brief": (
        COMPANY, _s("strategic_need", "text", "need", "strategic need"),
        _s("objective", "text", "objective", "goal"),
        _s("budget_usd", "money", "budget"),
        _s("operational_by", "text", "operational by", "live by", "deadline")),
    "draft_scorecard": (COMPANY, _s("candidates", "partners", "candidates")),
    "draft_operating_plan": (
        COMPANY, _s("partner", "text", "partner", "with"),
        _s("quick_wins", "list", "quick wins", "quick win"),
        _s("company_resources", "list", "our resources", "we commit"),
        _s("partner_resources", "list", "partner resources", "they commit"),
        _s("kpis", "list", "kpis", "kpi")),
    "draft_governance_playbook": (COMPANY,),
    "draft_okrs": (
        COMPANY, _s("period", "text", "period"),
        _s("objective", "text", "objective"),
        _s("key_results", "list", "key results", "krs")),
    "check_program": (),
}
MODEL_WORDS = {
    "referral": ("referral",), "reseller": ("reseller", "resale", "resell"),
    "co_sell": ("co-sell", "co sell", "cosell", "co-selling"),
    "implementation": ("implementation",), "oem": ("oem", "embed"),
    "joint_venture": ("joint venture", "jv"),
    "technology_alliance": ("technology alliance", "tech alliance"),
}
COMPANY_RE = re.compile(
    r"\b(?:our company is|we are|company(?: name)?\s*[:=]|company is|on behalf of|"
    r"from us at)\s+(?P<v>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3})")
FOR_NAME_RE = re.compile(r"\bfor\s+(?P<v>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3})")
WITH_NAME_RE = re.compile(r"\b(?:with|and)\s+(?P<v>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3})")
LIST_SPLIT_RE = re.compile(r"\s*(?:;|,|\band\b|\n)\s*", re.I)
PERIOD_RE = re.compile(r"\b(?P<v>(?:FY|CY)\s?\d{2,4}|H[12]\s?\d{4}|Q[1-4]\s?\d{4}|"
                       r"(?:19|20)\d{2})\b")
STAR_DIMENSION_COUNT = 4
TYPE_NAMES = {
    "big4": "Big 4 firms", "gsi": "GSIs", "boutique": "boutique consultancies",
    "regional_si": "regional systems integrators", "isv": "ISVs", "reseller": "resellers",
    "distributor": "distributors", "advisor": "advisors", "technology": "technology partners",
    "academic": "academic partners",
}
NOT_A_NAME = {"Q1", "Q2", "Q3", "Q4", "EMEA", "APAC", "LATAM", "NA", "ARR", "ICP", "Big"}


def _labelled(text: str, spec: tuple[DocSlot, ...]) -> dict[str, str]:
    """``label: value`` segments ("ICP: mid-market banks; markets: EMEA")."""
    out: dict[str, str] = {}
    for slot in spec:
        for label in sorted(slot.labels, key=len, reverse=True):
            match = re.search(rf"(?:^|[;\n.]\s*|,\s*)\b{re.escape(label)}\s*[:=]\s*"
                              rf"(?P<v>[^;\n]+)", text, re.I)
            if match:
                out[slot.name] = match.group("v").strip(" .")
                break
    return out


def parse_value(kind: str, text: str) -> Any:
    """A reply read as one slot of ``kind`` (None when it does not parse)."""
    text = text.strip().strip(".")
    if not text:
        return None
    if kind == "percent":
        return parse_percent(text) or slots.extract_count(text)
    if kind == "years":
        return slots.extract_years(text) or slots.extract_count(text)
    if kind == "months":
        years = slots.extract_years(text)
        return years * 12 if years else slots.extract_count(text)
    if kind == "money":
        return parse_money(text)
    if kind == "model":
        for key, words in MODEL_WORDS.items():
            if any(re.search(rf"\b{re.escape(w)}\b", text, re.I) for w in words):
                return key
        return None
    if kind == "list":
        items = [i.strip(" .") for i in LIST_SPLIT_RE.split(text) if i.strip(" .")]
        return items or None
    return text


def _name(match: re.Match[str] | None) -> str | None:
    if not match:
        return None
    words = [w for w in match.group("v").split() if w not in NOT_A_NAME]
    return " ".join(words) or None


def _names(tool: str, text: str, partner: PartnerMatch) -> dict[str, Any]:
    """Our company and the partner, from "for Acme", "with Globex", "we are Acme"."""
    found: dict[str, Any] = {}
    company = _name(COMPANY_RE.search(text))
    if tool in ("draft_term_sheet", "draft_operating_plan"):
        found["partner"] = partner.name if partner.found else _name(WITH_NAME_RE.search(text))
        if not found["partner"]:
            found["partner"] = _name(FOR_NAME_RE.search(text))
    elif company is None:
        company = _name(FOR_NAME_RE.search(text))
        if company and partner.found and tool == "draft_scorecard":
            company = None
    if company:
        found["company"] = company
    return found


def _first_message(tool: str, text: str, partner: PartnerMatch) -> dict[str, Any]:
    found = _names(tool, text, partner)
    share = parse_percent(text)
    if share is not None:
        found["partner_led_share_pct"] = share
    years = slots.extract_years(text)
    if years:
        found["years"] = years
        found["duration_months"] = years * 12
    types = [k for k, words in slots.PARTNER_TYPES.items()
             if any(re.search(rf"\b{re.escape(w)}\b", text, re.I) for w in words)]
    if types:
        found["partner_types"] = [TYPE_NAMES[k] for k in types]
    model = parse_value("model", text)
    if model:
        found["model"] = model
    money = parse_money(text) if re.search(r"\bbudget\b", text, re.I) else None
    if money:
        found["budget_usd"] = money
    period = PERIOD_RE.search(text) if tool == "draft_okrs" else None
    if period:
        found["period"] = period.group("v")
    if partner.found and tool == "draft_scorecard":
        found["candidates"] = list(partner.all_ids or (partner.partner_id,))
    return {k: v for k, v in found.items() if v not in (None, "", [])}


def missing_slots(tool: str, values: dict[str, Any]) -> list[str]:
    """Slots of ``tool`` not filled yet, in asking order (a scorecard asks STAR per candidate)."""
    missing = [s.name for s in DOCUMENTS[tool] if values.get(s.name) in (None, "", [])]
    if tool == "draft_scorecard" and values.get("candidates"):
        stars = values.get("star", {})
        missing += [f"star:{ref}" for ref in values["candidates"]
                    if len(stars.get(ref, {})) < STAR_DIMENSION_COUNT]
    return missing


def _plan(tool: str, values: dict[str, Any]) -> Plan:
    from agent.planner.plans import Plan

    return Plan(tool, values, missing_slots(tool, values))


def plan_document(tool: str, text: str, partner: PartnerMatch) -> Plan:
    """The first turn of a drafting request."""
    spec = DOCUMENTS[tool]
    values = _first_message(tool, text, partner)
    for name, raw in _labelled(text, spec).items():
        kind = next(s.kind for s in spec if s.name == name)
        parsed = parse_value(kind, raw)
        if parsed not in (None, "", []):
            values[name] = parsed
    if tool == "check_program":
        values.update(program_facts(text))
    return _plan(tool, {k: v for k, v in values.items() if k in {s.name for s in spec}
                        or tool == "check_program"})


def fill_document(tool: str, saved: dict[str, Any], missing: list[str], text: str,
                  partner: PartnerMatch) -> tuple[Plan, bool]:
    """Merge a reply into a pending drafting request."""
    spec = DOCUMENTS[tool]
    added: dict[str, Any] = {}
    for name, raw in _labelled(text, spec).items():
        kind = next(s.kind for s in spec if s.name == name)
        parsed = parse_value(kind, raw)
        if parsed not in (None, "", []):
            added[name] = parsed
    if missing and missing[0].startswith("star:"):
        return _fill_star(tool, saved, missing[0].split(":", 1)[1], text)
    if not added and missing:
        slot = next(s for s in spec if s.name == missing[0])
        if slot.kind == "partners":
            parsed = [partner.partner_id] if partner.found else None
        elif slot.name == "partner" and partner.found:
            parsed = partner.name
        else:
            parsed = parse_value(slot.kind, text)
        if parsed not in (None, "", []):
            added[slot.name] = parsed
    return _plan(tool, {**saved, **added}), bool(added)


def _fill_star(tool: str, saved: dict[str, Any], ref: str, text: str) -> tuple[Plan, bool]:
    from agent.planner.factors import extract_star

    found = extract_star(text)
    stars = {k: dict(v) for k, v in saved.get("star", {}).items()}
    stars[ref] = {**stars.get(ref, {}), **found}
    return _plan(tool, {**saved, "star": stars}), bool(found)


def program_facts(text: str) -> dict[str, Any]:
    """Program facts for ``check_program`` stated in ``text``."""
    out: dict[str, Any] = {"as_of": (parse_date(text) or date.today()).isoformat()}
    if re.search(r"\bthesis\b.{0,30}\b(signed off|approved|agreed)", text, re.I):
        out["thesis_signed_off"] = not re.search(r"\b(no|not|without|unsigned)\b.{0,20}"
                                                 r"thesis|thesis.{0,20}\bnot\b", text, re.I)
    if re.search(r"\brecruit\w*", text, re.I):
        out["recruiting"] = not re.search(r"\b(not|no longer|stopped) recruit", text, re.I)
    return out


def to_input(tool: str, values: dict[str, Any], deps: Any = None) -> dict[str, Any]:
    """Turn flat slots into the tool's input (nested where the input model nests)."""
    v = dict(values)
    if tool == "draft_term_sheet":
        return {
            "company": v["company"], "partner": v["partner"], "model": v["model"],
            "operating_model": {"company_contributions": v["company_contributions"],
                                "partner_contributions": v["partner_contributions"]},
            "term": {"duration_months": v["duration_months"]},
            "executive_sponsor": v["executive_sponsor"],
            "proof_point_90_day": v["proof_point_90_day"], "kill_switch": v["kill_switch"],
        }
    if tool == "draft_brief":
        return _brief_input(v)
    if tool == "draft_operating_plan":
        return {
            "company": v["company"], "partner": v["partner"], "quick_wins": v["quick_wins"],
            "company_resources": [_commitment(x) for x in v["company_resources"]],
            "partner_resources": [_commitment(x) for x in v["partner_resources"]],
            "kpis": [_kpi(x) for x in v["kpis"]],
        }
    if tool == "draft_okrs":
        return {"company": v["company"], "period": v["period"], "objectives": [{
            "objective": v["objective"],
            "key_results": [{"text": kr, "kind": _kind(kr)} for kr in v["key_results"]]}]}
    if tool == "draft_scorecard":
        return _scorecard_input(v, deps)
    if tool == "draft_thesis":
        return {k: v[k] for k in ("company", "partner_led_share_pct", "years", "partner_types",
                                  "icp", "markets")}
    if tool == "draft_governance_playbook":
        return {"company": v["company"]}
    return v


def _kind(text: str) -> str:
    lagging = r"\b(revenue|arr|bookings|closed|won|retention|margin|lagging)\b"
    return "lagging" if re.search(lagging, text, re.I) else "leading"


def _commitment(text: str) -> dict[str, str]:
    role, _, allocation = text.partition(":")
    if not allocation:
        match = re.match(r"(?P<a>.*?\d+\s*%|.*?(?:full[- ]time|part[- ]time))\s+(?P<r>.+)",
                         text, re.I)
        if match:
            return {"role": match.group("r").strip(), "allocation": match.group("a").strip()}
        return {"role": text.strip(), "allocation": "as agreed"}
    return {"role": role.strip(), "allocation": allocation.strip()}


def _kpi(text: str) -> dict[str, str]:
    name, _, target = text.partition(":")
    if not target:
        target = text
    return {"name": name.strip(), "target": target.strip(), "kind": _kind(text)}


def _brief_input(v: dict[str, Any]) -> dict[str, Any]:
    objective = str(v["objective"])
    by = re.search(r"\bby\s+(?P<b>.+)$", objective, re.I)
    target = re.search(r"(\$?\d[\d,.]*\s?(?:[kKmMbB]\b|million|billion|%)?[^,;]*)", objective)
    return {
        "company": v["company"], "strategic_need": v["strategic_need"],
        "objectives": [{"objective": objective,
                        "metric": objective.split(" by ")[0][:80],
                        "target": target.group(1).strip() if target else objective,
                        "by": by.group("b") if by else v["operational_by"]}],
        "build_partner_acquire": {"capability": v["strategic_need"][:200]},
        "budget_usd": v["budget_usd"], "operational_by": v["operational_by"],
    }


def _scorecard_input(v: dict[str, Any], deps: Any) -> dict[str, Any]:
    candidates = []
    for ref in v["candidates"]:
        partner = deps.store.get_partner(ref) if deps is not None else None
        if partner is None:
            continue
        star = {"partner": partner.name, **v.get("star", {}).get(ref, {})}
        candidates.append({"name": partner.name, "attractiveness": partner.criteria(),
                           "star": star})
    return {"company": v["company"], "candidates": candidates}
