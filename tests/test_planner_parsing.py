"""Money, number, percent, quarter and date parsers of the offline planner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.parsing import (
    find_amounts,
    find_quarters,
    format_money,
    parse_date,
    parse_money,
    parse_number,
    parse_percent,
    parse_quarter_text,
)


@pytest.mark.parametrize(("text", "value"), [
    ("$1.2M pipeline", 1_200_000),
    ("1.2 million", 1_200_000),
    ("$500K", 500_000),
    ("500k", 500_000),
    ("2,000,000", 2_000_000),
    ("usd 300k", 300_000),
    ("300k USD", 300_000),
    ("$2bn", 2_000_000_000),
    ("1.5 billion", 1_500_000_000),
    ("$750 thousand", 750_000),
    ("$99,999", 99_999),
    ("a pipeline of 4 certified and $1.1M", 1_100_000),
    ("a million dollars", 1_000_000),
    ("half a million", 500_000),
    ("two hundred thousand", 200_000),
    ("twenty five million", 25_000_000),
])
def test_money(text: str, value: float) -> None:
    assert parse_money(text) == value


@pytest.mark.parametrize("text", ["", "no figures here", "Q3 2026", "as of 2026-09-30", "30%"])
def test_no_money(text: str) -> None:
    assert parse_money(text) is None


def test_numbers_inside_quarters_dates_and_percents_are_not_amounts() -> None:
    text = "In Q3 2026 (as of 2026-09-30) share was 30% and pipeline $2M"
    assert [a.value for a in find_amounts(text)] == [2_000_000]


def test_a_letter_after_m_is_not_a_multiplier() -> None:
    assert [a.value for a in find_amounts("5 members")] == [5]


@pytest.mark.parametrize(("text", "value"), [
    ("80", 80), ("five certified", 5), ("twenty-two people", 22), ("forty five", 45),
    ("score 72.5", 72.5), ("eleven", 11),
])
def test_number(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("30%", 30), ("share 25 percent", 25), ("12.5 per cent", 12.5), ("15 pct", 15),
])
def test_percent(text: str, value: float) -> None:
    assert parse_percent(text) == value


@pytest.mark.parametrize(("text", "quarter"), [
    ("Q3 2026", "2026-Q3"), ("2026-Q3", "2026-Q3"), ("2026Q1", "2026-Q1"),
    ("q4/2025", "2025-Q4"), ("Q2'26", "2026-Q2"), ("third quarter of 2026", "2026-Q3"),
    ("the 1st quarter 2027", "2027-Q1"),
])
def test_quarter(text: str, quarter: str) -> None:
    assert parse_quarter_text(text) == quarter


def test_quarters_in_order() -> None:
    assert [q for _, q in find_quarters("Q1 2026 then 2026-Q2")] == ["2026-Q1", "2026-Q2"]


@pytest.mark.parametrize(("text", "day"), [
    ("as of 2026-09-30", date(2026, 9, 30)),
    ("as of 2026/06/30", date(2026, 6, 30)),
    ("30 September 2026", date(2026, 9, 30)),
    ("Sept 30, 2026", date(2026, 9, 30)),
    ("1st of March 2026", date(2026, 3, 1)),
    ("end of Q2 2026", date(2026, 6, 30)),
    ("end of Q4 2025", date(2025, 12, 31)),
])
def test_date(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize("text", ["2026-02-30", "31 June 2026", "no date", ""])
def test_invalid_or_missing_dates(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(("value", "text"), [
    (1_200_000, "$1.2M"), (500_000, "$500K"), (2_000_000, "$2M"), (950, "$950"),
    (2_500_000_000, "$2.5B"),
])
def test_format_money(value: float, text: str) -> None:
    assert format_money(value) == text


# -- properties -------------------------------------------------------------------------
hundredths = st.integers(min_value=1, max_value=99_999).map(lambda n: Decimal(n) / 100)


@given(hundredths)
def test_millions_round_trip_in_every_spelling(millions: Decimal) -> None:
    value = float(millions * 1_000_000)
    short = f"{millions.normalize():f}"
    assert parse_money(f"${short}M pipeline") == value
    assert parse_money(f"{short} million") == value
    assert parse_money(f"pipeline of {int(millions * 1_000_000):,}") == value
    assert parse_money(f"{short}m USD") == value


@given(st.integers(min_value=1, max_value=999_999))
def test_thousands_round_trip(thousands: int) -> None:
    assert parse_money(f"${thousands}K") == thousands * 1000
    assert parse_money(f"{thousands} thousand dollars") == thousands * 1000
    assert parse_money(f"${thousands * 1000:,}") == thousands * 1000


@given(st.integers(min_value=0, max_value=10**12))
def test_format_money_parses_back(value: int) -> None:
    assert parse_money(format_money(value)) == value


@given(st.integers(min_value=0, max_value=100))
def test_bare_integers(value: int) -> None:
    assert parse_number(str(value)) == value


@given(st.text(max_size=300))
def test_parsers_never_crash_on_arbitrary_text(text: str) -> None:
    for parser in (parse_money, parse_number, parse_percent, parse_quarter_text, parse_date):
        result = parser(text)
        assert result is None or isinstance(result, float | str | date)
    for amount in find_amounts(text):
        assert amount.value >= 0 and 0 <= amount.start < amount.end <= len(text)


@given(st.integers(min_value=2000, max_value=2099), st.integers(min_value=1, max_value=4))
def test_quarter_spellings_agree(year: int, quarter: int) -> None:
    expected = f"{year}-Q{quarter}"
    for text in (f"Q{quarter} {year}", f"{year}-Q{quarter}", f"{year}Q{quarter}",
                 f"q{quarter}/{year}"):
        assert parse_quarter_text(text) == expected
