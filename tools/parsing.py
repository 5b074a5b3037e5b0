"""One home for how figures are written: money, counts, percents, quarters and dates.

* **Finders** read free text the way executives write it and are total: arbitrary text
  gives ``None`` (or an empty list), never an exception (:func:`parse_money`,
  :func:`parse_percent`, :func:`find_quarters`, :func:`parse_date`, ...). The offline
  planner reads messages with them.
* **Strict parsers** read one field's value, the whole of it, and name the field when it is
  not what it should be (:func:`parse_usd`, :func:`parse_amount`, :func:`parse_quarter`).
  The CLI flags, the partner importer and the tool inputs use them.

Amounts are computed with :class:`~decimal.Decimal`, so ``"$1.2M"`` is exactly 1,200,000.
Both kinds accept the same spellings: ``1.2M``, ``$500K``, ``2,000,000``, ``1.2 million``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from tools.errors import FrameworkError, shown

UNITS = {
    "zero": 0, "no": 0, "none": 0, "one": 1, "a": 1, "an": 1, "single": 1, "two": 2,
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
#: Words that may stand for a count in "five certified" (not "a", "no": too ambiguous alone).
COUNT_WORDS = {k: v for k, v in UNITS.items() if k not in {"a", "an", "no", "none", "single"}}
MULTIPLIERS = {
    "k": 10**3, "thousand": 10**3, "grand": 10**3,
    "m": 10**6, "mm": 10**6, "mn": 10**6, "mil": 10**6, "million": 10**6, "millions": 10**6,
    "b": 10**9, "bn": 10**9, "billion": 10**9,
}
MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
ORDINAL_QUARTERS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
                    "fourth": 4, "4th": 4, "last": 4}

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_MULT = r"k|mm|mn|m|bn|b|thousand|grand|millions?|mil|billion"
CURRENCY_PREFIX = r"\$|usd\s?|us\$"  # before an amount (any case); a space may follow
AMOUNT_RE = re.compile(
    rf"(?P<cur>{CURRENCY_PREFIX})?\s?(?P<num>{_NUM})\s?(?P<mult>{_MULT})?(?![\w%])"
    rf"(?P<cur2>\s?(?:usd|dollars))?", re.IGNORECASE)
PERCENT_RE = re.compile(rf"(?P<num>{_NUM})\s?(?:%|per\s?cent\b|pct\b)", re.IGNORECASE)
WORD_NUMBER_RE = re.compile(
    r"\b(?P<tens>" + "|".join(TENS) + r")(?:[\s-](?P<unit>" + "|".join(
        k for k in UNITS if UNITS[k] and UNITS[k] < 10 and k not in {"a", "an", "single"}
    ) + r"))?\b|\b(?P<word>" + "|".join(COUNT_WORDS) + r")\b",
    re.IGNORECASE,
)
QUARTER_PATTERNS = (
    re.compile(r"\b(?P<y>(?:19|20)\d{2})\s?[-/ ]?\s?q(?P<q>[1-4])\b", re.IGNORECASE),
    re.compile(r"\bq(?P<q>[1-4])\s?[-/ ,']?\s?(?P<y>(?:19|20)\d{2})\b", re.IGNORECASE),
    re.compile(r"\bq(?P<q>[1-4])\s?(?:fy|cy)?'?(?P<yy>\d{2})\b", re.IGNORECASE),
    re.compile(
        r"\b(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|last)\s+quarter\s+(?:of\s+)?"
        r"(?P<y>(?:19|20)\d{2})\b", re.IGNORECASE,
    ),
)
ISO_DATE_RE = re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b")
SLASH_DATE_RE = re.compile(r"\b(?P<y>(?:19|20)\d{2})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\b")
MONTH_NAME = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?"
DAY_MONTH_RE = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH_NAME}\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
MONTH_DAY_RE = re.compile(
    rf"\b{MONTH_NAME}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*,?\s*(?P<y>(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
END_OF_QUARTER_RE = re.compile(r"\b(?:end|close)\s+of\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Amount:
    """A number found in text.

    Args:
        value: The value, with any multiplier applied.
        start: Start offset in the text.
        end: End offset in the text.
        money: Whether it was written as money ($, USD, K/M/B or "million").
        raw: The text it was parsed from.
    """

    value: float
    start: int
    end: int
    money: bool
    raw: str


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def find_amounts(text: str) -> list[Amount]:
    """All numbers in ``text`` with their multipliers ("$1.2M", "2,000,000", "500K").

    Numbers that are part of a quarter ("Q3 2026"), a date or a percent are skipped.
    """
    if not isinstance(text, str):
        return []
    blocked = _blocked_spans(text)
    found: list[Amount] = []
    for match in AMOUNT_RE.finditer(text):
        start, end = match.span("num")
        if any(s <= start < e for s, e in blocked):
            continue
        number = _decimal(match.group("num"))
        if number is None:
            continue
        mult_word = (match.group("mult") or "").lower()
        if mult_word in {"m", "b", "k"} and not match.group("cur") and _looks_like_word(
            text, match.end("mult")
        ):
            mult_word = ""
        multiplier = MULTIPLIERS.get(mult_word, 1)
        money = bool(match.group("cur") or match.group("cur2") or multiplier != 1)
        value = number * multiplier
        found.append(Amount(float(value), match.start(), match.end(), money, match.group(0)))
    return found


WORD_MONEY_RE = re.compile(
    r"\b(?P<count>half an?|an?|" + "|".join(sorted({*COUNT_WORDS, *TENS}, key=len, reverse=True))
    + r")(?:[\s-](?P<unit>one|two|three|four|five|six|seven|eight|nine))?\s+"
    r"(?P<hundred>hundred\s+)?(?P<mult>thousand|million|billion)\b", re.I)


def find_word_amounts(text: str) -> list[Amount]:
    """Money written in words: "a million", "half a million", "two hundred thousand"."""
    if not isinstance(text, str):
        return []
    found = []
    for match in WORD_MONEY_RE.finditer(text):
        word = match.group("count").lower()
        if word.startswith("half"):
            count = Decimal("0.5")
        elif word in ("a", "an"):
            count = Decimal(1)
        else:
            count = Decimal(TENS.get(word) or COUNT_WORDS[word])
            if match.group("unit"):
                count += UNITS[match.group("unit").lower()]
        if match.group("hundred"):
            count *= 100
        value = count * MULTIPLIERS[match.group("mult").lower()]
        found.append(Amount(float(value), match.start(), match.end(), True, match.group(0)))
    return found


def _looks_like_word(text: str, end: int) -> bool:
    """A single-letter multiplier glued to a following letter is not a multiplier."""
    return end < len(text) and text[end].isalpha()


def _blocked_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for pattern in (*QUARTER_PATTERNS, ISO_DATE_RE, SLASH_DATE_RE, DAY_MONTH_RE, MONTH_DAY_RE,
                    PERCENT_RE):
        spans.extend(m.span() for m in pattern.finditer(text))
    return spans


def parse_money(text: str) -> float | None:
    """The first money amount in ``text`` ("$1.2M", "1.2 million", "$500K", "2,000,000").

    A bare number counts when nothing better is present; returns None when there is none.
    """
    amounts = sorted(find_amounts(text) + find_word_amounts(text), key=lambda a: a.start)
    if not amounts:
        return None
    money = [a for a in amounts if a.money]
    return (money or amounts)[0].value


def parse_number(text: str) -> float | None:
    """The first number in ``text``, written in digits or words ("80", "five", "twenty-two")."""
    amounts = find_amounts(text)
    words = find_word_numbers(text)
    candidates = [(a.start, a.value) for a in amounts] + [(s, v) for s, _, v in words]
    if not candidates:
        return None
    return float(min(candidates)[1])


def find_word_numbers(text: str) -> list[tuple[int, int, int]]:
    """Numbers written as words: ``(start, end, value)`` for "five", "twenty-two", ..."""
    if not isinstance(text, str):
        return []
    out = []
    for match in WORD_NUMBER_RE.finditer(text):
        if match.group("tens"):
            value = TENS[match.group("tens").lower()]
            if match.group("unit"):
                value += UNITS[match.group("unit").lower()]
        else:
            value = COUNT_WORDS[match.group("word").lower()]
        out.append((match.start(), match.end(), value))
    return out


def parse_percent(text: str) -> float | None:
    """The first percent in ``text`` ("30%", "30 percent", "12.5 per cent")."""
    if not isinstance(text, str):
        return None
    match = PERCENT_RE.search(text)
    if not match:
        return None
    number = _decimal(match.group("num"))
    return None if number is None else float(number)


def find_quarters(text: str) -> list[tuple[int, str]]:
    """All quarters in ``text`` as ``(offset, "YYYY-QN")``, in order of appearance."""
    if not isinstance(text, str):
        return []
    found: dict[int, str] = {}
    for pattern in QUARTER_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            if groups.get("ord"):
                quarter = ORDINAL_QUARTERS[groups["ord"].lower()]
            else:
                quarter = int(groups["q"])
            year = int(groups["y"]) if groups.get("y") else 2000 + int(groups["yy"])
            if not any(abs(match.start() - k) < 3 for k in found):
                found[match.start()] = f"{year}-Q{quarter}"
    return sorted(found.items())


def parse_quarter_text(text: str) -> str | None:
    """The first quarter in ``text`` as ``YYYY-QN`` ("Q3 2026", "2026-Q3", "Q3'26")."""
    quarters = find_quarters(text)
    return quarters[0][1] if quarters else None


def quarter_end(quarter: str) -> date:
    """Last day of a quarter written as :func:`parse_quarter` reads it (``"2026-Q3"``).

    Raises:
        ValueError: When the text is not a quarter.
    """
    return last_day_of_quarter(*parse_quarter(quarter))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(text: str) -> date | None:
    """The first calendar date in ``text``.

    Reads ``2026-09-30``, ``2026/09/30``, ``30 September 2026``, ``Sept 30, 2026``, and
    ``end of Q3 2026`` (the quarter's last day). Returns None when there is no valid date.
    """
    if not isinstance(text, str):
        return None
    hits: list[tuple[int, date]] = []
    for pattern in (ISO_DATE_RE, SLASH_DATE_RE):
        for m in pattern.finditer(text):
            found = _safe_date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            if found:
                hits.append((m.start(), found))
    for pattern in (DAY_MONTH_RE, MONTH_DAY_RE):
        for m in pattern.finditer(text):
            month = MONTHS[m.group("mon").lower()[:3]]
            found = _safe_date(int(m.group("y")), month, int(m.group("d")))
            if found:
                hits.append((m.start(), found))
    for offset, quarter in find_quarters(text):
        before = text[max(0, offset - 12):offset]
        if END_OF_QUARTER_RE.search(before):
            hits.append((offset, quarter_end(quarter)))
    if not hits:
        return None
    return min(hits, key=lambda h: h[0])[1]


def format_money(value: float) -> str:
    """Short money text for narration: ``$1.2M``, ``$500K``, ``$950``."""
    amount = Decimal(str(value))
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(amount) >= size:
            scaled = (amount / size).normalize()
            return f"${scaled:f}{suffix}"
    return f"${amount.normalize():f}"


# --- strict parsers: one field's whole value ----------------------------------------------

QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_COMPACT_QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")
_SWAPPED_QUARTER_RE = re.compile(r"^Q([1-4])-?(\d{4})$")
_DIGIT_GAP_RE = re.compile(r"(?<=\d)[\s_](?=\d)")


def parse_amount(text: str) -> float | None:
    """The amount ``text`` is, as a whole ("1.2M", "$500K", "2,000,000", "1.2 million").

    Digit groups may also be separated by spaces or underscores (``2 000 000``). Returns
    None when the text is anything but exactly one finite amount (so ``"-5"``, ``"lots"``,
    ``"5 or 6"`` and a 400-digit number are None).
    """
    if not isinstance(text, str):
        return None
    for candidate in (text.strip(), _DIGIT_GAP_RE.sub("", text.strip())):
        whole = [a for a in find_amounts(candidate) + find_word_amounts(candidate)
                 if a.start == 0 and a.end == len(candidate)]
        if whole:  # a 400-digit amount is no amount: float() makes it infinite
            return whole[0].value if math.isfinite(whole[0].value) else None
    return None


def parse_usd(text: str, field: str = "amount") -> float:
    """Parse ``1.2M``, ``$500K``, ``2,000,000``, ``1.2 million`` or ``750`` into dollars.

    Raises:
        FrameworkError: Naming ``field`` when the text is not an amount.
    """
    if (value := parse_amount(text)) is None:
        raise FrameworkError(field, "must be an amount like 500000, 500K or $1.2M", text)
    return value


def format_usd(amount: float) -> str:
    """Short money text: ``$2M``, ``$1.7M``, ``$500K``, ``$499,999``."""
    value = round(amount)
    if value >= 1_000_000 and value % 10_000 == 0:
        return f"${value / 1_000_000:g}M"
    if value >= 1_000 and value % 1_000 == 0:
        return f"${value // 1_000:,}K"
    return f"${value:,}"


def parse_quarter(value: str) -> tuple[int, int]:
    """Parse ``"2026-Q3"`` (also ``"Q3 2026"``, ``"2026Q3"``) into ``(2026, 3)``.

    Raises:
        ValueError: When the text is not a quarter.
    """
    text = value.strip().upper().replace(" ", "")
    match = QUARTER_RE.match(text) or _COMPACT_QUARTER_RE.match(text)
    if match:
        return int(match.group(1)), int(match.group(2))
    swapped = _SWAPPED_QUARTER_RE.match(text)
    if swapped:
        return int(swapped.group(2)), int(swapped.group(1))
    raise ValueError(f"quarter must look like 2026-Q3, got {shown(value)}")


def normalise_quarter(value: str | None) -> str | None:
    """``"Q3 2026"`` -> ``"2026-Q3"``; empty or None -> None."""
    return "{}-Q{}".format(*parse_quarter(value)) if value else None


def last_day_of_quarter(year: int, quarter: int) -> date:
    """Last day of a calendar quarter."""
    return date(year, quarter * 3, 31 if quarter in (1, 4) else 30)


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    """The quarter before ``(year, quarter)``."""
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def last_completed_quarters(as_of: date, count: int) -> list[tuple[int, int]]:
    """The ``count`` most recent calendar quarters that ended on or before ``as_of``."""
    year, q = as_of.year, (as_of.month - 1) // 3 + 1
    if last_day_of_quarter(year, q) > as_of:
        year, q = previous_quarter(year, q)
    found = [(year, q)][:count]
    while len(found) < count:
        found.append(previous_quarter(*found[-1]))
    return found[::-1]


def quarter_for_date(day: date) -> str:
    """The latest calendar quarter that has ended on or before ``day``, as ``YYYY-QN``."""
    [(year, q)] = last_completed_quarters(day, 1)
    return f"{year}-Q{q}"
