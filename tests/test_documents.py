"""Document models and builders: the framework's rules, defaults and input errors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from snapshot import assert_snapshot

from tools.documents import (
    DEFAULT_RACI,
    DOCUMENT_KINDS,
    ROLES,
    build_brief,
    build_governance_playbook,
    build_okrs,
    build_operating_plan,
    build_scorecard,
    build_term_sheet,
    build_thesis,
    default_raci,
    get_kind,
)
from tools.errors import FrameworkError
from tools.scoring import score_partner

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots"


def example(kind: str) -> dict[str, Any]:
    path = ROOT / "examples" / f"draft_{kind.replace('-', '_')}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def error_of(builder: Any, data: Any) -> FrameworkError:
    with pytest.raises(FrameworkError) as info:
        builder(data)
    return info.value


# --- thesis -------------------------------------------------------------------------------

def test_thesis_statement_is_built_from_the_fields() -> None:
    doc = build_thesis(example("thesis"))
    assert doc.statement.startswith("Northwind Analytics will build a partner-led revenue")
    for part in ("30% of total ARR", "within 3 years", "Big 4 consulting firms and regional "
                 "systems integrators", "mid-market banks and insurers", "DACH and Nordics",
                 "Co-sell and Implementation models", "measured by partner-sourced ARR."):
        assert part in doc.statement
    assert [m.name.value for m in doc.models] == ["co_sell", "implementation"]


def test_thesis_missing_company_names_the_field() -> None:
    data = example("thesis")
    del data["company"]
    err = error_of(build_thesis, data)
    assert err.field == "company"
    assert str(err) == "company: is required"


def test_thesis_placeholder_input_is_rejected_not_rendered() -> None:
    data = example("thesis") | {"company": "[Company Name]"}
    err = error_of(build_thesis, data)
    assert err.field == "company"
    assert "placeholder" in err.problem


@pytest.mark.parametrize(("field", "value"), [("partner_led_share_pct", 0),
                                              ("partner_led_share_pct", 101), ("years", 0),
                                              ("markets", []), ("prioritized_models", ["barter"])])
def test_thesis_out_of_range_values_name_the_field(field: str, value: Any) -> None:
    err = error_of(build_thesis, example("thesis") | {field: value})
    assert err.field.split(".")[0] == field


def test_thesis_models_default_from_partner_types_and_accept_aliases() -> None:
    data = example("thesis")
    del data["prioritized_models"]
    data["partner_types"] = ["boutique advisors", "regional VARs"]
    assert [m.name.value for m in build_thesis(data).models] == ["referral", "reseller"]
    data["prioritized_models"] = ["Co-Sell", "JV", "technology alliance"]
    names = [m.name.value for m in build_thesis(data).models]
    assert names == ["co_sell", "joint_venture", "technology_alliance"]


def test_thesis_without_derivable_model_asks_for_one() -> None:
    data = example("thesis") | {"partner_types": ["universities"]}
    del data["prioritized_models"]
    assert error_of(build_thesis, data).field == "prioritized_models"


def test_unknown_field_is_named() -> None:
    err = error_of(build_thesis, example("thesis") | {"compnay": "Typo Inc"})
    assert err.field == "compnay"
    assert err.problem == "is not a known field"


# --- term sheet ---------------------------------------------------------------------------

def _term_sheet(**economics: Any) -> dict[str, Any]:
    data = example("term-sheet")
    data["economics"] = economics
    return data


@pytest.mark.parametrize("fee", [5, 10, 15, [5, 15], [7.5, 12]])
def test_referral_fee_inside_range_is_accepted(fee: Any) -> None:
    doc = build_term_sheet(_term_sheet(fee_pct=fee))
    assert "of ACV (framework range 5-15% of ACV)" in doc.economics.fee


@pytest.mark.parametrize("fee", [4.9, 15.1, 20, [4, 10], [10, 16]])
def test_referral_fee_outside_range_names_the_field(fee: Any) -> None:
    err = error_of(build_term_sheet, _term_sheet(fee_pct=fee))
    assert err.field == "economics.fee_pct"
    assert "5-15% of ACV" in err.problem


def test_reseller_margin_range_and_reversed_band() -> None:
    data = _term_sheet(fee_pct=[20, 40]) | {"model": "reseller"}
    assert build_term_sheet(data).economics.fee.startswith("20-40% off list price")
    assert error_of(build_term_sheet, data | {"economics": {"fee_pct": 45}}).field == \
        "economics.fee_pct"
    err = error_of(build_term_sheet, data | {"economics": {"fee_pct": [30, 25]}})
    assert "low end" in err.problem


def test_models_without_cash_fee_refuse_a_fee() -> None:
    data = _term_sheet(fee_pct=10) | {"model": "technology_alliance"}
    err = error_of(build_term_sheet, data)
    assert err.field == "economics.fee_pct"
    assert "no direct fee" in err.problem
    data["economics"] = {}
    assert "no direct cash" in build_term_sheet(data).economics.fee


def test_term_sheet_renewal_talks_start_twelve_months_before_the_end() -> None:
    data = example("term-sheet")
    assert build_term_sheet(data | {"term": {"duration_months": 36}}).renewal_talks_month == 24
    assert build_term_sheet(data | {"term": {"duration_months": 6}}).renewal_talks_month == 1


def test_term_sheet_requires_proof_point_kill_switch_and_sponsor() -> None:
    for field in ("proof_point_90_day", "kill_switch", "executive_sponsor", "term", "model"):
        data = example("term-sheet")
        del data[field]
        assert error_of(build_term_sheet, data).field == field


def test_term_sheet_defaults_and_exclusivity_rules() -> None:
    doc = build_term_sheet(example("term-sheet"))
    assert doc.exclusivity_text.startswith("None")
    assert "quarterly once it is stable" in doc.governance.cadence
    assert len(doc.governance.escalation_path) == 3
    data = example("term-sheet") | {"exclusivity": {"territory": "DACH"}}
    assert error_of(build_term_sheet, data).field == "exclusivity.scope"
    data["exclusivity"] = {"scope": "Bank risk analytics", "territory": "DACH",
                           "duration_months": 12}
    assert build_term_sheet(data).exclusivity_text == \
        "Exclusive: Bank risk analytics, in DACH, for 12 months"
    same = example("term-sheet") | {"partner": "northwind analytics"}
    assert error_of(build_term_sheet, same).field == "partner"


# --- governance playbook ------------------------------------------------------------------

def test_default_raci_is_the_framework_table() -> None:
    doc = build_governance_playbook({"company": "Acme"})
    assert doc.roles == list(ROLES)
    assert [row[0] for row in doc.table()] == [decision for decision, _ in DEFAULT_RACI]
    assert doc.table()[3] == ["Deal registration approval", "I", "A", "I", "R", "I", "I"]
    for row in doc.raci:
        assert list(row.assignments.values()).count("A") == 1
    forums = [item.forum for item in doc.cadence]
    assert "Quarterly business review (QBR)" in forums
    assert "Annual strategic review" in forums


def _raci_rows() -> list[dict[str, Any]]:
    return [{"decision": row.decision, "assignments": {k: v.value for k, v in
                                                       row.assignments.items()}}
            for row in default_raci()]


def test_raci_with_two_accountable_roles_names_the_row() -> None:
    rows = _raci_rows()
    rows[2]["assignments"]["Finance"] = "A"
    err = error_of(build_governance_playbook, {"company": "Acme", "raci": rows})
    assert err.field == "raci.2.assignments"
    assert "exactly one A" in err.problem and "found 2" in err.problem


def test_raci_without_accountable_or_responsible_is_refused() -> None:
    rows = _raci_rows()
    rows[0]["assignments"]["CPO"] = "C"
    assert "found 0" in error_of(build_governance_playbook,
                                 {"company": "Acme", "raci": rows}).problem
    rows = _raci_rows()
    rows[1]["assignments"] = {"CPO": "A", "Legal": "I"}
    assert "R (Responsible)" in error_of(build_governance_playbook,
                                         {"company": "Acme", "raci": rows}).problem


def test_raci_unknown_role_and_duplicate_decision() -> None:
    rows = _raci_rows()
    rows[0]["assignments"]["Marketing"] = "I"
    err = error_of(build_governance_playbook, {"company": "Acme", "raci": rows})
    assert err.field == "raci.0.assignments" and "Marketing" in err.problem
    rows = _raci_rows()
    rows.append(copy.deepcopy(rows[0]))
    assert error_of(build_governance_playbook, {"company": "Acme", "raci": rows}).field == \
        "raci.6.decision"
    rows = _raci_rows()
    rows[0]["assignments"]["CPO"] = "X"
    assert error_of(build_governance_playbook, {"company": "Acme", "raci": rows}).field == \
        "raci.0.assignments.CPO"


def test_governance_needs_a_company() -> None:
    assert str(error_of(build_governance_playbook, {})) == "company: is required"


# --- OKRs ---------------------------------------------------------------------------------

def test_okrs_count_leading_and_lagging() -> None:
    doc = build_okrs(example("okrs"))
    assert (doc.leading_count, doc.lagging_count) == (3, 2)


@pytest.mark.parametrize(("keep", "missing"), [("lagging", "leading"), ("leading", "lagging")])
def test_okrs_without_both_kinds_name_objectives(keep: str, missing: str) -> None:
    data = example("okrs")
    for objective in data["objectives"]:
        for kr in objective["key_results"]:
            kr["kind"] = keep
    err = error_of(build_okrs, data)
    assert err.field == "objectives"
    assert f"at least one {missing} key result" in err.problem


def test_okr_kind_must_be_leading_or_lagging() -> None:
    data = example("okrs")
    data["objectives"][0]["key_results"][0]["kind"] = "vanity"
    assert error_of(build_okrs, data).field == "objectives.0.key_results.0.kind"


# --- operating plan -----------------------------------------------------------------------

def test_operating_plan_dates_span_ninety_days() -> None:
    doc = build_operating_plan(example("operating-plan"))
    assert str(doc.start_date) == "2027-01-11" and str(doc.end_date) == "2027-04-10"
    assert doc.phases[0].dates == "2027-01-11 to 2027-01-24"
    assert doc.phases[-1].dates is not None and doc.phases[-1].dates.endswith("2027-04-10")
    assert "monthly" in doc.governance_cadence and "quarterly once" in doc.governance_cadence


def test_operating_plan_needs_resources_from_both_sides() -> None:
    data = example("operating-plan")
    data["partner_resources"] = []
    assert error_of(build_operating_plan, data).field == "partner_resources"


def test_operating_plan_phases_must_not_overlap_or_run_backwards() -> None:
    data = example("operating-plan")
    data["phases"] = [{"name": "A", "start_week": 1, "end_week": 4, "activities": ["x"]},
                      {"name": "B", "start_week": 4, "end_week": 6, "activities": ["y"]}]
    assert "overlaps" in error_of(build_operating_plan, data).problem
    data["phases"] = [{"name": "A", "start_week": 5, "end_week": 2, "activities": ["x"]}]
    assert error_of(build_operating_plan, data).field == "phases.0"
    data["phases"] = [{"name": "A", "start_week": 1, "end_week": 14, "activities": ["x"]}]
    assert error_of(build_operating_plan, data).field == "phases.0.end_week"


# --- scorecard ----------------------------------------------------------------------------

def test_scorecard_uses_the_tools_and_ranks_candidates() -> None:
    data = example("scorecard")
    doc = build_scorecard(data)
    assert [c.name for c in doc.candidates] == ["Harbor Advisory", "Meridian Systems"]
    assert doc.primary == "Harbor Advisory" and doc.backup == "Meridian Systems"
    first = doc.candidates[0]
    assert first.attractiveness == score_partner(data["candidates"][0]["attractiveness"])
    assert first.star.partner == "Harbor Advisory"
    assert first.evidence["asset_complementarity"] == "They bring compliance delivery we lack"


def test_scorecard_never_recommends_a_do_not_proceed_candidate() -> None:
    data = example("scorecard")
    data["candidates"][0]["star"]["trust_and_culture"]["score"] = 1
    doc = build_scorecard(data)
    assert doc.candidates[-1].name == "Harbor Advisory"
    assert doc.primary == "Meridian Systems" and doc.backup is None
    data["candidates"][1]["star"]["strategic_fit"]["score"] = 1
    assert build_scorecard(data).primary is None


def test_scorecard_forced_picks_and_bad_candidates() -> None:
    data = example("scorecard")
    doc = build_scorecard(data | {"primary": "meridian systems"})
    assert (doc.primary, doc.backup) == ("Meridian Systems", "Harbor Advisory")
    assert error_of(build_scorecard, data | {"primary": "Nobody"}).field == "primary"
    assert error_of(build_scorecard, data | {"primary": "Harbor Advisory",
                                             "backup": "Harbor Advisory"}).field == "backup"
    dup = example("scorecard")
    dup["candidates"][1]["name"] = "Harbor Advisory"
    assert error_of(build_scorecard, dup).field == "candidates.1.name"
    bad = example("scorecard")
    bad["candidates"][0]["attractiveness"]["icp_overlap"] = 101
    assert error_of(build_scorecard, bad).field == "candidates.0.attractiveness.icp_overlap"
    bad = example("scorecard")
    bad["candidates"][0]["star"]["strategic_fit"]["evidence"] = ""
    assert error_of(build_scorecard, bad).field == "candidates.0.star.strategic_fit.evidence"


# --- strategy brief -----------------------------------------------------------------------

def test_brief_runs_the_decision_rules_and_recommends_a_model() -> None:
    doc = build_brief(example("brief"))
    assert doc.decision.decision.value == "partner"
    assert doc.decision.rule_fired == "partner"
    assert doc.decision.log_entry.decision_id == "D-001"
    assert doc.recommended_model is not None
    assert doc.recommended_model.name.value == "implementation"
    assert doc.budget == "$400K"
    assert doc.partner_criteria[0].endswith("(weight 30%)")


def test_brief_build_decision_needs_no_model() -> None:
    data = example("brief")
    del data["needs"]
    data["build_partner_acquire"] = {"capability": "Core scoring engine",
                                     "core_to_differentiation": True,
                                     "engineering_capacity": True, "finance_reviewed": True}
    doc = build_brief(data)
    assert doc.decision.decision.value == "build" and doc.recommended_model is None
    data["build_partner_acquire"] = {"capability": "EU data residency"}
    doc = build_brief(data)
    assert doc.decision.decision.value == "undecided" and doc.recommended_model is None
    assert len(doc.decision.missing) == 4 and doc.decision.warnings


def test_brief_partner_decision_without_model_or_needs_is_an_error() -> None:
    data = example("brief")
    del data["needs"]
    assert error_of(build_brief, data).field == "recommended_model"


def test_brief_objectives_must_be_measurable() -> None:
    data = example("brief")
    data["objectives"][0]["target"] = "lots"
    err = error_of(build_brief, data)
    assert err.field == "objectives.0.target" and "measurable" in err.problem


def test_brief_requires_budget_and_need() -> None:
    for field in ("budget_usd", "strategic_need", "build_partner_acquire"):
        data = example("brief")
        del data[field]
        assert error_of(build_brief, data).field == field


# --- registry and schema snapshots --------------------------------------------------------

def test_document_kinds_cover_every_document() -> None:
    assert set(DOCUMENT_KINDS) == {"thesis", "term-sheet", "brief", "scorecard",
                                   "operating-plan", "governance-playbook", "okrs",
                                   "board-dashboard", "landscape-map", "competitor-map",
                                   "roadmap", "relationship-map", "value-canvas"}
    for name, kind in DOCUMENT_KINDS.items():
        assert get_kind(name.replace("-", "_")) is kind
        assert isinstance(kind.builder(example(name)), kind.document_model)
    assert error_of(get_kind, "memo").field == "kind"


SNAPSHOT_MODELS = [model for kind in DOCUMENT_KINDS.values()
                   for model in (kind.input_model, kind.document_model)]


@pytest.mark.parametrize("model", SNAPSHOT_MODELS, ids=lambda m: m.__name__)
def test_schema_snapshot(model: Any) -> None:
    schema = json.dumps(model.model_json_schema(mode="serialization" if "Input" not in
                                                model.__name__ else "validation"),
                        indent=2, sort_keys=True) + "\n"
    assert_snapshot(SNAPSHOTS / f"{model.__name__}.json", schema)


@pytest.mark.parametrize("kind", sorted(DOCUMENT_KINDS))
def test_every_document_validates_back_from_its_own_dump(kind: str) -> None:
    doc = DOCUMENT_KINDS[kind].builder(example(kind))
    again = type(doc).model_validate(doc.model_dump(mode="json"))
    assert again == doc
