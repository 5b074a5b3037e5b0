from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.errors import FrameworkError
from tools.partners import Partner, PartnerType
from tools.scoring import (
    CRITERIA,
    DEFAULT_WEIGHTS,
    PRIORITY_THRESHOLD,
    SECONDARY_THRESHOLD,
    Band,
    WeightSet,
    band_for,
    resolve_weights,
    score_partner,
    score_partner_record,
)


def inputs(**overrides: float) -> dict[str, float]:
    base = {key: 50.0 for key in CRITERIA}
    base.update(overrides)
    return base


def test_default_weights_are_versioned_data() -> None:
    assert DEFAULT_WEIGHTS.version == "2026.1"
    assert DEFAULT_WEIGHTS.weights == {
        "icp_overlap": 30, "market_influence": 25, "practice_alignment": 20,
        "partnership_appetite": 15, "revenue_potential": 10,
    }
    assert (PRIORITY_THRESHOLD, SECONDARY_THRESHOLD) == (75, 50)


def test_issue_example_scores_74_5_secondary() -> None:
    result = score_partner(inputs(icp_overlap=80, market_influence=70, practice_alignment=75,
                                  partnership_appetite=70, revenue_potential=75))
    assert result.score == 74.5
    assert result.band is Band.SECONDARY
    assert result.contributions == {
        "icp_overlap": 24.0, "market_influence": 17.5, "practice_alignment": 15.0,
        "partnership_appetite": 10.5, "revenue_potential": 7.5,
    }
    assert result.weights_version == "2026.1"


@pytest.mark.parametrize(
    ("exact", "band"),
    [(74.9, Band.SECONDARY), (75.0, Band.PRIORITY), (74.95, Band.SECONDARY),
     (49.9, Band.OPPORTUNISTIC), (50.0, Band.SECONDARY), (100, Band.PRIORITY),
     (0, Band.OPPORTUNISTIC)],
)
def test_band_boundaries(exact: float, band: Band) -> None:
    assert band_for(exact) is band


def test_uniform_inputs_give_exact_boundaries() -> None:
    assert score_partner(inputs(**{k: 75 for k in CRITERIA})).band is Band.PRIORITY
    assert score_partner(inputs(**{k: 74.9 for k in CRITERIA})).band is Band.SECONDARY
    assert score_partner(inputs(**{k: 50 for k in CRITERIA})).band is Band.SECONDARY
    assert score_partner(inputs(**{k: 49.9 for k in CRITERIA})).band is Band.OPPORTUNISTIC


def test_74_95_rounds_half_up_but_stays_secondary() -> None:
    # 30*a + 25*b + 20*c + 15*d + 10*e = 7495 with whole-number inputs
    result = score_partner(inputs(icp_overlap=75, market_influence=75, practice_alignment=75,
                                  partnership_appetite=74, revenue_potential=76))
    assert result.exact_score == 74.95
    assert result.score == 75.0  # half up, not banker's rounding (which gives 74.9 or 75.0)
    assert result.band is Band.SECONDARY


def test_round_half_up_not_bankers() -> None:
    # exact 62.25 -> 62.3 (banker's rounding of the float would give 62.2)
    result = score_partner(inputs(icp_overlap=62.25, market_influence=62.25,
                                  practice_alignment=62.25, partnership_appetite=62.25,
                                  revenue_potential=62.25))
    assert result.exact_score == 62.25
    assert result.score == 62.3


@pytest.mark.parametrize("bad", [-1, 100.5, 120])
def test_out_of_range_criterion_names_field(bad: float) -> None:
    with pytest.raises(FrameworkError) as info:
        score_partner(inputs(market_influence=bad))
    assert info.value.field == "market_influence"
    assert "100" in str(info.value) or "0" in str(info.value)


def test_unknown_criterion_rejected() -> None:
    with pytest.raises(FrameworkError, match="vibes: is not a known field"):
        score_partner({**inputs(), "vibes": 10})


def test_weights_override_changes_score_and_version() -> None:
    override = {"version": "heavy-icp", "weights": {
        "icp_overlap": 60, "market_influence": 10, "practice_alignment": 10,
        "partnership_appetite": 10, "revenue_potential": 10}}
    result = score_partner(inputs(icp_overlap=100, market_influence=0, practice_alignment=0,
                                  partnership_appetite=0, revenue_potential=0), override)
    assert result.score == 60.0
    assert result.weights_version == "heavy-icp"


def test_plain_mapping_override_is_custom_version() -> None:
    weights = dict.fromkeys(CRITERIA, 20)
    assert resolve_weights(weights).version == "custom"


@pytest.mark.parametrize(
    ("weights", "problem"),
    [
        ({"icp_overlap": 100}, "missing"),
        ({**dict.fromkeys(CRITERIA, 20), "extra": 0}, "unknown extra"),
        (dict.fromkeys(CRITERIA, 21), "sum to 105"),
        ({**dict.fromkeys(CRITERIA, 20), "icp_overlap": -5}, "greater than or equal"),
    ],
)
def test_bad_weights_name_weights(weights: dict[str, float], problem: str) -> None:
    with pytest.raises(FrameworkError) as info:
        score_partner(inputs(), weights)
    assert info.value.field.startswith("weights")
    assert problem in str(info.value)


def test_score_partner_record_uses_criteria() -> None:
    partner = Partner(partner_id="P-1", name="Acme", partner_type=PartnerType.GSI,
                      region="NA", industry="Finance", icp_overlap=90, market_influence=80,
                      practice_alignment=70, partnership_appetite=60, revenue_potential=50)
    result = score_partner_record(partner)
    assert result.score == 27 + 20 + 14 + 9 + 5
    assert result.band is Band.PRIORITY


score_value = st.integers(min_value=0, max_value=100)
criteria_st = st.fixed_dictionaries({key: score_value for key in CRITERIA})


@given(criteria_st)
def test_bounds_and_contributions_sum(values: dict[str, int]) -> None:
    result = score_partner(values)
    assert 0 <= result.score <= 100
    assert Decimal(str(sum(Decimal(str(v)) for v in result.contributions.values()))) == Decimal(
        str(result.exact_score))
    assert abs(result.score - result.exact_score) <= 0.05 + 1e-9
    assert result.band is band_for(result.exact_score)


@given(criteria_st, st.sampled_from(CRITERIA), st.integers(min_value=1, max_value=100))
def test_monotonic_in_each_input(values: dict[str, int], key: str, bump: int) -> None:
    higher = {**values, key: min(100, values[key] + bump)}
    low, high = score_partner(values), score_partner(higher)
    assert high.exact_score >= low.exact_score
    assert high.score >= low.score
    assert list(Band).index(high.band) <= list(Band).index(low.band)


@st.composite
def weight_sets(draw: st.DrawFn) -> dict[str, int]:
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=4, max_size=4)))
    bounds = [0, *cuts, 100]
    return {key: bounds[i + 1] - bounds[i] for i, key in enumerate(CRITERIA)}


@given(weight_sets(), criteria_st)
def test_any_valid_override_sums_to_100_and_stays_in_bounds(
        weights: dict[str, int], values: dict[str, int]) -> None:
    resolved = resolve_weights(weights)
    assert sum(resolved.weights.values()) == 100
    result = score_partner(values, WeightSet(version="x", weights=weights))
    assert 0 <= result.exact_score <= 100
