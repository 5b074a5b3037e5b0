from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tools.errors import FrameworkError
from tools.gaps import GapDimension, gap_matrix
from tools.horizons import Horizon, classify_horizon
from tools.program import check_program, months_before
from tools.targets import program_targets


def row(dim: str, importance: int, capability: int) -> dict[str, Any]:
    return {"dimension": dim, "importance": importance, "capability": capability}


def test_gap_matrix_top_three_and_relationship_check() -> None:
    result = gap_matrix({
        "gaps": [row("technology", 5, 2), row("geography", 4, 1), row("channel", 3, 4),
                 row("regulatory", 5, 5), row("supply_chain_resilience", 2, 1)],
        "relationship_closes": ["channel"],
    })
    assert [r.gap for r in result.rows] == [16, 15, 8, 3, 0]
    assert result.top_three == [GapDimension.GEOGRAPHY, GapDimension.TECHNOLOGY,
                                GapDimension.SUPPLY_CHAIN_RESILIENCE]
    assert result.relationship_closes_top_gap is False


def test_gap_ties_and_zero_gaps() -> None:
    result = gap_matrix({"gaps": [row("channel", 2, 3), row("technology", 4, 4),
                                  row("regulatory", 1, 5)],
                         "relationship_closes": ["technology"]})
    assert result.top_three == [GapDimension.TECHNOLOGY, GapDimension.CHANNEL]
    assert result.relationship_closes_top_gap is True
    assert gap_matrix({"gaps": [row("channel", 2, 2)]}).relationship_closes_top_gap is None


def test_gap_matrix_rejects_duplicates_and_bad_levels() -> None:
    with pytest.raises(FrameworkError, match="gaps: each dimension"):
        gap_matrix({"gaps": [row("channel", 2, 2), row("channel", 3, 3)]})
    with pytest.raises(FrameworkError) as info:
        gap_matrix({"gaps": [row("channel", 6, 2)]})
    assert info.value.field == "gaps.0.importance"


@pytest.mark.parametrize(
    ("inputs", "horizon"),
    [({"months_to_pnl_impact": 12}, Horizon.HORIZON_1),
     ({"months_to_pnl_impact": 18}, Horizon.HORIZON_1),
     ({"months_to_pnl_impact": 19}, Horizon.HORIZON_2),
     ({"months_to_pnl_impact": 6, "co_innovation": True}, Horizon.HORIZON_2),
     ({"months_to_pnl_impact": 48, "joint_ip": True}, Horizon.HORIZON_2),
     ({"months_to_pnl_impact": 61}, Horizon.OUTSIDE)],
)
def test_horizons(inputs: dict[str, Any], horizon: Horizon) -> None:
    assert classify_horizon(inputs).horizon is horizon


def test_targets_from_the_framework() -> None:
    targets = program_targets()
    assert [(p.revenue_share_pct, p.active_partnerships_min) for p in targets.phases] == [
        (15, 50), (40, 150), (60, 300), (70, 500)]
    kpis = {k.key: (k.target, k.direction) for k in targets.kpis}
    assert kpis["partner_satisfaction"] == (8.5, "at_least")
    assert kpis["partner_retention"] == (85, "at_least")
    assert kpis["time_to_partnership"] == (90, "at_most")
    assert kpis["integration_success"] == (95, "at_least")
    assert kpis["deal_registration_sla"] == (95, "at_least")


def test_months_before_clamps_month_end() -> None:
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_before(date(2026, 1, 15), 6) == date(2025, 7, 15)


GOOD: dict[str, Any] = {
    "as_of": "2026-11-22",
    "thesis_signed_off": True,
    "recruiting": True,
    "decisions": [{"decision_id": "D-001", "finance_reviewed": True}],
    "okrs": [{"objective": "Grow partner pipeline", "key_results": [
        {"text": "40 joint meetings", "kind": "leading"},
        {"text": "$5M partner-sourced pipeline", "kind": "lagging"}]}],
    "partners": [{"name": "Acme", "tier": "platinum", "consecutive_missed_quarters": 1}],
    "roadmap_last_reviewed": "2026-08-22",
    "competitor_map_refreshed": "2026-05-22",
    "alliances": [{"name": "Acme", "executive_sponsors": ["CRO"], "proof_point_days": 90,
                   "kill_switch": True}],
}


def failed(changes: dict[str, Any]) -> list[str]:
    result = check_program({**GOOD, **changes})
    return [f.rule_id for f in result.findings if not f.passed]


def test_good_program_passes_every_rule() -> None:
    result = check_program(GOOD)
    assert result.passed is True
    assert [f.rule_id for f in result.findings] == [f"QR-{i}" for i in range(1, 8)]


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"thesis_signed_off": False}, "QR-1"),
        ({"decisions": [{"decision_id": "D-002", "finance_reviewed": False}]}, "QR-2"),
        ({"okrs": []}, "QR-3"),
        ({"okrs": [{"objective": "x", "key_results": [{"text": "rev", "kind": "lagging"}]}]},
         "QR-3"),
        ({"partners": [{"name": "Acme", "tier": "platinum",
                        "consecutive_missed_quarters": 2}]}, "QR-4"),
        ({"roadmap_last_reviewed": "2026-08-21"}, "QR-5"),
        ({"roadmap_last_reviewed": None}, "QR-5"),
        ({"competitor_map_refreshed": "2026-05-21"}, "QR-6"),
        ({"alliances": [{"name": "A", "executive_sponsors": ["CEO", "CRO"],
                         "proof_point_days": 90, "kill_switch": True}]}, "QR-7"),
        ({"alliances": [{"name": "A", "executive_sponsors": ["CEO"], "proof_point_days": 91,
                         "kill_switch": True}]}, "QR-7"),
        ({"alliances": [{"name": "A", "executive_sponsors": ["CEO"], "proof_point_days": 30,
                         "kill_switch": False}]}, "QR-7"),
    ],
)
def test_each_quality_rule_can_fail(changes: dict[str, Any], rule: str) -> None:
    assert failed(changes) == [rule]


def test_not_recruiting_without_thesis_is_fine() -> None:
    assert failed({"thesis_signed_off": False, "recruiting": False}) == []


def test_registered_partner_misses_do_not_fail_tier_rule() -> None:
    assert failed({"partners": [{"name": "B", "tier": "registered",
                                 "consecutive_missed_quarters": 3}]}) == []


def test_program_description_errors_name_the_field() -> None:
    with pytest.raises(FrameworkError) as info:
        check_program({**GOOD, "as_of": "someday"})
    assert info.value.field == "as_of"
    with pytest.raises(FrameworkError) as info:
        check_program({**GOOD, "okrs": [{"objective": "x", "key_results": [
            {"text": "t", "kind": "middling"}]}]})
    assert info.value.field == "okrs.0.key_results.0.kind"
