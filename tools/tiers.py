"""Partner tiers: the criteria as data, the qualifying tier, and the movement rules.

Criteria (``tools/data/tiers.json``): Platinum needs >= $2M annual pipeline, >= 5 certified
individuals and a dedicated practice; Gold >= $500K and >= 3 certified; Silver >= $100K and
>= 1 certified; anyone else is Registered. A partner qualifies for the highest tier whose
minimums it meets (the upper end of a band, e.g. Gold's "< $2M", is simply where the next
tier starts).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from tools.errors import validate
from tools.parsing import (
    format_usd,
    last_completed_quarters,
    normalise_quarter,
    parse_quarter,
    previous_quarter,
    quarter_end,
)
from tools.partners import (
    Partner,
    QuarterRecord,
    Tier,
    ordered_history,
)

EXIT_MONTHS = 12
REGISTERED_EXIT_MONTHS = 6
PROMOTE_AFTER_QUARTERS = 2
DEMOTE_AFTER_MISSES = 2


class TierCriteria(BaseModel):
    """What a tier requires, and what it gives and asks in return.

    Args:
        tier: The tier.
        min_pipeline_usd: Minimum trailing-twelve-month partner pipeline, USD.
        min_certified: Minimum certified individuals.
        dedicated_practice: Whether a dedicated practice or centre of excellence is required.
        benefits: What the partner receives at this tier.
        commitments: What the partner commits to at this tier.
    """

    model_config = ConfigDict(frozen=True)

    tier: Tier
    min_pipeline_usd: Annotated[float, Field(ge=0)]
    min_certified: Annotated[int, Field(ge=0)]
    dedicated_practice: bool
    benefits: list[str]
    commitments: list[str]


@lru_cache(maxsize=1)
def _load_criteria() -> dict[Tier, TierCriteria]:
    text = resources.files("tools.data").joinpath("tiers.json").read_text(encoding="utf-8")
    raw: dict[str, dict[str, Any]] = json.loads(text)
    return {tier: TierCriteria(tier=tier, **raw[tier.value]) for tier in Tier}


TIER_CRITERIA: dict[Tier, TierCriteria] = _load_criteria()


class TierFigures(BaseModel):
    """One quarter's figures for a partner.

    Args:
        annual_pipeline_usd: Trailing-twelve-month partner-sourced pipeline, USD.
        certified_individuals: Certified individuals at the partner.
        dedicated_practice: Whether the partner runs a dedicated practice or centre of
            excellence for us.
    """

    model_config = ConfigDict(extra="forbid")

    annual_pipeline_usd: Annotated[float, Field(ge=0)]
    certified_individuals: Annotated[int, Field(ge=0)]
    dedicated_practice: bool = False


class TierCheck(BaseModel):
    """The tier one quarter's figures qualify for, and the gap to the next tier.

    Args:
        tier: Highest tier the figures qualify for.
        next_tier: The tier above, or None at Platinum.
        missing: What is missing for the next tier, in plain words.
        benefits: Benefits of the qualifying tier.
        commitments: Commitments of the qualifying tier.
    """

    tier: Tier
    next_tier: Tier | None
    missing: list[str]
    benefits: list[str]
    commitments: list[str]


def qualifies(figures: TierFigures | QuarterRecord, tier: Tier) -> bool:
    """Whether the figures meet every minimum of ``tier``."""
    rule = TIER_CRITERIA[tier]
    return (
        figures.annual_pipeline_usd >= rule.min_pipeline_usd
        and figures.certified_individuals >= rule.min_certified
        and (figures.dedicated_practice or not rule.dedicated_practice)
    )


def qualifying_tier(figures: TierFigures | QuarterRecord) -> Tier:
    """The highest tier whose minimums the figures meet (Registered at worst)."""
    return max((tier for tier in Tier if qualifies(figures, tier)), key=lambda t: t.rank)


def _missing_for(figures: TierFigures, tier: Tier) -> list[str]:
    rule = TIER_CRITERIA[tier]
    missing: list[str] = []
    if figures.annual_pipeline_usd < rule.min_pipeline_usd:
        gap = rule.min_pipeline_usd - figures.annual_pipeline_usd
        missing.append(
            f"${round(gap):,} more annual pipeline (have "
            f"{format_usd(figures.annual_pipeline_usd)}, need {format_usd(rule.min_pipeline_usd)})"
        )
    if figures.certified_individuals < rule.min_certified:
        gap_people = rule.min_certified - figures.certified_individuals
        word = "individual" if gap_people == 1 else "individuals"
        missing.append(
            f"{gap_people} more certified {word} (have {figures.certified_individuals}, "
            f"need {rule.min_certified})"
        )
    if rule.dedicated_practice and not figures.dedicated_practice:
        missing.append("a dedicated practice or centre of excellence")
    return missing


def check_tier(figures: TierFigures | Mapping[str, Any]) -> TierCheck:
    """Find the tier one quarter's figures qualify for and what the next tier needs.

    Args:
        figures: Annual pipeline (USD), certified individuals, dedicated practice.

    Returns:
        The qualifying tier, the next tier up, what is missing for it, and the
        qualifying tier's benefits and commitments.

    Raises:
        FrameworkError: When a figure is negative or not a number.
    """
    data = validate(TierFigures, figures)
    tier = qualifying_tier(data)
    above = [t for t in Tier if t.rank == tier.rank + 1]
    next_tier = above[0] if above else None
    rule = TIER_CRITERIA[tier]
    return TierCheck(
        tier=tier,
        next_tier=next_tier,
        missing=_missing_for(data, next_tier) if next_tier else [],
        benefits=list(rule.benefits),
        commitments=list(rule.commitments),
    )


class ReviewAction(StrEnum):
    """What a tier review decides."""

    PROMOTE = "promote"
    HOLD = "hold"
    WARN = "warn"
    DEMOTE = "demote"
    EXIT = "exit"


class TierReviewInput(BaseModel):
    """A partner's current tier and quarterly history, for a tier review.

    Args:
        current_tier: The partner's tier now (``tier`` is accepted too).
        tier_since: Quarter the current tier started (``YYYY-QN``); earlier quarters are
            not used for promotion, warning or demotion.
        history: Quarterly figures; order does not matter.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    current_tier: Tier = Field(validation_alias=AliasChoices("current_tier", "tier"))
    tier_since: str | None = None
    history: list[QuarterRecord] = Field(default_factory=list)

    @field_validator("tier_since")
    @classmethod
    def _quarter(cls, value: str | None) -> str | None:
        return normalise_quarter(value)

    @field_validator("history")
    @classmethod
    def _unique_sorted(cls, value: list[QuarterRecord]) -> list[QuarterRecord]:
        return ordered_history(value)


class TierReview(BaseModel):
    """The outcome of a tier review; serialises with ``from`` and ``to`` keys.

    Args:
        action: promote, hold, warn, demote or exit.
        from_tier: The tier before the review (key ``from``).
        to_tier: The tier after the review (key ``to``); None on exit.
        reason: Why, citing the quarters used.
        quarters_considered: Quarters completed on or before the review date.
    """

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    action: ReviewAction
    from_tier: Tier = Field(alias="from")
    to_tier: Tier | None = Field(alias="to")
    reason: str
    quarters_considered: list[str]


def _exit_review(data: TierReviewInput, as_of: date) -> str | None:
    months = REGISTERED_EXIT_MONTHS if data.current_tier is Tier.REGISTERED else EXIT_MONTHS
    window = last_completed_quarters(as_of, months // 3)
    by_key = {parse_quarter(r.quarter): r for r in data.history}
    if any(key not in by_key for key in window):
        return None
    if any(by_key[key].new_pipeline_usd > 0 for key in window):
        return None
    first, last = window[0], window[-1]
    return (
        f"no new pipeline registered in the {len(window)} quarters {first[0]}-Q{first[1]} to "
        f"{last[0]}-Q{last[1]} ({months} months; the exit limit for "
        f"{data.current_tier.value} is {months} months)"
    )


def _adjacent(earlier: QuarterRecord, later: QuarterRecord) -> bool:
    return previous_quarter(*parse_quarter(later.quarter)) == parse_quarter(earlier.quarter)


def _movement(data: TierReviewInput, used: list[QuarterRecord]) -> tuple[ReviewAction, Tier, str]:
    current = data.current_tier
    latest = used[-1]
    latest_tier = qualifying_tier(latest)
    prev = used[-2] if len(used) > 1 and _adjacent(used[-2], used[-1]) else None
    prev_tier = qualifying_tier(prev) if prev else None
    if latest_tier.rank > current.rank:
        if prev is not None and prev_tier is not None and prev_tier.rank > current.rank:
            target = min(latest_tier, prev_tier, key=lambda t: t.rank)
            return ReviewAction.PROMOTE, target, (
                f"{prev.quarter} and {latest.quarter} both met the {target.value} criteria "
                f"(two consecutive qualifying quarters)"
            )
        return ReviewAction.HOLD, current, (
            f"{latest.quarter} met the {latest_tier.value} criteria, but promotion needs "
            f"{PROMOTE_AFTER_QUARTERS} consecutive qualifying quarters"
        )
    if latest_tier.rank == current.rank:
        return ReviewAction.HOLD, current, (
            f"{latest.quarter} met the {current.value} criteria"
        )
    missed = "; ".join(_missing_for(TierFigures.model_validate(
        latest.model_dump(include={"annual_pipeline_usd", "certified_individuals",
                                   "dedicated_practice"})), current))
    if prev is not None and prev_tier is not None and prev_tier.rank < current.rank:
        target = min(latest_tier, prev_tier, key=lambda t: t.rank)
        return ReviewAction.DEMOTE, target, (
            f"{prev.quarter} and {latest.quarter} both missed the {current.value} criteria "
            f"(two consecutive misses); both support {target.value}. Latest gap: {missed}"
        )
    return ReviewAction.WARN, current, (
        f"{latest.quarter} missed the {current.value} criteria ({missed}); a second "
        f"consecutive miss means demotion"
    )


def review_tier(partner: TierReviewInput | Partner | Mapping[str, Any], as_of: date) -> TierReview:
    """Apply the tier movement rules to a partner's quarterly history as of a date.

    Only quarters completed on or before ``as_of`` count (a quarter is complete on its last
    day: 2026-Q2 counts from 2026-06-30). Rules, in order:

    1. Exit: no new pipeline (``new_pipeline_usd == 0``) in each of the 4 most recent
       completed calendar quarters (12 months), or the 2 most recent for Registered
       partners (6 months). All of those quarters must be in the history; a missing
       quarter is unknown, not inactive. So a partner idle since 2025-Q4 exits on
       2026-09-30 (Q4, Q1, Q2, Q3 idle), not on 2026-09-29.
    2. Promote: the latest two quarters (consecutive calendar quarters) both qualify above
       the current tier; the new tier is the highest both qualify for.
    3. Hold: the latest quarter meets the current tier (or only it qualifies higher).
    4. Demote: the latest two consecutive quarters both miss the current tier; the new tier
       is the highest both support (Registered at worst).
    5. Warn: the latest quarter misses the current tier for the first time.

    When ``tier_since`` is set, quarters before it are not used for rules 2-5.

    Args:
        partner: A Partner record, or a TierReviewInput (current tier, history).
        as_of: The review date.

    Returns:
        The action, the tiers before and after (``from``/``to``) and the reason.

    Raises:
        FrameworkError: When the record is not valid.
    """
    if isinstance(partner, Partner):
        data = TierReviewInput(
            current_tier=partner.tier, tier_since=partner.tier_since, history=partner.history
        )
    else:
        data = validate(TierReviewInput, partner)
    done = [r for r in data.history if quarter_end(r.quarter) <= as_of]
    considered = [r.quarter for r in done]
    current = data.current_tier
    exit_reason = _exit_review(data, as_of)
    if exit_reason:
        return TierReview(action=ReviewAction.EXIT, from_tier=current, to_tier=None,
                          reason=exit_reason, quarters_considered=considered)
    since = parse_quarter(data.tier_since) if data.tier_since else None
    used = [r for r in done if since is None or parse_quarter(r.quarter) >= since]
    if not used:
        return TierReview(action=ReviewAction.HOLD, from_tier=current, to_tier=current,
                          reason=f"no completed quarter to review on or before {as_of}",
                          quarters_considered=considered)
    action, target, reason = _movement(data, used)
    return TierReview(action=action, from_tier=current, to_tier=target, reason=reason,
                      quarters_considered=considered)
