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
              "build_partner_acquire", "portfolio_summary"}
#: Arguments that name what the call is about rather than a figure to change.
SUBJECT_KEYS = {"partner", "query", "k"}


def remember(session: Session, plan: Plan) -> None:
    """Keep ``plan`` as the conversation's last call."""
    context = {k: v for k, v in plan.context.items()
               if k not in ("changed", "carried", "not_found", "out_of_range")}
    session.last_call = LastCall(tool=plan.tool, args=dict(plan.args), context=context)


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
