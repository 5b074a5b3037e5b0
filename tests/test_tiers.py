from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.errors import FrameworkError
from tools.partners import Partner, PartnerType, Tier
from tools.tiers import (
    TIER_CRITERIA,
    ReviewAction,
    check_tier,
    review_tier,
)

PLAT = {"annual_pipeline_usd": 2_500_000, "certified_individuals": 6, "dedicated_practice": True}
GOLD = {"annual_pipeline_usd": 800_000, "certified_individuals": 3}
SILVER = {"annual_pipeline_usd": 200_000, "certified_individuals": 1}
REG = {"annual_pipeline_usd": 50_000, "certified_individuals": 0}


def tier_of(pipeline: float, certified: int, practice: bool = False) -> Tier:
    return check_tier({"annual_pipeline_usd": pipeline, "certified_individuals": certified,
                       "dedicated_practice": practice}).tier


def test_criteria_are_data_with_benefits() -> None:
    plat = TIER_CRITERIA[Tier.PLATINUM]
    assert (plat.min_pipeline_usd, plat.min_certified, plat.dedicated_practice) == (
        2_000_000, 5, True)
    assert TIER_CRITERIA[Tier.GOLD].min_pipeline_usd == 500_000
    assert TIER_CRITERIA[Tier.SILVER].min_pipeline_usd == 100_000
    assert TIER_CRITERIA[Tier.REGISTERED].commitments == []
    assert any("Partner Account Manager" in b for b in plat.benefits)


@pytest.mark.parametrize(
    ("pipeline", "certified", "practice", "tier"),
    [
        (2_000_000, 5, True, Tier.PLATINUM),
        (1_999_999, 5, True, Tier.GOLD),
        (2_000_000, 4, True, Tier.GOLD),
        (2_000_000, 5, False, Tier.GOLD),
        (500_000, 3, False, Tier.GOLD),
        (499_999, 3, False, Tier.SILVER),
        (500_000, 2, False, Tier.SILVER),
        (100_000, 1, False, Tier.SILVER),
        (99_999, 1, False, Tier.REGISTERED),
        (100_000, 0, False, Tier.REGISTERED),
        (0, 0, False, Tier.REGISTERED),
    ],
)
def test_tier_boundaries(pipeline: float, certified: int, practice: bool, tier: Tier) -> None:
    assert tier_of(pipeline, certified, practice) is tier


def test_missing_items_for_next_tier() -> None:
    result = check_tier({"annual_pipeline_usd": 1_700_000, "certified_individuals": 3})
    assert result.tier is Tier.GOLD and result.next_tier is Tier.PLATINUM
    assert result.missing == [
        "$300,000 more annual pipeline (have $1.7M, need $2M)",
        "2 more certified individuals (have 3, need 5)",
        "a dedicated practice or centre of excellence",
    ]
    assert result.benefits == TIER_CRITERIA[Tier.GOLD].benefits


def test_platinum_has_no_next_tier() -> None:
    result = check_tier(PLAT)
    assert result.next_tier is None and result.missing == []


def test_silver_to_gold_one_person_short() -> None:
    result = check_tier({"annual_pipeline_usd": 600_000, "certified_individuals": 2})
    assert result.tier is Tier.SILVER
    assert result.missing == ["1 more certified individual (have 2, need 3)"]


def test_negative_figures_name_field() -> None:
    with pytest.raises(FrameworkError) as info:
        check_tier({"annual_pipeline_usd": -1, "certified_individuals": 1})
    assert info.value.field == "annual_pipeline_usd"


@given(st.integers(0, 5_000_000), st.integers(0, 10), st.booleans(),
       st.integers(0, 1_000_000), st.integers(0, 5))
def test_tier_monotonic_in_pipeline_and_certified(pipeline: int, certified: int, practice: bool,
                                                  more_pipe: int, more_cert: int) -> None:
    low = tier_of(pipeline, certified, practice)
    high = tier_of(pipeline + more_pipe, certified + more_cert, practice)
    assert high.rank >= low.rank
    assert tier_of(pipeline, certified, True).rank >= tier_of(pipeline, certified, False).rank


# ------------------------------------------------------------------ review


def q(quarter: str, figures: dict[str, Any], new: float = 10_000) -> dict[str, Any]:
    return {"quarter": quarter, **figures, "new_pipeline_usd": new}


def review(tier: str, *quarters: dict[str, Any], as_of: date = date(2026, 11, 22),
           since: str | None = None) -> Any:
    return review_tier({"current_tier": tier, "tier_since": since, "history": list(quarters)},
                       as_of)


def test_promote_needs_two_consecutive_qualifying_quarters() -> None:
    one = review("gold", q("2026-Q2", GOLD), q("2026-Q3", PLAT))
    assert one.action is ReviewAction.HOLD and one.to_tier is Tier.GOLD
    two = review("gold", q("2026-Q2", PLAT), q("2026-Q3", PLAT))
    assert two.action is ReviewAction.PROMOTE and two.to_tier is Tier.PLATINUM


def test_promote_to_highest_tier_both_quarters_support() -> None:
    result = review("registered", q("2026-Q2", SILVER), q("2026-Q3", PLAT))
    assert result.action is ReviewAction.PROMOTE and result.to_tier is Tier.SILVER


def test_non_adjacent_quarters_do_not_count_as_consecutive() -> None:
    result = review("gold", q("2026-Q1", PLAT), q("2026-Q3", PLAT))
    assert result.action is ReviewAction.HOLD


def test_quarter_not_complete_is_ignored() -> None:
    # 2026-Q4 ends 2026-12-31; on 2026-11-22 only Q2 and Q3 are complete
    result = review("gold", q("2026-Q3", PLAT), q("2026-Q4", PLAT))
    assert result.action is ReviewAction.HOLD
    assert result.quarters_considered == ["2026-Q3"]
    on_day = review("gold", q("2026-Q3", PLAT), q("2026-Q4", PLAT), as_of=date(2026, 12, 31))
    assert on_day.action is ReviewAction.PROMOTE


def test_warn_after_one_miss_then_demote_after_two() -> None:
    warn = review("platinum", q("2026-Q2", PLAT), q("2026-Q3", GOLD))
    assert warn.action is ReviewAction.WARN and warn.to_tier is Tier.PLATINUM
    assert "$1,200,000 more annual pipeline" in warn.reason
    demote = review("platinum", q("2026-Q2", GOLD), q("2026-Q3", GOLD))
    assert demote.action is ReviewAction.DEMOTE and demote.to_tier is Tier.GOLD


def test_demote_to_highest_tier_both_misses_support() -> None:
    result = review("platinum", q("2026-Q2", GOLD), q("2026-Q3", REG))
    assert result.action is ReviewAction.DEMOTE and result.to_tier is Tier.REGISTERED
    result = review("platinum", q("2026-Q2", SILVER), q("2026-Q3", GOLD))
    assert result.to_tier is Tier.SILVER


def test_hold_when_latest_meets_tier_after_a_miss() -> None:
    result = review("gold", q("2026-Q2", SILVER), q("2026-Q3", GOLD))
    assert result.action is ReviewAction.HOLD and result.to_tier is Tier.GOLD


def test_tier_since_limits_quarters_for_movement() -> None:
    result = review("gold", q("2026-Q2", SILVER), q("2026-Q3", SILVER), since="2026-Q3")
    assert result.action is ReviewAction.WARN


def test_no_completed_quarter_holds() -> None:
    result = review("silver", as_of=date(2026, 1, 1))
    assert result.action is ReviewAction.HOLD
    assert result.quarters_considered == []


IDLE = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def test_exit_after_12_months_both_sides_of_boundary() -> None:
    history = [q("2025-Q3", GOLD, new=5_000)] + [q(k, GOLD, new=0) for k in IDLE]
    before = review("gold", *history, as_of=date(2026, 9, 29))
    assert before.action is not ReviewAction.EXIT
    on = review("gold", *history, as_of=date(2026, 9, 30))
    assert on.action is ReviewAction.EXIT and on.to_tier is None
    assert "12 months" in on.reason


def test_activity_in_window_prevents_exit() -> None:
    history = [q(k, GOLD, new=0) for k in IDLE[:-1]] + [q("2026-Q3", GOLD, new=1)]
    assert review("gold", *history).action is ReviewAction.HOLD


def test_missing_quarter_in_window_is_not_inactivity() -> None:
    history = [q(k, GOLD, new=0) for k in IDLE if k != "2026-Q1"]
    assert review("gold", *history).action is not ReviewAction.EXIT


def test_registered_exits_at_6_months_not_before() -> None:
    history = [q("2026-Q1", REG, new=100), q("2026-Q2", REG, new=0), q("2026-Q3", REG, new=0)]
    assert review("registered", *history, as_of=date(2026, 9, 29)).action is ReviewAction.HOLD
    result = review("registered", *history, as_of=date(2026, 9, 30))
    assert result.action is ReviewAction.EXIT and "6 months" in result.reason


def test_six_idle_months_do_not_exit_a_silver_partner() -> None:
    history = [q("2026-Q1", SILVER, new=100), q("2026-Q2", SILVER, new=0),
               q("2026-Q3", SILVER, new=0)]
    assert review("silver", *history, as_of=date(2026, 9, 30)).action is ReviewAction.HOLD


def test_exit_is_checked_before_promotion() -> None:
    history = [q(k, PLAT, new=0) for k in IDLE]
    assert review("gold", *history).action is ReviewAction.EXIT


def test_review_accepts_partner_record_and_dumps_from_to() -> None:
    partner = Partner(
        partner_id="P-9", name="Acme", partner_type=PartnerType.BOUTIQUE, tier=Tier.SILVER,
        region="EMEA", industry="Retail", icp_overlap=1, market_influence=1,
        practice_alignment=1, partnership_appetite=1, revenue_potential=1,
        history=[q("2026-Q3", GOLD), q("2026-Q2", GOLD)],
    )
    result = review_tier(partner, date(2026, 11, 22))
    dumped = result.model_dump(mode="json")
    assert dumped["action"] == "promote"
    assert (dumped["from"], dumped["to"]) == ("silver", "gold")


def test_review_accepts_tier_alias_and_rejects_bad_history() -> None:
    assert review_tier({"tier": "gold", "history": []}, date(2026, 1, 1)).from_tier is Tier.GOLD
    with pytest.raises(FrameworkError) as info:
        review_tier({"tier": "gold", "history": [q("2026-Q9", GOLD)]}, date(2026, 1, 1))
    assert info.value.field.startswith("history.0.quarter")
    with pytest.raises(FrameworkError, match="^tier: Input should be"):
        review_tier({"tier": "diamond"}, date(2026, 1, 1))


quarter_figures = st.fixed_dictionaries({
    "annual_pipeline_usd": st.sampled_from([0, 99_999, 100_000, 500_000, 1_999_999, 2_000_000]),
    "certified_individuals": st.integers(0, 6),
    "dedicated_practice": st.booleans(),
    "new_pipeline_usd": st.sampled_from([0, 0, 5_000]),
})


@given(st.sampled_from(list(Tier)), st.lists(quarter_figures, min_size=0, max_size=6))
def test_review_actions_are_consistent(tier: Tier, figures: list[dict[str, Any]]) -> None:
    quarters = ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    history = [{"quarter": k, **f} for k, f in zip(quarters[-len(figures):], figures,
                                                    strict=False)] if figures else []
    result = review_tier({"current_tier": tier, "history": history}, date(2026, 11, 22))
    assert result.from_tier is tier
    if result.action is ReviewAction.EXIT:
        assert result.to_tier is None
        window = 2 if tier is Tier.REGISTERED else 4
        assert len(history) >= window
        assert all(h["new_pipeline_usd"] == 0 for h in history[-window:])
    else:
        assert result.to_tier is not None
        moved = result.to_tier.rank - tier.rank
        expected = {ReviewAction.PROMOTE: moved > 0, ReviewAction.DEMOTE: moved < 0,
                    ReviewAction.HOLD: moved == 0, ReviewAction.WARN: moved == 0}
        assert expected[result.action]
