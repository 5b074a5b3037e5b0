"""Slots for the drafting tools and the program check, asked for one at a time.

Each document has an ordered list of :class:`DocSlot`. A message fills what it states
(:mod:`agent.planner.drafting` reads names, labelled clauses and contributions out of
prose); otherwise the reply to a question is the value of the slot that was asked for. The
flat slots become the tool's input model in :func:`to_input`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from agent.planner import board_inputs, canvas_inputs, drafting, slots
from agent.planner.factors import extract_decision, extract_needs, extract_star
from agent.planner.plan import Plan
from tools.parsing import parse_date, parse_money, parse_percent

if TYPE_CHECKING:
    from agent.planner.partners import PartnerMatch

STAR_DIMENSION_COUNT = 4


@dataclass(frozen=True)
class DocSlot:
    """One value a document needs.

    Args:
        name: Slot name (a field of the input model, or a part of one).
        kind: How a reply is parsed: text, list, percent, years, months, money, model,
            partners.
        labels: Words that start a clause giving this slot ("icp", "markets").
    """

    name: str
    kind: str
    labels: tuple[str, ...]


def _s(name: str, kind: str, *labels: str) -> DocSlot:
    return DocSlot(name, kind, labels)


COMPANY = _s("company", "text", "company", "our company", "company name")
DOCUMENTS: dict[str, tuple[DocSlot, ...]] = {
    "draft_thesis": (
        COMPANY, _s("partner_led_share_pct", "percent", "share", "partner-led share"),
        _s("years", "years", "years", "timeframe"),
        _s("partner_types", "list", "partner types", "partner type"),
        _s("icp", "text", "icp", "ideal customer profile"),
        _s("markets", "list", "markets", "market", "regions")),
    "draft_term_sheet": (
        COMPANY, _s("partner", "text", "partner"),
        _s("model", "model", "model", "partnership model"),
        _s("company_contributions", "list", "our contribution", "our contributions"),
        _s("partner_contributions", "list", "partner contributions", "their contributions"),
        _s("duration_months", "months", "term", "initial term", "duration"),
        _s("executive_sponsor", "text", "executive sponsor", "sponsor"),
        _s("proof_point_90_day", "text", "proof point", "90-day proof point",
           "proof point at 90 days", "proof point within 90 days"),
        _s("kill_switch", "text", "kill switch")),
    "draft_brief": (
        COMPANY, _s("strategic_need", "text", "strategic need", "need"),
        _s("objective", "text", "objective", "goal"),
        _s("budget_usd", "money", "budget"),
        _s("operational_by", "text", "operational by", "live by", "deadline")),
    "draft_scorecard": (COMPANY, _s("candidates", "partners", "candidates")),
    "draft_operating_plan": (
        COMPANY, _s("partner", "text", "partner"),
        _s("quick_wins", "list", "quick wins", "quick win"),
        _s("company_resources", "list", "our resources"),
        _s("partner_resources", "list", "partner resources", "their resources"),
        _s("kpis", "list", "kpis", "kpi", "joint kpis")),
    "draft_governance_playbook": (COMPANY,),
    "draft_okrs": (
        COMPANY, _s("period", "text", "period"),
        _s("objective", "text", "objective"),
        _s("key_results", "list", "key results", "krs")),
    "check_program": (),
    "board_dashboard": (
        COMPANY, _s("period", "text", "reporting period"),
        _s("program_month", "months", "program month", "month"),
        _s("total_revenue_usd", "money", "total revenue", "company revenue"),
        _s("partner_sourced_revenue_usd", "money", "partner-sourced revenue",
           "partner sourced revenue", "partner revenue"),
        _s("investment_usd", "money", "investment", "invested")),
    "landscape_map": (),
    "competitor_map": (),
    "relationship_map": (),
    "partnership_roadmap": (
        COMPANY, _s("year", "text", "roadmap year"),
        _s("partner_led_share_pct", "percent", "share", "partner-led share"),
        _s("years", "years", "years", "timeframe"),
        _s("priority_partners", "list", "priority partners", "first partners", "targets")),
    "value_canvas": (
        COMPANY, _s("partner", "text", "partner name"),
        _s("partner_win", "text", "partner win", "partner's win", "their win")),
}


#: Inputs a document reads when the message states them, but never asks for.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "board_dashboard": ("active_partnerships", "pipeline_usd"),
    "landscape_map": ("region",),
    "relationship_map": ("pairings",),
    "partnership_roadmap": ("platinum_partners", "gold_partners", "q3_pipeline_usd"),
    "value_canvas": ("total_value_usd", "measurement", "split", "upside", "downside",
                     "exit_economics"),
}


def _found(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "", [])}


def _prose(tool: str, text: str, partner: PartnerMatch) -> dict[str, Any]:
    """Values a drafting message states in prose (not as labelled clauses)."""
    found = drafting.names(tool, text, partner)
    found["partner_led_share_pct"] = parse_percent(text)
    found["years"] = slots.extract_years(text)
    found["partner_types"] = drafting.partner_types(text)
    found.update(drafting.icp_and_markets(text))
    found["model"] = drafting.find_model(text)
    found["duration_months"] = drafting.term_months(text)
    if re.search(r"\bbudget\b", text, re.I):
        found["budget_usd"] = parse_money(text)
    if tool == "draft_okrs":
        found["period"] = drafting.period(text)
    if tool == "board_dashboard":
        found["period"] = board_inputs.period(text)
        found.update(board_inputs.dashboard_facts(text))
    if tool == "partnership_roadmap":
        found["year"] = board_inputs.roadmap_year(text)
        found.update(board_inputs.roadmap_facts(text))
        if partner.found:
            found["priority_partners"] = list(partner.all_ids or (partner.partner_id,))
    if tool == "value_canvas":
        found.update(canvas_inputs.canvas_facts(text))
    if tool == "relationship_map":
        found["pairings"] = canvas_inputs.pairings(text)
    if tool == "landscape_map":
        found["region"] = slots.filters(text).get("region")
    if tool == "draft_scorecard":
        inline = drafting.inline_candidates(text)
        stored = list(partner.all_ids or (partner.partner_id,)) if partner.found else []
        found["candidates"] = inline or stored
    sides = drafting.contributions(text, found.get("company"), found.get("partner"))
    kinds = {"draft_term_sheet": ("company_contributions", "partner_contributions"),
             "draft_operating_plan": ("company_resources", "partner_resources")}
    if tool in kinds:
        ours, theirs = kinds[tool]
        found[ours], found[theirs] = sides.get("ours"), sides.get("theirs")
    return _found(found)


def extract(tool: str, text: str, partner: PartnerMatch) -> dict[str, Any]:
    """Every slot of ``tool`` that ``text`` states (prose first, labelled clauses win)."""
    spec = DOCUMENTS[tool]
    names = {s.name for s in spec} | set(OPTIONAL.get(tool, ()))
    values = {k: v for k, v in _prose(tool, text, partner).items()
              if k in names or k.startswith("kpi:")}
    kinds = {s.name: s.kind for s in spec}
    for name, raw in drafting.labelled(text, {s.name: s.labels for s in spec}).items():
        parsed = drafting.parse_value(kinds[name], raw)
        if parsed not in (None, "", []) and kinds[name] != "partners":
            values[name] = parsed
    if tool == "check_program":
        values.update(program_facts(text))
    if tool == "draft_brief":
        facts = {k: v for k, v in extract_decision(text).items() if k != "capability"}
        if facts:
            values["decision"] = facts
        needs = extract_needs(text)
        if needs:
            values["needs"] = needs
    return values


def missing_slots(tool: str, values: dict[str, Any]) -> list[str]:
    """Slots of ``tool`` not filled yet, in asking order (a scorecard asks STAR per candidate)."""
    missing = [s.name for s in DOCUMENTS[tool] if values.get(s.name) in (None, "", [])]
    if tool == "draft_scorecard" and values.get("candidates"):
        stars = values.get("star", {})
        missing += [f"star:{ref}" for ref in values["candidates"] if isinstance(ref, str)
                    and len(stars.get(ref, {})) < STAR_DIMENSION_COUNT]
    return missing


def _plan(tool: str, values: dict[str, Any]) -> Plan:
    return Plan(tool, values, missing_slots(tool, values))


def plan_document(tool: str, text: str, partner: PartnerMatch) -> Plan:
    """The first turn of a drafting request."""
    return _plan(tool, extract(tool, text, partner))


def fill_document(tool: str, saved: dict[str, Any], missing: list[str], text: str,
                  partner: PartnerMatch) -> tuple[Plan, bool]:
    """Merge a reply into a pending drafting request."""
    if missing and missing[0].startswith("star:"):
        return _fill_star(tool, saved, missing[0].split(":", 1)[1], text)
    added = {k: v for k, v in extract(tool, text, partner).items()
             if k in missing or k not in saved}
    if "decision" in added and "decision" in saved:
        added["decision"] = {**saved["decision"], **added["decision"]}
    if not added and missing:
        slot = next(s for s in DOCUMENTS[tool] if s.name == missing[0])
        if slot.kind == "partners":
            parsed: Any = list(partner.all_ids or (partner.partner_id,)) if partner.found \
                else None
        elif slot.name == "partner" and partner.found:
            parsed = partner.name
        else:
            parsed = drafting.parse_value(slot.kind, text)
        if parsed not in (None, "", []):
            added[slot.name] = parsed
    return _plan(tool, {**saved, **added}), bool(added)


def _fill_star(tool: str, saved: dict[str, Any], ref: str, text: str) -> tuple[Plan, bool]:
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
    builders = {
        "draft_term_sheet": _term_sheet_input, "draft_operating_plan": _operating_plan_input,
        "draft_okrs": _okrs_input, "draft_thesis": _thesis_input,
    }
    if tool in builders:
        return builders[tool](v)
    if tool == "draft_brief":
        return _brief_input(v)
    if tool == "draft_scorecard":
        return _scorecard_input(v, deps)
    if tool == "draft_governance_playbook":
        return {"company": v["company"]}
    if tool == "board_dashboard":
        return board_inputs.dashboard_input(v)
    if tool == "partnership_roadmap" and deps is not None:
        v["priority_partners"] = [_partner_name(ref, deps) for ref in v["priority_partners"]]
    return v


def _partner_name(ref: Any, deps: Any) -> Any:
    """A stored partner's name for its id (any other value is kept as written)."""
    partner = deps.store.get_partner(ref) if isinstance(ref, str) else None
    return partner.name if partner is not None else ref


def _term_sheet_input(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "company": v["company"], "partner": v["partner"], "model": v["model"],
        "operating_model": {"company_contributions": v["company_contributions"],
                            "partner_contributions": v["partner_contributions"]},
        "term": {"duration_months": v["duration_months"]},
        "executive_sponsor": v["executive_sponsor"],
        "proof_point_90_day": v["proof_point_90_day"], "kill_switch": v["kill_switch"],
    }


def _operating_plan_input(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "company": v["company"], "partner": v["partner"], "quick_wins": v["quick_wins"],
        "company_resources": [_commitment(x) for x in v["company_resources"]],
        "partner_resources": [_commitment(x) for x in v["partner_resources"]],
        "kpis": [{"name": x, "target": x, "kind": drafting.key_result_kind(x)}
                 for x in v["kpis"]],
    }


def _okrs_input(v: dict[str, Any]) -> dict[str, Any]:
    return {"company": v["company"], "period": v["period"], "objectives": [{
        "objective": v["objective"],
        "key_results": [{"text": drafting.strip_kind(kr), "kind": drafting.key_result_kind(kr)}
                        for kr in v["key_results"]]}]}


def _thesis_input(v: dict[str, Any]) -> dict[str, Any]:
    keys = ("company", "partner_led_share_pct", "years", "partner_types", "icp", "markets")
    return {k: v[k] for k in keys}


def _commitment(text: str) -> dict[str, str]:
    role, _, allocation = text.partition(":")
    if allocation:
        return {"role": role.strip(), "allocation": allocation.strip()}
    return {"role": text.strip(), "allocation": "as agreed"}


def _brief_input(v: dict[str, Any]) -> dict[str, Any]:
    objective = str(v["objective"])
    by = re.search(r"\bby\s+(?P<b>.+)$", objective, re.I)
    return {
        "company": v["company"], "strategic_need": v["strategic_need"],
        "objectives": [{"objective": objective, "metric": objective[:80], "target": objective,
                        "by": by.group("b") if by else v["operational_by"]}],
        "build_partner_acquire": {**v.get("decision", {}),
                                  "capability": str(v["strategic_need"])[:200]},
        "budget_usd": v["budget_usd"], "operational_by": v["operational_by"],
        **({"needs": v["needs"]} if v.get("needs") else {}),
    }


def _scorecard_input(v: dict[str, Any], deps: Any) -> dict[str, Any]:
    candidates = []
    for ref in v["candidates"]:
        if isinstance(ref, dict):
            candidates.append({**ref, "star": {"partner": ref["name"], **ref["star"]}})
            continue
        partner = deps.store.get_partner(ref) if deps is not None else None
        if partner is None:
            continue
        star = {"partner": partner.name, **v.get("star", {}).get(ref, {})}
        candidates.append({"name": partner.name, "attractiveness": partner.criteria(),
                           "star": star})
    return {"company": v["company"], "candidates": candidates}
