"""From an intent and a message to a tool call: the arguments, and what is still missing.

A :class:`Plan` is what the planner will do this turn: run ``tool`` with ``args``, or ask for
``missing`` first. Slots collected so far survive in ``session.pending`` between turns.
"""

from __future__ import annotations

import re
from typing import Any

from agent.planner import documents, factors, slots
from agent.planner.partners import PartnerMatch
from agent.planner.plan import Plan
from tools.parsing import find_amounts, find_word_numbers, parse_money
from tools.vocab import CRITERIA

STAR_DIMENSIONS = tuple(factors.STAR_WORDS)
#: Tools that need a stored partner.
PARTNER_TOOLS = {"show_partner", "review_tier"}
TOP_K_RE = re.compile(r"\btop\s+(?P<n>\d{1,2})\b|\b(?P<m>\d{1,2})\s+(?:\w+\s+)?partners\b",
                      re.I)
FIND_NOISE_RE = re.compile(
    r"\b(find|search(?: for)?|list|show(?: me)?|give me|which|who|are|is|our|we|do|have|"
    r"any|all|the|partners?|me|please|in|with|that|who|focus(?:es)? on|working in|work in|"
    r"based in|top|\d+|a|an|for|of|what|there|look for|can you|get)\b", re.I)


def _filters_text(args: dict[str, Any]) -> str:
    keys = ("tier", "partner_type", "region", "industry", "band")
    return ", ".join(f"{k.replace('_', ' ')} {args[k]}" for k in keys if args.get(k))


def _find_query(text: str, found: dict[str, Any]) -> str:
    rest = text
    words = [w for table in (slots.REGIONS, slots.PARTNER_TYPES, slots.INDUSTRIES)
             for ws in table.values() for w in ws]
    for word in sorted(words, key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(word)}\b", " ", rest, flags=re.I)
    for word in (*slots.TIERS, *slots.BANDS, "NA", "US", "USA"):
        rest = re.sub(rf"\b{word}\b", " ", rest, flags=re.I)
    rest = FIND_NOISE_RE.sub(" ", rest)
    rest = re.sub(r"[?!.,;:]", " ", rest)
    return " ".join(rest.split())


def _top_k(text: str) -> int | None:
    match = TOP_K_RE.search(text)
    if not match:
        return None
    value = int(match.group("n") or match.group("m"))
    return value if 1 <= value <= 25 else None


def plan_score(text: str, partner: PartnerMatch) -> Plan:
    """score_partner: a stored partner, or the five criteria."""
    args: dict[str, Any] = dict(slots.extract_criteria(text))
    if partner.found:
        args["partner"] = partner.partner_id
    plan = Plan("score_partner", args, context={"partner_name": partner.name})
    if not partner.found:
        plan.missing = [c for c in CRITERIA if c not in args]
    return plan


def plan_check_tier(text: str, partner: PartnerMatch) -> Plan:
    """check_tier: a stored partner, or pipeline and certified people."""
    args: dict[str, Any] = dict(slots.extract_tier_figures(text))
    if partner.found:
        args["partner"] = partner.partner_id
    plan = Plan("check_tier", args, context={"partner_name": partner.name})
    if not partner.found:
        plan.missing = [k for k in ("annual_pipeline_usd", "certified_individuals")
                        if k not in args]
    return plan


def plan_partner_tool(tool: str, text: str, partner: PartnerMatch) -> Plan:
    """show_partner and review_tier: the partner (and the review quarter)."""
    args: dict[str, Any] = {}
    if partner.found:
        args["partner"] = partner.partner_id
    if tool == "review_tier":
        as_of = slots.extract_as_of(text)
        if as_of:
            args["as_of"] = as_of
    plan = Plan(tool, args, context={"partner_name": partner.name,
                                     "as_of": args.get("as_of")})
    if not partner.found:
        plan.missing = ["partner"]
    return plan


def plan_find(text: str) -> Plan:
    """find_partners: a description and filters."""
    args: dict[str, Any] = slots.filters(text)
    query = _find_query(text, args)
    if not query:
        words = [str(args[k]).replace("_", " ") for k in ("tier", "partner_type", "band")
                 if args.get(k)]
        query = " ".join([*words, "partners"])
    args["query"] = query
    k = _top_k(text)
    if k:
        args["k"] = k
    return Plan("find_partners", args, context={"filters": _filters_text(args)})


def plan_portfolio(text: str) -> Plan:
    """portfolio_summary: optional region, type, tier and quarter."""
    found = slots.filters(text)
    args = {k: v for k, v in found.items() if k in ("region", "partner_type", "tier")}
    as_of = slots.extract_as_of(text)
    if as_of:
        args["as_of"] = as_of
    return Plan("portfolio_summary", args, context={"filters": _filters_text(args)})


def plan_star(text: str, partner: PartnerMatch) -> Plan:
    """assess_star: the four dimensions with evidence; the partner's name if given."""
    args: dict[str, Any] = dict(factors.extract_star(text))
    if partner.found:
        args["partner"] = partner.name
    return Plan("assess_star", args, [d for d in STAR_DIMENSIONS if d not in args])


def plan_model(text: str) -> Plan:
    """recommend_model: the needs and preferences."""
    args = factors.extract_model_need(text)
    return Plan("recommend_model", args, [] if args.get("needs") else ["needs"])


def plan_decision(text: str, partner: PartnerMatch) -> Plan:
    """build_partner_acquire: the capability and the facts."""
    args = factors.extract_decision(text)
    if partner.found:
        args["partner_considered"] = partner.name
    return Plan("build_partner_acquire", args, [] if args.get("capability") else ["capability"])


def plan_search(text: str) -> Plan:
    """search_framework: the question, top passages to re-rank."""
    return Plan("search_framework", {"query": text.strip()[:500], "k": 10})


COUNT_WORDS_RE = re.compile(r"\b(?:counts?|numbers|totals|how many)\b", re.I)
LIMIT_WORDS_RE = re.compile(r"\b(?:only|just|merely|simply)\b", re.I)
#: "I don't need the names", "without the account list": the matched accounts are not wanted.
NO_NAMES_RE = re.compile(r"\b(?:no|without|don'?t|do not|skip|leave out|hide|omit)\b[^.;?!]{0,40}?"
                         r"\b(?:names?|lists?|listed|listing|details)\b", re.I)
CLAUSE_RE = re.compile(r"[.;?!,]\s|\s[-–—]\s")


def counts_only(text: str) -> bool:
    """Whether only the overlap counts are wanted (a count word limited, or no names)."""
    if NO_NAMES_RE.search(text) or re.search(r"\bhow many\b", text, re.I):
        return True
    return any(COUNT_WORDS_RE.search(c) and LIMIT_WORDS_RE.search(c)
               for c in CLAUSE_RE.split(text))


def plan_accounts(text: str, partner: PartnerMatch) -> Plan:
    """account_overlap: the partner, and whether only the counts are wanted."""
    args: dict[str, Any] = {"counts_only": True} if counts_only(text) else {}
    if partner.found:
        args["partner"] = partner.partner_id
    return Plan("account_overlap", args, [] if partner.found else ["partner"],
                context={"partner_name": partner.name})


def build_plan(intent: str, text: str, partner: PartnerMatch) -> Plan:
    """The plan for ``intent`` from one message."""
    if intent == "account_overlap":
        return plan_accounts(text, partner)
    if intent == "score_partner":
        return plan_score(text, partner)
    if intent == "check_tier":
        return plan_check_tier(text, partner)
    if intent in PARTNER_TOOLS:
        return plan_partner_tool(intent, text, partner)
    if intent == "find_partners":
        return plan_find(text)
    if intent == "portfolio_summary":
        return plan_portfolio(text)
    if intent == "assess_star":
        return plan_star(text, partner)
    if intent == "recommend_model":
        return plan_model(text)
    if intent == "build_partner_acquire":
        return plan_decision(text, partner)
    if intent in documents.DOCUMENTS or intent == "check_program":
        return documents.plan_document(intent, text, partner)
    return plan_search(text)


BARE_NUMBERS_RE = re.compile(r"^\s*(?:\$?\d[\d,.]*\s?[kKmM]?|[a-z]+)(?:\s*(?:,|and|&|/|;)?\s*"
                             r"(?:\$?\d[\d,.]*\s?[kKmM]?|[a-z]+))*\s*[.!]?\s*$")


def _fill_bare(missing: list[str], text: str) -> dict[str, Any]:
    """A bare answer ("80", "70, 40", "five") fills the asked-for numeric slots in order."""
    if missing == ["annual_pipeline_usd"]:
        money = parse_money(text)
        return {} if money is None else {"annual_pipeline_usd": money}
    numeric = [m for m in missing if m in (*CRITERIA, "certified_individuals")]
    if not numeric or not BARE_NUMBERS_RE.match(text):
        return {}
    values = sorted([(a.start, a.value) for a in find_amounts(text)]
                    + [(s, float(v)) for s, _, v in find_word_numbers(text)])
    out: dict[str, Any] = {}
    for key, (_, value) in zip(numeric, values, strict=False):
        out[key] = int(value) if key == "certified_individuals" else float(value)
    return out


def _capability_reply(text: str) -> str:
    """A reply naming the capability: "For identity verification - it is core ..."."""
    head = re.split(r"\s[-–—]\s|[;,.:]|\b(?:it is|it's|which|because)\b", text, maxsplit=1)[0]
    head = re.sub(r"^\s*(?:for|on|about|of|the|a|an|our|it'?s)\s+", "", head.strip(), flags=re.I)
    return head.strip()[:200] or text.strip()[:200]


def fill_plan(tool: str, saved: dict[str, Any], missing: list[str], text: str,
              partner: PartnerMatch) -> tuple[Plan, bool]:
    """Merge a reply into a pending plan; returns the plan and whether the reply added anything.

    Args:
        tool: The pending tool.
        saved: Slots collected in earlier turns.
        missing: Slots that were asked for.
        text: The reply.
        partner: Partner found in the reply.
    """
    if tool in documents.DOCUMENTS:
        return documents.fill_document(tool, saved, missing, text, partner)
    fresh = build_plan(tool, text, partner)
    added = {k: v for k, v in fresh.args.items()
             if k not in ("query", "k") and v not in (None, "", [])}
    if not added:
        added = _fill_bare(missing, text)
    if "capability" in missing and not added.get("capability"):
        added = {**added, **factors.extract_decision(text), "capability": _capability_reply(text)}
    merged = {**saved, **added}
    plan = build_plan(tool, "", PartnerMatch())
    plan.args = merged
    plan.context = {**fresh.context, "partner_name": fresh.context.get("partner_name")
                    or saved.get("_partner_name")}
    plan.missing = still_missing(tool, merged)
    return plan, bool(added)


def drop_out_of_range(plan: Plan) -> list[str]:
    """Remove criteria outside 0-100 from ``plan`` (asked again); returns their names."""
    bad = [c for c in CRITERIA
           if isinstance(plan.args.get(c), int | float) and not 0 <= plan.args[c] <= 100]
    for key in bad:
        del plan.args[key]
    if bad:
        plan.missing = still_missing(plan.tool, plan.args) or bad
    return bad


def still_missing(tool: str, args: dict[str, Any]) -> list[str]:
    """Required slots of ``tool`` that ``args`` lacks."""
    if tool == "score_partner":
        return [] if args.get("partner") else [c for c in CRITERIA if c not in args]
    if tool == "check_tier":
        if args.get("partner"):
            return []
        return [k for k in ("annual_pipeline_usd", "certified_individuals") if k not in args]
    if tool in PARTNER_TOOLS or tool == "account_overlap":
        return [] if args.get("partner") else ["partner"]
    if tool == "assess_star":
        return [d for d in STAR_DIMENSIONS if d not in args]
    if tool == "recommend_model":
        return [] if args.get("needs") else ["needs"]
    if tool == "build_partner_acquire":
        return [] if args.get("capability") else ["capability"]
    return []
