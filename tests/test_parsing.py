"""The one parser module: strict field parsers, quarter arithmetic, and the free-text finders."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.errors import FrameworkError
from tools.parsing import (
    format_usd,
    last_completed_quarters,
    normalise_quarter,
    parse_amount,
    parse_quarter,
    parse_usd,
    quarter_end,
    quarter_for_date,
)


@pytest.mark.parametrize(("amount", "text"), [(2_000_000, "$2M"), (1_700_000, "$1.7M"),
                                              (500_000, "$500K"), (499_999, "$499,999")])
def test_format_usd(amount: float, text: str) -> None:
    assert format_usd(amount) == text


@pytest.mark.parametrize(("text", "value"), [
    ("1.2M", 1_200_000), ("$500K", 500_000), ("2,000,000", 2_000_000), ("750", 750),
    ("$1.5m", 1_500_000), ("USD 2.5M", 2_500_000), ("1.2 million", 1_200_000),
    ("2 000 000", 2_000_000), ("1.2M USD", 1_200_000), (" $ 1,200,000 ", 1_200_000),
    ("half a million", 500_000),
])
def test_parse_usd(text: str, value: float) -> None:
    assert parse_usd(text, "pipeline_usd") == value


@pytest.mark.parametrize("text", ["lots", "-5", "5 or 6", "12%", "", "Q3 2026", "$"])
def test_parse_usd_rejects_anything_but_one_amount_and_names_the_field(text: str) -> None:
    assert parse_amount(text) is None
    with pytest.raises(FrameworkError) as info:
        parse_usd(text, "pipeline_usd")
    assert info.value.field == "pipeline_usd"


@given(st.integers(0, 10**10))
def test_format_then_parse_is_the_amount(amount: int) -> None:
    assert parse_usd(format_usd(amount)) == amount


@pytest.mark.parametrize(("text", "quarter"), [("2026-Q3", (2026, 3)), ("Q3 2026", (2026, 3)),
                                               ("2026q3", (2026, 3)), ("q4-2025", (2025, 4))])
def test_parse_quarter(text: str, quarter: tuple[int, int]) -> None:
    assert parse_quarter(text) == quarter
    assert normalise_quarter(text) == f"{quarter[0]}-Q{quarter[1]}"


@pytest.mark.parametrize("text", ["2026-Q5", "Q3", "third quarter", "2026"])
def test_parse_quarter_rejects_non_quarters(text: str) -> None:
    with pytest.raises(ValueError, match="2026-Q3"):
        parse_quarter(text)


def test_quarter_arithmetic() -> None:
    assert quarter_end("2026-Q1") == date(2026, 3, 31)
    assert quarter_end("Q2 2026") == date(2026, 6, 30)
    assert last_completed_quarters(date(2026, 9, 29), 1) == [(2026, 2)]
    assert last_completed_quarters(date(2026, 9, 30), 1) == [(2026, 3)]
    assert last_completed_quarters(date(2026, 1, 15), 2) == [(2025, 3), (2025, 4)]
    assert quarter_for_date(date(2026, 1, 15)) == "2025-Q4"
    assert quarter_for_date(date(2026, 12, 31)) == "2026-Q4"


