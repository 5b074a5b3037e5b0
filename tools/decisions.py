"""Build vs partner vs acquire: the framework's decision rules, with a decision-log entry.

The rules are tried in the order the framework lists them; the first that fires decides:

1. ``build``: core to our differentiation AND we have engineering capacity.
2. ``partner``: adjacent and complementary (not core) AND a strong partner serves our ICP
   AND the partner economics are positive.
3. ``acquire``: critical to market position AND building would take more than 18 months
   AND an acquisition target exists within budget.
4. ``partner_new_market``: entering a new geography or vertical AND a partner has
   relationships and local presence -> partner (consider a JV if revenue scale justifies).

When none fires the decision is ``undecided`` and ``missing`` says, rule by rule, what is
not yet true. A decision without Finance input carries a warning (a quality rule).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import FrameworkError, validate
from tools.text import SINGLE_LINE

ACQUIRE_MIN_MONTHS = 18
DECISION_ID = r"^D-\d{3,}$"
_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("build", ("core_to_differentiation", "engineering_capacity")),
    ("partner", ("adjacent_complementary", "not core_to_differentiation",
                 "strong_partner_serves_icp", "partner_economics_positive")),
    ("acquire", ("critical_to_market_position", "months_to_build > 18",
                 "acquisition_target_within_budget")),
    ("partner_new_market", ("new_market_entry", "partner_has_local_presence")),
)


class Decision(StrEnum):
    """The outcome of a build vs partner vs acquire decision."""

    BUILD = "build"
    PARTNER = "partner"
    ACQUIRE = "acquire"
    UNDECIDED = "undecided"


class DecisionInput(BaseModel):
    """Facts about one capability or market need.

    Args:
        capability: The capability or market the decision is about.
        core_to_differentiation: It is core to our product differentiation.
        engineering_capacity: We have the engineering capacity to build it.
        adjacent_complementary: It is adjacent to our product and complementary.
        strong_partner_serves_icp: A strong partner exists that serves our ICP.
        partner_economics_positive: The partner economics are positive.
        critical_to_market_position: It is critical to our market position.
        months_to_build: Estimated months to build it ourselves.
        acquisition_target_within_budget: An acquisition target exists within budget.
        new_market_entry: It is a way into a new geography or vertical.
        partner_has_local_presence: A partner has relationships and local presence there.
        revenue_scale_justifies_jv: The revenue scale would justify a joint venture.
        finance_reviewed: Finance has given its input.
        partner_considered: The partner considered, if any.
        decision_id: Id for the log entry, ``D-001`` style; default is the next free id.
        previous_ids: Ids already in the decision log.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    capability: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
    core_to_differentiation: bool = False
    engineering_capacity: bool = False
    adjacent_complementary: bool = False
    strong_partner_serves_icp: bool = False
    partner_economics_positive: bool = False
    critical_to_market_position: bool = False
    months_to_build: Annotated[int, Field(ge=0, le=240)] | None = None
    acquisition_target_within_budget: bool = False
    new_market_entry: bool = False
    partner_has_local_presence: bool = False
    revenue_scale_justifies_jv: bool = False
    finance_reviewed: bool = False
    partner_considered: Annotated[str, Field(max_length=200), SINGLE_LINE] | None = None
    decision_id: Annotated[str, Field(pattern=DECISION_ID)] | None = None
    previous_ids: list[Annotated[str, Field(pattern=DECISION_ID)]] = Field(default_factory=list)


class DecisionLogEntry(BaseModel):
    """One entry of the decision log.

    Args:
        decision_id: ``D-001`` style id.
        capability: The capability or market.
        decision: build, partner, acquire or undecided.
        rationale: Why.
        partner_considered: The partner considered, if any.
        finance_reviewed: Whether Finance gave input.
        review: When to revisit the decision.
    """

    decision_id: str
    capability: str
    decision: Decision
    rationale: str
    partner_considered: str | None
    finance_reviewed: bool
    review: str = "quarterly"


class DecisionResult(BaseModel):
    """The decision with the rule that fired and its log entry.

    Args:
        decision: build, partner, acquire or undecided.
        rule_fired: The rule id that decided, or None.
        rationale: Why, in plain words.
        consider_jv: Whether a joint venture should be considered.
        missing: For an undecided result, what each rule still needs.
        warnings: Quality-rule warnings (e.g. no Finance input).
        log_entry: The decision-log entry.
    """

    decision: Decision
    rule_fired: str | None
    rationale: str
    consider_jv: bool
    missing: list[str]
    warnings: list[str]
    log_entry: DecisionLogEntry


def next_decision_id(previous_ids: list[str]) -> str:
    """The id after the highest of ``previous_ids`` (``D-001`` when there are none)."""
    numbers = [int(m.group(1)) for i in previous_ids if (m := re.match(r"^D-(\d+)$", i))]
    return f"D-{max(numbers, default=0) + 1:03d}"


def _holds(data: DecisionInput, condition: str) -> bool:
    if condition == "not core_to_differentiation":
        return not data.core_to_differentiation
    if condition == "months_to_build > 18":
        return data.months_to_build is not None and data.months_to_build > ACQUIRE_MIN_MONTHS
    return bool(getattr(data, condition))


def _rationale(rule: str, data: DecisionInput) -> str:
    partner = data.partner_considered or "a partner"
    texts = {
        "build": f"{data.capability} is core to our differentiation and we have the "
                 "engineering capacity, so we keep it in house.",
        "partner": f"{data.capability} is adjacent and complementary, not core; {partner} "
                   "serves our ICP and the partner economics are positive.",
        "acquire": f"{data.capability} is critical to our market position, building would "
                   f"take {data.months_to_build} months (over {ACQUIRE_MIN_MONTHS}), and a "
                   "target exists within budget.",
        "partner_new_market": f"{data.capability} is a new-market entry and {partner} has "
                              "the relationships and local presence there.",
    }
    return texts[rule]


def decide(inputs: DecisionInput | Mapping[str, Any]) -> DecisionResult:
    """Decide whether to build, partner or acquire a capability.

    Args:
        inputs: The facts about the capability (see DecisionInput).

    Returns:
        The decision, the rule that fired, the rationale, and a decision-log entry.

    Raises:
        FrameworkError: When an input is invalid or ``decision_id`` is already used.
    """
    data = validate(DecisionInput, inputs)
    if data.decision_id and data.decision_id in data.previous_ids:
        raise FrameworkError("decision_id", "is already in the decision log", data.decision_id)
    decision_id = data.decision_id or next_decision_id(data.previous_ids)
    fired = next((rule for rule, conds in _RULES if all(_holds(data, c) for c in conds)), None)
    missing: list[str] = []
    consider_jv = False
    if fired is None:
        decision = Decision.UNDECIDED
        for rule, conds in _RULES:
            unmet = [c for c in conds if not _holds(data, c)]
            missing.append(f"{rule}: needs " + ", ".join(unmet))
        rationale = "No rule fired; establish the missing facts and decide again."
    else:
        decision = Decision.PARTNER if fired.startswith("partner") else Decision(fired)
        rationale = _rationale(fired, data)
        if fired == "partner_new_market" and data.revenue_scale_justifies_jv:
            consider_jv = True
            rationale += " The revenue scale justifies considering a joint venture."
    warnings = [] if data.finance_reviewed else [
        "Finance input is missing: build-vs-partner decisions must include Finance input."
    ]
    entry = DecisionLogEntry(
        decision_id=decision_id, capability=data.capability, decision=decision,
        rationale=rationale, partner_considered=data.partner_considered,
        finance_reviewed=data.finance_reviewed,
    )
    return DecisionResult(decision=decision, rule_fired=fired, rationale=rationale,
                          consider_jv=consider_jv, missing=missing, warnings=warnings,
                          log_entry=entry)
