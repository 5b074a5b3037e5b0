"""Text and number normalisation shared by the graders.

Answers and expected facts are compared as token lists: words lower-cased, punctuation
dropped, ``%`` kept, and every number rewritten to one canonical form, so ``$2M``,
``$2,000,000``, ``2 million`` and ``2000000`` are the same token and ``75.0`` equals ``75``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from tools.parsing import MULTIPLIERS

_MULTIPLIERS = {unit: Decimal(size) for unit, size in MULTIPLIERS.items()}
# A number, not the tail of an id such as D-001 or P-0042, and not the 3 of "Q3".
NUMBER = re.compile(
    r"(?<![A-Za-z]-)(?<![\w.])(?P<money>\$|usd ?)?(?P<int>\d{1,3}(?:,\d{3})+|\d+)"
    r"(?P<frac>\.\d+)?(?: ?(?P<unit>thousand|million|billion|bn|mm|mn|k|m|b))?(?![\w])",
    re.IGNORECASE,
)
_TOKEN = re.compile(
    NUMBER.pattern + r"|(?P<word>[^\W\d_][\w]*)|(?P<digits>\d+)|(?P<pct>%)", re.IGNORECASE
)
_ENUMERATOR = re.compile(r"^\s*(?:[-*]\s*)?\d{1,2}[.)]\s", re.MULTILINE)


def canonical(value: Decimal | float | int) -> str:
    """One text form per number: no exponent, no trailing zeros (``75.0`` -> ``75``)."""
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _value(match: re.Match[str]) -> Decimal:
    digits = match.group("int").replace(",", "") + (match.group("frac") or "")
    number = Decimal(digits)
    unit = (match.group("unit") or "").lower()
    return number * _MULTIPLIERS.get(unit, Decimal(1))


def tokens(text: str) -> list[str]:
    """The comparable tokens of a text (see the module docstring)."""
    found: list[str] = []
    for match in _TOKEN.finditer(text):
        if match.group("int"):
            found.append(canonical(_value(match)))
        elif match.group("word"):
            found.append(match.group("word").lower())
        elif match.group("digits"):
            found.append(match.group("digits"))
        else:
            found.append("%")
    return found


def contains(haystack: str, needle: str) -> bool:
    """Whether ``needle`` appears in ``haystack`` as a run of whole tokens."""
    want = tokens(needle)
    if not want:
        return needle.strip() == ""
    have = tokens(haystack)
    width = len(want)
    return any(have[i:i + width] == want for i in range(len(have) - width + 1))


def numbers_in(text: str, skip_enumerators: bool = False) -> list[Decimal]:
    """Every number stated in ``text``, as values (``$1.2M`` -> 1200000)."""
    if skip_enumerators:
        text = _ENUMERATOR.sub(" ", text)
    return [_value(m) for m in NUMBER.finditer(text)]


def numbers_in_data(data: Any) -> Iterator[Decimal]:
    """Every number in JSON-like data: numeric values and numbers written inside strings."""
    if isinstance(data, bool) or data is None:
        return
    if isinstance(data, int | float):
        try:
            yield Decimal(str(data))
        except InvalidOperation:
            return
    elif isinstance(data, str):
        yield from numbers_in(data)
    elif isinstance(data, dict):
        for key, item in data.items():
            yield from numbers_in(str(key))
            yield from numbers_in_data(item)
    elif isinstance(data, list | tuple):
        for item in data:
            yield from numbers_in_data(item)


def close(stated: Decimal, source: Decimal) -> bool:
    """Whether a stated number is the source number, allowing display rounding.

    Scores must match to 0.05 (so 74.9 is not 75.0); amounts of 1,000 or more may be
    rounded by up to 0.5% (``$1.23M`` for 1,234,567).
    """
    diff = abs(stated - source)
    if diff <= Decimal("0.05"):
        return True
    return abs(source) >= 1000 and diff <= abs(source) * Decimal("0.005")


def values_match(expected: Any, actual: Any) -> bool:
    """Compare an expected value with an actual one, leniently on format, strictly on meaning.

    Numbers compare by value (a numeric string counts), strings by tokens, lists as
    "every expected item matches some actual item", dicts as a recursive subset.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or (isinstance(actual, str) and str(expected).lower() == actual)
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        found = _as_number(actual)
        return found is not None and abs(found - Decimal(str(expected))) <= Decimal("0.001")
    if isinstance(expected, str):
        if actual is None:
            return expected.lower() in ("none", "null")
        return tokens(expected) == tokens(str(actual))
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and values_match(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        items = actual if isinstance(actual, list) else [actual]
        return all(any(values_match(e, a) for a in items) for e in expected)
    return bool(expected == actual)


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        found = numbers_in(value)
        return found[0] if len(found) == 1 else None
    return None


def find_key(data: Any, key: str) -> list[Any]:
    """Values under ``key`` anywhere in JSON-like data, shallowest first.

    A dotted key (``result.score``) is followed as a path from the top; when the path does
    not start at the top (a document tool's output nests it under ``document``), it is
    followed from each place its first part is found, shallowest first.
    """
    if "." in key:
        head, _, rest = key.partition(".")
        path = _follow(data, key.split("."))
        if path:
            return path
        return [v for start in find_key(data, head) for v in _follow(start, rest.split("."))]
    found: list[Any] = []
    level = [data]
    while level:
        nxt: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                if key in item:
                    found.append(item[key])
                nxt.extend(item.values())
            elif isinstance(item, list):
                nxt.extend(item)
        level = nxt
    return found


def _follow(data: Any, parts: list[str]) -> list[Any]:
    current = data
    for part in parts:
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return []
    return [current]


CODE_SPAN_RE = re.compile(r"`[^`\n]*`")


def without_code(text: str) -> str:
    """``text`` without inline code spans: file paths and ids, not claims to ground."""
    return CODE_SPAN_RE.sub(" ", text)
