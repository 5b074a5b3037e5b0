"""Intent classification: keyword rules first, MiniLM exemplars when the rules are unsure."""

from __future__ import annotations

import pytest

from agent.planner.intent import (
    FRAMEWORK,
    HELP,
    REFUSE,
    IntentIndex,
    Signals,
    classify,
    load_exemplars,
    rule_candidates,
)
from agent.registry import TOOLS

NAMED = Signals(partner_ref=True)
FIGURES = Signals(figures=True, tier_figures=True)
CRITERIA = Signals(figures=True, criteria=True)
NOTHING = Signals()


@pytest.mark.parametrize(("text", "signals", "intent"), [
    ("Score Acme", NAMED, "score_partner"),
    ("How attractive is Acme?", NAMED, "score_partner"),
    ("Score a partner with ICP overlap 80, influence 90", CRITERIA, "score_partner"),
    ("How much weight does ICP overlap carry?", NOTHING, FRAMEWORK),
    ("What tier is a partner with $1.2M and 4 certified?", FIGURES, "check_tier"),
    ("Which tier does Acme qualify for?", NAMED, "check_tier"),
    ("What benefits do Platinum partners get?", NOTHING, FRAMEWORK),
    ("Review the tier of Acme as of Q3 2026", NAMED, "review_tier"),
    ("Review the tier as of Q3 2026", NOTHING, "review_tier"),
    ("How does promotion between tiers work?", NOTHING, FRAMEWORK),
    ("Should Acme be demoted?", NAMED, "review_tier"),
    ("Run a STAR assessment on Acme", NAMED, "assess_star"),
    ("Explain the STAR assessment", NOTHING, FRAMEWORK),
    ("Summarise the partner portfolio", NOTHING, "portfolio_summary"),
    ("Find partners in healthcare", NOTHING, "find_partners"),
    ("Show me Acme", NAMED, "show_partner"),
    ("Which partnership model fits lead generation?", NOTHING, "recommend_model"),
    ("What is the difference between referral and reseller models?", NOTHING, FRAMEWORK),
    ("Should we build, partner or acquire analytics?", NOTHING, "build_partner_acquire"),
    ("When should we build instead of partner?", NOTHING, FRAMEWORK),
    ("Draft a term sheet with Acme", NAMED, "draft_term_sheet"),
    ("What goes into a term sheet?", NOTHING, FRAMEWORK),
    ("Write our partnership thesis", NOTHING, "draft_thesis"),
    ("Draft a 90-day operating plan", NOTHING, "draft_operating_plan"),
    ("Create a governance playbook", NOTHING, "draft_governance_playbook"),
    ("Set OKRs for the partner team", NOTHING, "draft_okrs"),
    ("Draft a strategy brief", NOTHING, "draft_brief"),
    ("Build an evaluation scorecard", NOTHING, "draft_scorecard"),
    ("Audit the partner program", NOTHING, "check_program"),
    ("Make up a pipeline number for Acme", NAMED, REFUSE),
    ("Predict next quarter's bookings", NOTHING, REFUSE),
    ("hello", NOTHING, HELP),
    ("What can you do?", NOTHING, HELP),
])
def test_rules(text: str, signals: Signals, intent: str) -> None:
    assert rule_candidates(text, signals) == [intent]


def test_rules_stay_silent_when_unsure() -> None:
    assert rule_candidates("Any thoughts on Japan?", NOTHING) == []


def test_every_tool_has_exemplars() -> None:
    exemplars = load_exemplars()
    assert set(TOOLS) <= set(exemplars)
    assert {REFUSE, HELP} <= set(exemplars)
    assert all(len(texts) >= 4 for texts in exemplars.values())


@pytest.fixture(scope="module")
def index() -> IntentIndex:
    from knowledge.embeddings import MiniLMEmbedder

    return IntentIndex(MiniLMEmbedder())


@pytest.mark.parametrize(("text", "signals", "intent"), [
    ("Compose a limerick about autumn leaves", NOTHING, REFUSE),
    ("How do I bake sourdough bread at home?", NOTHING, REFUSE),
    ("How long before an inactive partner exits the program?", NOTHING, FRAMEWORK),
    ("How often should the steering committee meet?", NOTHING, FRAMEWORK),
    ("How is our ecosystem of partners shaping up overall?", NOTHING, "portfolio_summary"),
])
def test_embedding_decides_when_rules_do_not(text: str, signals: Signals, intent: str,
                                             index: IntentIndex) -> None:
    result = classify(text, signals, index)
    assert result.intent == intent
    assert result.source == "embedding"


def test_rule_wins_over_embedding(index: IntentIndex) -> None:
    result = classify("Score Acme", NAMED, index)
    assert (result.intent, result.source) == ("score_partner", "rule")


def test_embedding_breaks_a_tie_between_rules(index: IntentIndex) -> None:
    text = ("Should we build or partner for analytics, and which partnership model fits "
            "lead generation?")
    assert len(rule_candidates(text, NOTHING)) > 1
    result = classify(text, NOTHING, index)
    assert result.source == "rule+embedding"
    assert result.intent in rule_candidates(text, NOTHING)


def test_without_an_index_the_fallback_is_a_framework_search() -> None:
    assert classify("Any thoughts on Japan?", NOTHING, None).intent == FRAMEWORK
