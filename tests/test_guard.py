from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from agent.events import Citation, ToolCall, ToolResult
from agent.guard import (
    UNVERIFIED,
    Facts,
    StreamGuard,
    extract_numbers,
    facts_from_events,
    guard_text,
)


def facts_of(*data: object) -> Facts:
    facts = Facts()
    for item in data:
        facts.add_data(item)
    return facts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$1.2M", 1_200_000),
        ("1.2 million", 1_200_000),
        ("2,000,000", 2_000_000),
        ("500K", 500_000),
        ("$2bn", 2_000_000_000),
        ("30%", 30),
        ("12.5 percent", 12.5),
        ("74.5", 74.5),
    ],
)
def test_extract_reads_money_percent_and_decimals(text: str, value: float) -> None:
    [mention] = extract_numbers(f"about {text} in total")
    assert mention.value == pytest.approx(value)


def test_percent_has_fraction_reading() -> None:
    [mention] = extract_numbers("a weight of 30%")
    assert mention.percent
    assert [v for v, _ in mention.readings()] == pytest.approx([30, 0.3])


def test_ids_quarters_dates_list_markers_and_years_are_not_checked() -> None:
    text = "1. Partner P-0001 in Q3 2026 met on 11/22.\n2) Then 2026-Q4 follows."
    assert extract_numbers(text, checked_only=True) == []


def test_range_shares_unit_and_currency() -> None:
    left, right = extract_numbers("fees of 10-20% and $5-10M")[:2]
    assert left.percent and right.percent
    money = extract_numbers("budget $5-10M")
    assert [m.value for m in money] == [5_000_000, 10_000_000]
    assert all(m.currency for m in money)


def test_grounded_numbers_pass_and_ungrounded_are_replaced() -> None:
    facts = facts_of({"score": 74.5, "weights": {"icp_overlap": 30}, "pipeline": 1_234_567})
    result = guard_text("Score 74.5, ICP weight 30%, pipeline $1.2M, growth 42%.", facts)
    assert result.ungrounded == ["42%"]
    assert result.text == f"Score 74.5, ICP weight 30%, pipeline $1.2M, growth {UNVERIFIED}."
    assert result.checked == 4


def test_rounding_tolerance_is_capped_at_five_percent() -> None:
    facts = facts_of({"score": 78.35, "pipeline": 1_400_000})
    assert guard_text("about 78", facts).ungrounded == []
    assert guard_text("about $1M", facts).ungrounded == ["$1M"]
    assert guard_text("about $1.4M", facts).ungrounded == []


def test_fraction_fact_grounds_percentage_and_list_length_grounds_count() -> None:
    facts = facts_of({"weight": 0.25, "partners": [{"id": "a"}, {"id": "b"}, {"id": "c"}]})
    assert guard_text("25% weight across 3 partners", facts).ungrounded == []
    assert guard_text("across 4 partners", facts).ungrounded == ["4"]


def test_facts_come_from_tool_inputs_results_citations_and_user_text() -> None:
    events = [
        ToolCall(call_id="1", name="score_partner", input={"icp_overlap": 80}),
        ToolResult(call_id="1", name="score_partner", output={"score": 71.5}),
        Citation(doc_id="d", title="T", section="S", snippet="promotion after 2 quarters"),
    ]
    facts = facts_from_events(events, ["my budget is $300K"])
    text = "ICP 80 gives 71.5; promotion after 2 quarters; budget $300K; fee 15%."
    assert guard_text(text, facts).ungrounded == ["15%"]


def test_a_tool_error_grounds_the_bounds_it_names() -> None:
    events = [
        ToolResult(call_id="1", name="score_partner", output=None,
                   error="icp_overlap: must be between 0 and 100 (got 120)"),
    ]
    facts = facts_from_events(events, [])
    assert guard_text("ICP overlap must be at most 100.", facts).ungrounded == []
    assert guard_text("ICP overlap must be at most 90.", facts).ungrounded == ["90"]


def test_stream_guard_holds_numbers_until_their_unit_arrives() -> None:
    facts = facts_of({"pipeline": 1_200_000})
    guard = StreamGuard(facts)
    shown = [guard.feed("Pipeline is 1.2"), guard.feed(" million. Next"),
             guard.feed(" we plan the first call with the team."), guard.flush()]
    # only the span with the number is held, until enough text follows it
    assert shown == ["Pipeline is ", "", "1.2 million. Next we plan the first call with the ",
                     "team."]


def test_stream_guard_knows_list_markers_only_at_line_start() -> None:
    facts = facts_of({})
    guard = StreamGuard(facts)
    out = guard.feed("Steps:\n") + guard.feed("1. Call. 7. Wait.\n") + guard.flush()
    assert out == f"Steps:\n1. Call. {UNVERIFIED}. Wait.\n"


@given(st.lists(st.text(alphabet="ab .,%$-0123456789MKusdUSD", max_size=40), max_size=6))
@example(["$ ", "0"])  # a currency sign and a space released before its number (found here)
@example(["total USD ", "7 now"])
def test_streamed_pieces_match_the_whole_text(pieces: list[str]) -> None:
    facts = facts_of({"a": 12, "b": 3.5, "c": 1_500_000})
    guard = StreamGuard(facts)
    streamed = "".join(guard.feed(p) for p in pieces) + guard.flush()
    assert streamed == guard_text("".join(pieces), facts).text


@given(st.integers(min_value=1, max_value=999), st.sampled_from(["K", "M", "B"]))
def test_money_written_any_way_is_grounded_by_its_value(amount: int, suffix: str) -> None:
    value = amount * {"K": 1e3, "M": 1e6, "B": 1e9}[suffix]
    facts = facts_of({"amount": value})
    word = {"K": "thousand", "M": "million", "B": "billion"}[suffix]
    for text in (f"${amount}{suffix}", f"{amount} {word}", f"${value:,.0f}"):
        assert guard_text(f"it is {text} now", facts).ungrounded == [], text
