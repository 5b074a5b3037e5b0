"""Routing signals read from stored data and from the message's structure, on a real store.

Stored competitor names, the account importer's words for account kinds, a partner's name
read as nothing but a name, the document whose inputs a message states, store-built
documents asked for with one of their own inputs, short "what drove that?" follow-ups,
sponsor pairings in shorthand and "compare" for the account overlap. The messages are the
tests' own, not the blind suites' phrasings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.core import Agent
from agent.events import FinalAnswer, ToolCall
from agent.planner.board_inputs import dashboard_facts
from agent.planner.canvas_inputs import pairings
from agent.planner.drafting import labelled
from agent.planner.features import read_features
from agent.planner.followups import asks_reason
from agent.planner.partners import find_partner
from agent.planner.sentence import document_nouns, has_draft_verb
from agent.planner.stored_names import account_kinds, competitor_names
from agent.session import Session
from knowledge.settings import Settings
from knowledge.store import Store


@pytest.fixture(scope="module")
def agent(indexed_agent: Agent) -> Agent:
    """The offline agent on the shared indexed store (sample competitors and accounts)."""
    return indexed_agent


def run(agent: Agent, message: str, session: Session | None = None
        ) -> tuple[list[ToolCall], str]:
    events: list[Any] = list(agent.stream(message, session or Session()))
    final = [e for e in events if isinstance(e, FinalAnswer)]
    return [e for e in events if isinstance(e, ToolCall)], final[-1].text if final else ""


def tools(calls: list[ToolCall]) -> list[str]:
    return [c.name for c in calls]


# -- stored competitor names ------------------------------------------------------------
def test_the_stored_competitors_are_the_vocabulary(indexed_store: Store,
                                                   tmp_path: Path) -> None:
    assert set(competitor_names(indexed_store)) == {"Bastion Ledger", "Quorra Analytics",
                                                   "Vantage Risk Cloud"}
    empty = Store.open(Settings(data_dir=tmp_path / "none", backend="offline"))
    assert competitor_names(empty) == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("Has quora analytics signed anyone we care about?", "Quorra Analytics"),  # typo, case
    ("Is Bastion exclusive with any of our GSIs?", "Bastion Ledger"),  # leading word
    ("Which of Vantage's partners could we still win?", "Vantage Risk Cloud"),
    ("Which partners are in EMEA?", None),
])
def test_a_stored_competitor_is_found_by_name(indexed_store: Store, text: str,
                                              expected: str | None) -> None:
    match = find_partner(text, indexed_store)
    assert match.competitor == expected
    assert read_features(text, match).competitor == float(expected is not None)


def test_a_competitor_named_without_the_word_routes_to_the_competitor_map(
        agent: Agent) -> None:
    calls, _ = run(agent, "Has Quorra Analytics signed any partners we would want?")
    assert tools(calls) == ["competitor_map"]


# -- account kinds and partner names ----------------------------------------------------
@pytest.mark.parametrize(("text", "kinds"), [
    ("our customers and open opportunities", 2),
    ("clients, leads and opportunities", 3),
    ("we need more leads", 1),
    ("open doors in our target market", 0),
])
def test_account_kinds_are_read_with_the_importers_words(text: str, kinds: int) -> None:
    assert account_kinds(text) == kinds


def test_a_partners_name_is_not_read_as_a_need_or_a_filter(indexed_store: Store) -> None:
    text = "Score Great Lakes Distribution"
    features = read_features(text, find_partner(text, indexed_store))
    assert features.partner == 1.0
    assert features.needs == 0.0  # "Distribution" is part of the name, not resale capacity


def test_a_partner_against_two_account_lists_is_an_account_overlap(agent: Agent) -> None:
    calls, text = run(agent, "Great Lakes Distribution vs our client and opportunity lists, "
                             "counts only")
    assert tools(calls) == ["account_overlap"]
    assert calls[0].input == {"partner": "P-0053", "counts_only": True}
    assert "Great Lakes Distribution" in text


def test_rate_with_the_account_map_is_a_score(agent: Agent) -> None:
    calls, _ = run(agent, "Rate Baltica Integrators off the account map overlap")
    assert tools(calls) == ["score_partner"]


def test_compare_the_account_overlap_runs_it_for_each_partner(agent: Agent) -> None:
    calls, text = run(agent, "Compare the account overlap of Baltica Integrators and "
                             "Great Lakes Distribution")
    assert [(c.name, c.input["partner"]) for c in calls] == [
        ("account_overlap", "P-0026"), ("account_overlap", "P-0053")]
    assert "Baltica Integrators" in text and "Great Lakes Distribution" in text


# -- documents ------------------------------------------------------------------------
def test_a_store_built_document_with_its_own_input_is_asked_for(agent: Agent) -> None:
    calls, _ = run(agent, "What does the NA partner landscape look like?")
    assert tools(calls) == ["landscape_map"] and calls[0].input.get("region") == "NA"


def test_a_store_built_document_asked_about_in_general_is_the_framework(agent: Agent) -> None:
    calls, _ = run(agent, "What kinds of firms go in tier C of the landscape map?")
    assert tools(calls) == ["search_framework"]


def test_the_document_whose_inputs_are_stated_wins_over_one_named_as_context(
        agent: Agent) -> None:
    calls, _ = run(agent, "Our thesis is 35% of ARR through partners in 3 years. Lay out "
                          "the 2027 quarter-by-quarter plan for Acme Corp, starting with "
                          "Ledgerline Systems and Kestrelon Digital.")
    assert tools(calls) == ["partnership_roadmap"]
    assert calls[0].input["year"] == 2027 and calls[0].input["partner_led_share_pct"] == 35


def test_a_passive_drafting_verb_asks_for_nothing() -> None:
    assert has_draft_verb("Write the thesis for Acme")
    assert not has_draft_verb("What goes in it before the term sheet is written?")
    assert document_nouns("the value-capture questions") == ["value_canvas"]


def test_a_question_about_a_document_about_to_be_written_is_the_framework(
        agent: Agent) -> None:
    calls, _ = run(agent, "What value-capture points must be settled before our "
                          "deal economics are written?")
    assert tools(calls) == ["search_framework"]


def test_a_statement_naming_a_document_asks_for_it(agent: Agent) -> None:
    calls, _ = run(agent, "Begin a value canvas for Kestrelon Digital. We're Northwind Labs; "
                          "their win is a new managed-services line.")
    assert tools(calls) == ["value_canvas"]


def test_sponsor_pairings_in_shorthand_route_to_the_relationship_map(agent: Agent) -> None:
    calls, text = run(agent, "Ledgerline Systems -> Ana Ruiz (CRO) w/ our CPO, monthly; "
                             "Ashcombe Whitley Advisory -> Tom Vale (COO) w/ our CEO, "
                             "quarterly")
    assert tools(calls) == ["relationship_map"]
    assert len(calls[0].input["pairings"]) == 2
    assert "Ledgerline Systems: Ana Ruiz (CRO) with our CPO" in text  # covered ones shown


def test_pairings_after_a_lead_in_are_all_read() -> None:
    found = pairings("Here are the sponsors: Ledgerline Systems - Ana Ruiz, CRO, with our "
                     "CPO, monthly; Tessaract Global Services - Li Wei, VP, with CEO, "
                     "quarterly")
    assert [(p["partner"], p["our_counterpart"]) for p in found] == [
        ("Ledgerline Systems", "CPO"), ("Tessaract Global Services", "CEO")]


def test_money_after_a_comma_keeps_its_role() -> None:
    facts = dashboard_facts("month 6, ttm rev 50m, 7.5m from partners, 2m invested")
    assert facts["partner_sourced_revenue_usd"] == 7_500_000
    assert facts["investment_usd"] == 2_000_000


def test_a_short_label_does_not_take_a_longer_labels_clause() -> None:
    labels = {"company": ("company",), "total_revenue_usd": ("company revenue",)}
    found = labelled("Acme, month 3. Company revenue $20M", labels)
    assert "company" not in found and found["total_revenue_usd"] == "$20M"


# -- follow-ups -----------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("what drove that?", True),
    ("what is that based on?", True),
    ("where does that figure come from?", True),
    ("What fee does that model pay?", False),  # a question about the referent
    ("Remind me what rule drives that.", False),  # the framework's rule
    ("what about with 4 certs?", False),  # a what-if
])
def test_what_counts_as_asking_for_the_reason(text: str, expected: bool) -> None:
    assert asks_reason(text) is expected


def test_what_drove_that_is_answered_from_the_last_review(agent: Agent) -> None:
    session = Session()
    run(agent, "Review Orrin Velasco Systems' tier as of 2026-Q3", session)
    calls, text = run(agent, "what drove that?", session)
    assert calls == []  # nothing recomputed
    assert "demote" in text and "two consecutive misses" in text
