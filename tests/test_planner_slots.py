"""Slot extraction: criteria, tier figures, quarters, filters, STAR, needs, decisions, drafts."""

from __future__ import annotations

from typing import Any

import pytest

from agent.planner import documents, factors, slots
from agent.planner.partners import PartnerMatch, candidate_names, name_similarity


@pytest.mark.parametrize(("text", "expected"), [
    ("ICP overlap 80, influence 90", {"icp_overlap": 80, "market_influence": 90}),
    ("practice alignment: 70", {"practice_alignment": 70}),
    ("appetite 60 and revenue potential 40",
     {"partnership_appetite": 60, "revenue_potential": 40}),
    ("80 on ICP overlap and 75 for influence", {"icp_overlap": 80, "market_influence": 75}),
    ("icp fit is 65, brand 70", {"icp_overlap": 65, "market_influence": 70}),
    ("scores 80, 90, 70, 60, 40", {"icp_overlap": 80, "market_influence": 90,
                                   "practice_alignment": 70, "partnership_appetite": 60,
                                   "revenue_potential": 40}),
    ("revenue $2M and 4 certified", {}),
    ("no criteria here", {}),
])
def test_criteria(text: str, expected: dict[str, float]) -> None:
    assert slots.extract_criteria(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("$1.2M pipeline and 4 certified people",
     {"annual_pipeline_usd": 1_200_000, "certified_individuals": 4}),
    ("1.2 million pipeline, five certified, no dedicated practice",
     {"annual_pipeline_usd": 1_200_000, "certified_individuals": 5, "dedicated_practice": False}),
    ("has a dedicated practice, $2M, 5 certified",
     {"annual_pipeline_usd": 2_000_000, "certified_individuals": 5, "dedicated_practice": True}),
    ("2,000,000 in pipeline with 6 certified consultants and a CoE",
     {"annual_pipeline_usd": 2_000_000, "certified_individuals": 6, "dedicated_practice": True}),
    ("certified: 3, pipeline 600k", {"annual_pipeline_usd": 600_000, "certified_individuals": 3}),
    ("pipeline of 750000 and no certified people",
     {"annual_pipeline_usd": 750_000, "certified_individuals": 0}),
    ("they don't have a dedicated practice", {"dedicated_practice": False}),
    ("4 AWS certified engineers and $300K",
     {"annual_pipeline_usd": 300_000, "certified_individuals": 4}),
])
def test_tier_figures(text: str, expected: dict[str, Any]) -> None:
    assert slots.extract_tier_figures(text) == expected


@pytest.mark.parametrize(("text", "quarter"), [
    ("as of 2026-09-30", "2026-Q3"), ("Q3 2026", "2026-Q3"), ("as of 15 Aug 2026", "2026-Q2"),
    ("end of Q2 2026", "2026-Q2"), ("as of 2026-01-15", "2025-Q4"), ("nothing", None),
])
def test_as_of(text: str, quarter: str | None) -> None:
    assert slots.extract_as_of(text) == quarter


@pytest.mark.parametrize(("text", "expected"), [
    ("gold partners in EMEA healthcare",
     {"tier": "gold", "region": "EMEA", "industry": "healthcare"}),
    ("boutique consultancies in North America", {"partner_type": "boutique", "region": "NA"}),
    ("GSIs in the US with priority band",
     {"partner_type": "gsi", "region": "NA", "band": "priority"}),
    ("resellers in LATAM retail",
     {"partner_type": "reseller", "region": "LATAM", "industry": "retail"}),
    ("what can you do for us", {}),
])
def test_filters(text: str, expected: dict[str, str]) -> None:
    assert slots.filters(text) == expected


def test_years_and_counts() -> None:
    assert slots.extract_years("in three years") == 3
    assert slots.extract_years("within 5 years") == 5
    assert slots.extract_count("five") == 5
    assert slots.extract_count("no number") is None


def test_star_scores_with_evidence() -> None:
    found = factors.extract_star("strategic fit 4 because same CFO buyers; trust 2 since they "
                                 "missed meetings; assets 5; economics 3")
    assert {k: v["score"] for k, v in found.items()} == {
        "strategic_fit": 4, "trust_and_culture": 2, "asset_complementarity": 5,
        "relationship_economics": 3}
    assert found["strategic_fit"]["evidence"] == "same CFO buyers"
    assert found["asset_complementarity"]["evidence"] == factors.DEFAULT_EVIDENCE


def test_star_scores_out_of_range_are_not_read() -> None:
    assert factors.extract_star("strategic fit 7, trust 0") == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("Which partnership model fits lead generation?", {"needs": ["lead_generation"]}),
    ("entering a new market with shared investment",
     {"needs": ["new_market_entry"], "shared_investment": True}),
    ("We need delivery capacity with low commitment",
     {"needs": ["delivery_capacity"], "wants_low_commitment": True}),
    ("joint selling and integration", {"needs": ["joint_selling", "technical_integration"]}),
    ("nothing specific", {}),
])
def test_model_needs(text: str, expected: dict[str, Any]) -> None:
    assert factors.extract_model_need(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Should we build, partner or acquire analytics?", {"capability": "analytics"}),
    ("Build or partner on data connectors? It is core to our differentiation and we have "
     "engineering capacity", {"capability": "data connectors", "core_to_differentiation": True,
                              "engineering_capacity": True}),
    ("Should we acquire a company for fraud detection? building would take 2 years",
     {"capability": "fraud detection", "months_to_build": 24}),
    ("build vs buy for reporting; we have no engineering capacity",
     {"capability": "reporting", "engineering_capacity": False}),
])
def test_decision_facts(text: str, expected: dict[str, Any]) -> None:
    assert factors.extract_decision(text) == expected


def test_labelled_document_slots() -> None:
    plan = documents.plan_document(
        "draft_thesis", "Draft a thesis for Acme: 25% of ARR in five years through ISVs. "
        "ICP: hospital networks; markets: NA, EMEA", PartnerMatch())
    assert plan.args == {"company": "Acme", "partner_led_share_pct": 25, "years": 5,
                         "partner_types": ["ISVs"], "icp": "hospital networks",
                         "markets": ["NA", "EMEA"]}
    assert plan.missing == []


def test_a_reply_fills_the_slot_that_was_asked() -> None:
    plan, added = documents.fill_document("draft_term_sheet", {"company": "Acme"},
                                          ["partner", "model"], "Globex Corp", PartnerMatch())
    assert added and plan.args["partner"] == "Globex Corp"
    assert plan.missing[0] == "model"
    plan, _ = documents.fill_document("draft_term_sheet", plan.args, plan.missing,
                                      "a co-sell deal", PartnerMatch())
    assert plan.args["model"] == "co_sell"


def test_term_sheet_input_nests_the_flat_slots() -> None:
    values = {"company": "Acme", "partner": "Globex", "model": "referral",
              "company_contributions": ["product"], "partner_contributions": ["leads"],
              "duration_months": 24, "executive_sponsor": "Jane Doe",
              "proof_point_90_day": "three joint deals", "kill_switch": "no deal by day 90"}
    data = documents.to_input("draft_term_sheet", values)
    assert data["operating_model"] == {"company_contributions": ["product"],
                                       "partner_contributions": ["leads"]}
    assert data["term"] == {"duration_months": 24}


def test_candidate_names_skip_framework_words() -> None:
    assert candidate_names("What are the criteria for the Gold tier?") == []
    assert candidate_names("Review the tier of Globex as of Q3 2026") == ["Globex"]
    assert candidate_names('Tell me about "Northwind Traders"')[0] == "Northwind Traders"


@pytest.mark.parametrize(("phrase", "name", "low", "high"), [
    ("Acme", "Acme Corp", 0.95, 1.0),
    ("Kestrelon", "Kestrelon Digital", 0.9, 1.0),
    ("Ashcombe Witley", "Ashcombe Whitley Advisory", 0.86, 0.95),
    ("digital", "Kestrelon Digital", 0.0, 0.7),
])
def test_name_similarity(phrase: str, name: str, low: float, high: float) -> None:
    assert low <= name_similarity(phrase, name) <= high
