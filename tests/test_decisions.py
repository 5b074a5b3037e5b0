from __future__ import annotations

from typing import Any

import pytest

from tools.decisions import Decision, decide, next_decision_id
from tools.errors import FrameworkError

BUILD = {"core_to_differentiation": True, "engineering_capacity": True}
PARTNER = {"adjacent_complementary": True, "strong_partner_serves_icp": True,
           "partner_economics_positive": True}
ACQUIRE = {"critical_to_market_position": True, "months_to_build": 24,
           "acquisition_target_within_budget": True}
NEW_MARKET = {"new_market_entry": True, "partner_has_local_presence": True}


def run(**facts: Any) -> Any:
    return decide({"capability": "Data residency", "finance_reviewed": True, **facts})


@pytest.mark.parametrize(
    ("facts", "decision", "rule"),
    [(BUILD, Decision.BUILD, "build"), (PARTNER, Decision.PARTNER, "partner"),
     (ACQUIRE, Decision.ACQUIRE, "acquire"),
     (NEW_MARKET, Decision.PARTNER, "partner_new_market")],
)
def test_each_rule_fires(facts: dict[str, Any], decision: Decision, rule: str) -> None:
    result = run(**facts)
    assert (result.decision, result.rule_fired) == (decision, rule)
    assert result.log_entry.decision is decision
    assert result.warnings == []


def test_rule_order_build_wins_over_acquire() -> None:
    assert run(**BUILD, **ACQUIRE).decision is Decision.BUILD


def test_partner_rule_needs_not_core() -> None:
    result = run(**PARTNER, core_to_differentiation=True)
    assert result.decision is Decision.UNDECIDED
    assert any("not core_to_differentiation" in m for m in result.missing)


@pytest.mark.parametrize(("months", "decision"), [(18, Decision.UNDECIDED),
                                                  (19, Decision.ACQUIRE)])
def test_acquire_needs_more_than_18_months(months: int, decision: Decision) -> None:
    assert run(**{**ACQUIRE, "months_to_build": months}).decision is decision


def test_jv_consideration_only_when_scale_justifies() -> None:
    assert run(**NEW_MARKET).consider_jv is False
    result = run(**NEW_MARKET, revenue_scale_justifies_jv=True)
    assert result.consider_jv is True and "joint venture" in result.rationale


def test_undecided_lists_what_each_rule_needs() -> None:
    result = run(core_to_differentiation=True)
    assert result.decision is Decision.UNDECIDED and result.rule_fired is None
    assert result.missing[0] == "build: needs engineering_capacity"
    assert len(result.missing) == 4


def test_missing_finance_input_warns() -> None:
    result = decide({"capability": "x", **BUILD})
    assert result.warnings and "Finance" in result.warnings[0]
    assert result.log_entry.finance_reviewed is False


def test_decision_ids() -> None:
    assert run(**BUILD).log_entry.decision_id == "D-001"
    assert run(**BUILD, previous_ids=["D-001", "D-009", "D-003"]).log_entry.decision_id == "D-010"
    assert run(**BUILD, decision_id="D-042").log_entry.decision_id == "D-042"
    assert next_decision_id(["D-999"]) == "D-1000"


def test_bad_ids_and_inputs_name_the_field() -> None:
    with pytest.raises(FrameworkError) as info:
        run(**BUILD, decision_id="D-001", previous_ids=["D-001"])
    assert info.value.field == "decision_id"
    with pytest.raises(FrameworkError) as info:
        run(decision_id="42")
    assert info.value.field == "decision_id"
    with pytest.raises(FrameworkError) as info:
        decide({"capability": "  "})
    assert info.value.field == "capability"
    with pytest.raises(FrameworkError) as info:
        run(months_to_build=-3)
    assert info.value.field == "months_to_build"


def test_partner_named_in_rationale_and_log() -> None:
    result = run(**PARTNER, partner_considered="Globex")
    assert "Globex" in result.rationale
    assert result.log_entry.partner_considered == "Globex"
    assert result.log_entry.review == "quarterly"
