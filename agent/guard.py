"""The numeric grounding guard: every number in an answer must come from this turn's facts.

Facts are the numbers in the turn's tool inputs and results, the cited passages, the drafted
documents and the user's own message. A number in the answer is *grounded* when one of its
readings matches a fact within the precision the answer states it at.

Decisions (documented here because evals and the UI rely on them):

* **Readings.** ``30%`` reads as 30 and 0.3; ``$1.2M`` / ``1.2 million`` / ``1,200,000`` all
  read as 1200000; ``500K`` as 500000; ``2bn`` as 2e9. A fact between 0 and 1 (a weight of
  0.3) also counts as its percentage (30), and a fact written with ``%`` also as a fraction.
  The length of every list in a tool result is a fact too ("5 partners found").
* **Precision.** An answer may round: ``78`` matches 78.35 and ``$1.2M`` matches 1,234,567,
  i.e. the tolerance is half a unit of the last digit shown, but never more than 5% of the
  value (so ``$1M`` does *not* match 1,400,000).
* **Not checked.** List numbering at the start of a line (``1.``, ``2)``), bare years
  1900-2100, and digits glued to letters or ids (``Q3``, ``P-0001``, ``H1``), dates and
  ratios written with ``/`` or ``:``.
* **What happens to an ungrounded number.** It is *replaced* by ``[unverified]`` (not
  silently removed), so the sentence still reads and the reader sees that a figure was
  withheld; the original text is listed in ``FinalAnswer.ungrounded``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

UNVERIFIED = "[unverified]"
MAX_RELATIVE_TOLERANCE = 0.05
_MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6,
    "b": 1e9, "bn": 1e9, "billion": 1e9,
}
NUMBER_RE = re.compile(
    r"(?<![A-Za-z_.\d/:])"
    r"(?P<cur>[$€£]\s?)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?![.,]?\d)(?!/\d)(?!:\d)"
    r"(?P<suffix>\s?(?:%|percent\b|per\s?cent\b)"
    r"|\s?(?:[kK]|MM|mn|[mM]|bn|[bB])(?![A-Za-z])"
    r"|\s(?:thousand|million|billion)\b)?"
)
_LIST_MARKER_RE = re.compile(r"^[ \t]*(?:[#>*-]+[ \t]*)?(\d+)[.)][ \t]", re.M)
_RANGE_GAP_RE = re.compile(r"^\s*(?:-|–|—|to)\s*$")
_SENTENCE_END_RE = re.compile(r"[.!?;:](?=\s)|\n")


@dataclass
class Mention:
    """One number found in a text, with the values it may stand for.

    Args:
        start: Offset of the first character (currency sign included).
        end: Offset after the last character (suffix included).
        raw: The text as written.
        base: The number without multiplier (``1.2`` in ``$1.2M``).
        decimals: Digits after the decimal point as written.
        multiplier: 1, 1e3, 1e6 or 1e9.
        percent: Written with ``%`` or "percent".
        currency: Written with a currency sign.
    """

    start: int
    end: int
    raw: str
    base: float
    decimals: int
    multiplier: float = 1.0
    percent: bool = False
    currency: bool = False

    @property
    def value(self) -> float:
        """The number the text states (``$1.2M`` -> 1200000)."""
        return self.base * self.multiplier

    def readings(self) -> list[tuple[float, float]]:
        """``(value, tolerance)`` pairs: the stated value, and a fraction for percentages."""
        unit = 0.5 * 10 ** (-self.decimals) * self.multiplier
        tol = min(unit, MAX_RELATIVE_TOLERANCE * abs(self.value)) if self.value else unit
        pairs = [(self.value, tol)]
        if self.percent:
            pairs.append((self.value / 100, tol / 100))
        return pairs

    @property
    def is_year(self) -> bool:
        """A bare integer that reads as a year."""
        plain = not (self.currency or self.percent or self.decimals) and self.multiplier == 1
        return plain and 1900 <= self.base <= 2100 and "," not in self.raw


def _suffix_info(suffix: str) -> tuple[float, bool]:
    word = suffix.strip().lower().replace(" ", "")
    if word in ("%", "percent", "percent."):
        return 1.0, True
    return _MULTIPLIERS.get(word, 1.0), False


def extract_numbers(text: str, *, checked_only: bool = False, line_prefix: str = ""
                    ) -> list[Mention]:
    """Every number in ``text``, with currency, percent and multiplier readings.

    Args:
        text: Any text.
        checked_only: Drop what the guard does not check (list markers, years).
        line_prefix: Text before ``text`` on its first line (when ``text`` is a streamed
            piece), so list markers are recognised only at a real line start.
    """
    shift = len(line_prefix)
    markers = {m.start(1) - shift for m in _LIST_MARKER_RE.finditer(line_prefix + text)}
    found: list[Mention] = []
    for match in NUMBER_RE.finditer(text):
        start = match.start("cur") if match.group("cur") else match.start("int")
        if start >= 2 and text[start - 1] in "-–" and text[start - 2].isalpha():
            continue  # an id such as P-0001
        multiplier, percent = _suffix_info(match.group("suffix") or "")
        frac = match.group("frac") or ""
        mention = Mention(
            start=start, end=match.end(), raw=match.group(0).strip(),
            base=float(match.group("int").replace(",", "") + ("." + frac if frac else "")),
            decimals=len(frac), multiplier=multiplier, percent=percent,
            currency=bool(match.group("cur")))
        if checked_only and (match.start("int") in markers or mention.is_year):
            continue
        found.append(mention)
    _share_range_units(text, found)
    return found


def _share_range_units(text: str, mentions: list[Mention]) -> None:
    """In ``$10-20M`` or ``30 to 40%`` both ends take the sign and the unit."""
    for left, right in zip(mentions, mentions[1:], strict=False):
        if not _RANGE_GAP_RE.match(text[left.end:right.start]):
            continue
        if left.multiplier == 1 and not left.percent and (right.multiplier != 1 or right.percent):
            left.multiplier, left.percent = right.multiplier, right.percent
        if left.currency and not right.currency:
            right.currency = True


@dataclass
class Facts:
    """The numbers a turn may state, kept sorted for lookup."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        """Add one number (and its percentage when it is a fraction)."""
        if not math.isfinite(value):
            return
        bisect.insort(self.values, value)
        if 0 < abs(value) <= 1:
            bisect.insort(self.values, value * 100)

    def add_text(self, text: str) -> None:
        """Add every number written in a text (percentages also as fractions)."""
        for mention in extract_numbers(text):
            self.add(mention.value)
            if mention.multiplier != 1:
                self.add(mention.base)
            if mention.percent:
                self.add(mention.value / 100)

    def add_data(self, data: Any) -> None:
        """Add every number in JSON-like data: values, numbers inside strings, list lengths."""
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json")
        if isinstance(data, bool) or data is None:
            return
        if isinstance(data, int | float):
            self.add(float(data))
        elif isinstance(data, str):
            self.add_text(data)
        elif isinstance(data, dict):
            for key, value in data.items():
                self.add_text(str(key))
                self.add_data(value)
        elif isinstance(data, list | tuple):
            self.add(float(len(data)))
            for item in data:
                self.add_data(item)

    def grounds(self, mention: Mention) -> bool:
        """Whether some reading of ``mention`` matches a fact within its precision."""
        for value, tol in mention.readings():
            i = bisect.bisect_left(self.values, value - tol - 1e-9)
            if i < len(self.values) and self.values[i] <= value + tol + 1e-9:
                return True
        return False


def facts_from_events(events: Iterable[Any], texts: Iterable[str] = ()) -> Facts:
    """Collect the facts of one turn.

    Args:
        events: The turn's events (tool calls and results, citations, documents).
        texts: Extra texts whose numbers count as given (the user's message).
    """
    facts = Facts()
    for text in texts:
        facts.add_text(text)
    for event in events:
        add_event_facts(facts, event)
    return facts


def add_event_facts(facts: Facts, event: Any) -> None:
    """Add the numbers one event contributes (text deltas and answers contribute none)."""
    kind = getattr(event, "type", None)
    if kind == "tool_call":
        facts.add_data(event.input)
    elif kind == "tool_result":
        facts.add_data(event.output)
        if event.error:
            facts.add_text(event.error)
    elif kind == "citation":
        facts.add_text(event.snippet)
    elif kind == "document":
        facts.add_data(event.model)
        facts.add_text(event.markdown)


class GuardResult(BaseModel):
    """The answer after the guard: ungrounded numbers replaced, and listed."""

    text: str
    ungrounded: list[str]
    checked: int


def guard_text(text: str, facts: Facts, line_prefix: str = "") -> GuardResult:
    """Replace every number in ``text`` that ``facts`` cannot ground with ``[unverified]``.

    Args:
        text: The answer (or a piece of it).
        facts: The turn's facts.
        line_prefix: Text already shown on the first line of ``text`` (streaming).
    """
    mentions = extract_numbers(text, checked_only=True, line_prefix=line_prefix)
    pieces: list[str] = []
    ungrounded: list[str] = []
    cursor = 0
    for mention in mentions:
        if facts.grounds(mention):
            continue
        ungrounded.append(mention.raw)
        pieces.append(text[cursor:mention.start])
        pieces.append(UNVERIFIED)
        cursor = mention.end
    pieces.append(text[cursor:])
    return GuardResult(text="".join(pieces), ungrounded=ungrounded, checked=len(mentions))


class StreamGuard:
    """Guards streamed text: holds it back to a sentence end, then releases it checked.

    A number can only be judged once its unit has arrived (``1.2`` then `` million``), so
    text is released at sentence boundaries (or a newline); :meth:`flush` releases the rest.
    """

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._buffer = ""
        self._line = ""

    def _release(self, ready: str) -> str:
        checked = guard_text(ready, self.facts, line_prefix=self._line).text
        self._line = (self._line + ready).rsplit("\n", 1)[-1]
        return checked

    def feed(self, delta: str) -> str:
        """Take a delta; return the checked text that can be shown now (maybe empty)."""
        self._buffer += delta
        ends = list(_SENTENCE_END_RE.finditer(self._buffer))
        if not ends:
            return ""
        cut = ends[-1].end()
        ready, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return self._release(ready)

    def flush(self) -> str:
        """Release whatever is held back, checked."""
        ready, self._buffer = self._buffer, ""
        return self._release(ready) if ready else ""
