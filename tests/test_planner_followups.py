"""Follow-ups in context on a real store: "Why?" from the last result, "Compare A and B"."""

from __future__ import annotations

from typing import Any

import pytest

from agent.core import Agent
from agent.events import FinalAnswer, ToolCall, ToolResult
from agent.planner.followups import is_why
from agent.session import Session

SCORE = ("Score a partner with ICP overlap 80, market influence 70, practice alignment 60, "
         "partnership appetite 90 and revenue potential 50")


@pytest.fixture(scope="module")
def agent(indexed_agent: Agent) -> Agent:
    """The offline agent on the shared indexed store (read only here)."""
    return indexed_agent


def answer(agent: Agent, message: str, session: Session) -> tuple[str, list[Any]]:
    events = list(agent.stream(message, session))
    final = [e for e in events if isinstance(e, FinalAnswer)]
    return (final[-1].text if final else ""), events


def test_why_after_a_score_explains_it_from_the_weighted_parts(agent: Agent) -> None:
    session = Session()
    answer(agent, SCORE, session)
    text, events = answer(agent, "Why?", session)
    assert "outside what I can help with" not in text
    assert "72" in text and "weighted sum" in text
    assert "ICP overlap (24 points)" in text and "revenue potential (5 points)" in text
    assert not [e for e in events if isinstance(e, ToolCall)]  # nothing recomputed


def test_why_after_a_tier_review_gives_the_review_reason(agent: Agent) -> None:
    session = Session()
    _, events = answer(agent, "Review the tier of Ashcombe Whitley Advisory", session)
    [review] = [e for e in events if isinstance(e, ToolResult)]
    text, _ = answer(agent, "why is that?", session)
    assert review.output["reason"] in text and review.output["action"] in text


def test_why_with_nothing_before_is_not_made_up(agent: Agent) -> None:
    text, events = answer(agent, "Why?", Session())
    assert "because" not in text.lower() or "weighted" not in text
    assert not [e for e in events if isinstance(e, ToolCall)]


def test_compare_two_partners_scores_and_reviews_both(agent: Agent) -> None:
    text, events = answer(agent, "Compare Ashcombe Whitley Advisory and Brantwood Kessler LLP",
                          Session())
    calls = [(e.name, e.input.get("partner")) for e in events if isinstance(e, ToolCall)]
    assert calls == [("score_partner", "P-0001"), ("review_tier", "P-0001"),
                     ("score_partner", "P-0002"), ("review_tier", "P-0002")]
    assert "| Partner | Score | Band | Tier | Review |" in text
    assert "Ashcombe Whitley Advisory (P-0001)" in text
    assert "Brantwood Kessler LLP (P-0002)" in text
    scores = [e.output["result"]["score"] for e in events
              if isinstance(e, ToolResult) and e.name == "score_partner"]
    assert all(f"{s:g}" in text for s in scores)


def test_compare_by_ids_and_a_single_partner_is_not_a_comparison(agent: Agent) -> None:
    _, events = answer(agent, "Compare P-0002 vs P-0003", Session())
    assert [e.input.get("partner") for e in events if isinstance(e, ToolCall)] == [
        "P-0002", "P-0002", "P-0003", "P-0003"]
    _, events = answer(agent, "Compare Ashcombe Whitley Advisory", Session())
    assert len([e for e in events if isinstance(e, ToolCall)]) <= 1


@pytest.mark.parametrize(("text", "expected"), [
    ("Why?", True), ("why is that?", True), ("How come?", True), ("and why?", True),
    ("Why does a partner get demoted after two quarters?", False),
    ("why not", True), ("Score a partner", False)])
def test_what_counts_as_a_short_why(text: str, expected: bool) -> None:
    assert is_why(text) is expected


DASHBOARD = ("Board dashboard for Corvid Labs, 2026-Q4, month 12: total revenue $20M, "
             "partner-sourced revenue $2M, $1M invested, 50 active partnerships")


def test_a_longer_why_names_the_dashboard_line_it_asks_about(agent: Agent) -> None:
    session = Session()
    _, events = answer(agent, DASHBOARD, session)
    [result] = [e for e in events if isinstance(e, ToolResult)]
    doc = result.output["document"]
    assert (doc["roi_pct"], doc["roi_goal_to_date_pct"]) == (100.0, 60.0)  # (2-1)/1; 300x12/60
    text, events = answer(agent, "why is ROI on track when the goal is 300%?", session)
    assert "60%" in text and "100%" in text and "on track" in text
    assert not [e for e in events if isinstance(e, ToolCall)]


def test_a_why_about_nothing_in_the_last_result_is_a_new_question(agent: Agent) -> None:
    session = Session()
    answer(agent, DASHBOARD, session)
    _, events = answer(agent, "why do Platinum partners need a dedicated practice?", session)
    assert [e.name for e in events if isinstance(e, ToolCall)] == ["search_framework"]


def test_how_does_b_compare_reruns_the_last_call_for_b_beside_a(agent: Agent) -> None:
    session = Session()
    answer(agent, "Show Ashcombe Whitley Advisory", session)
    text, events = answer(agent, "and how does Ledgerline Systems compare?", session)
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [c.name for c in calls] == ["show_partner", "show_partner"]
    assert "Ledgerline Systems" in text and "Ashcombe Whitley Advisory" in text
