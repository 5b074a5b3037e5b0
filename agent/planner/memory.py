"""Conversation memory: re-run the last tool call with what a what-if changes.

"What about with 4 certs?" after a tier check, or "and if ICP overlap were 90?" after a
score, keep every argument of the last call except the ones the new message states, and the
answer says what changed.
"""

from __future__ import annotations

from typing import Any

from agent.planner import plans
from agent.planner.clarify import clearly_different
from agent.planner.partners import PartnerMatch
from agent.planner.plan import Plan
from agent.planner.scorer import Ranking
from agent.session import LastCall, Session

#: Tools a what-if can re-run (their inputs are figures or a stored partner).
RERUNNABLE = {"score_partner", "check_tier", "review_tier", "assess_star", "recommend_model",
              "build_partner_acquire", "portfolio_summary", "landscape_map"}
#: Arguments that name what the call is about rather than a figure to change.
SUBJECT_KEYS = {"partner", "query", "k"}


#: What a later request may take from the last call's result: tool -> {argument: path}.
CARRY: dict[str, dict[str, str]] = {
    "recommend_model": {"model": "recommendations.0.model"},
}


def _at(data: Any, path: str) -> Any:
    for key in path.split("."):
        if isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        elif isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def remember(session: Session, plan: Plan, output: Any = None) -> None:
    """Keep ``plan`` (and what a later request may carry from its result) as the last call."""
    context = {k: v for k, v in plan.context.items()
               if k not in ("changed", "carried", "not_found", "out_of_range")}
    result = {arg: _at(output, path) for arg, path in CARRY.get(plan.tool, {}).items()}
    context["result"] = {k: v for k, v in result.items() if v is not None}
    session.last_call = LastCall(tool=plan.tool, args=dict(plan.args), context=context)


def carry_over(plan: Plan, session: Session) -> None:
    """Fill the plan's missing arguments from the last call's result ("draft that term sheet").

    Whatever is carried is named in the answer (``context["carried"]``).
    """
    last = session.last_call
    if last is None:
        return
    for arg, value in (last.context.get("result") or {}).items():
        if arg in plan.missing and plan.args.get(arg) in (None, "", []):
            plan.args[arg] = value
            plan.missing.remove(arg)
            plan.context.setdefault("carried", {})[arg] = value


def _changes(last: LastCall, text: str, partner: PartnerMatch) -> dict[str, Any]:
    fresh = plans.build_plan(last.tool, text, partner)
    found = {k: v for k, v in fresh.args.items()
             if k not in SUBJECT_KEYS and v not in (None, "", [])}
    return {k: v for k, v in found.items() if last.args.get(k) != v}


def what_if_plan(text: str, ranking: Ranking, session: Session,
                 partner: PartnerMatch) -> Plan | None:
    """The last call re-planned with the message's changes, or None when it is no what-if."""
    last = session.last_call
    if last is None or last.tool not in RERUNNABLE or not ranking.features.what_if:
        return None
    if partner.found and not partner.focus and partner.partner_id != last.args.get("partner"):
        return None  # a what-if about another partner is a new request
    if clearly_different(ranking, last.tool):
        return None
    changes = _changes(last, text, partner)
    if not changes:
        return None
    args = {**last.args, **changes}
    changed = {k: [last.args.get(k), v] for k, v in changes.items()}
    plan = Plan(last.tool, args, plans.still_missing(last.tool, args),
                context={**last.context, "changed": changed})
    return plan
