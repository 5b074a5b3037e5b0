"""The numeric grounding guard: every number in an answer must come from this turn's facts.

Facts are the numbers in the turn's tool inputs and results, the cited passages, the drafted
documents and the user's own message. A number in the answer is *grounded* when one of its
readings matches a fact within the precision the answer states it at.

Decisions (documented here because evals and the UI rely on them):

* **Readings.** ``30%`` reads as 30 and 0.3; ``0.30`` as 0.3 and 30 (a weight written as a
  fraction); ``$1.2M`` / ``1.2 million`` / ``1,200,000`` all read as 1200000; ``500K`` as
  500000; ``2bn`` as 2e9; ``three`` as 3 (two to ninety-nine in words; "one" is not read).
  A fact written with ``%`` also counts as a fraction. Each item of a slash list
  (``35/25/20/10/10``) is checked. The length of every list in a tool result is a fact
  too ("5 partners found"); similarity and distance scores are not facts.
* **Precision.** An answer may round: ``78`` matches 78.35 and ``$1.2M`` matches 1,234,567,
  i.e. the fact must round to the number shown (half-up: 74.5 is "75", never "74"), and the
  tolerance is never more than 5% of the value (so ``$1M`` does *not* match 1,400,000).
* **Not checked.** List numbering at the start of a line (``1.``, ``2)``), bare years
  1900-2100, digits glued to letters or ids (``Q3``, ``P-0001``, ``H1``, ``5G``; ``10x`` is
  checked), dates
  (``2026-12-01``, ``December 1``, ``11/22``), ratios and times with ``:``, names
  (``Big 4``, ``Fortune 500``, ``24/7``, ``90-day plan``) and scales (``out of 100``,
  ``/10``, ``1-5 scale``).
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

from agent.numbers import (
    CHAIN_GAP_RE,
    UNCHECKED_RE,
    Mention,
    extract_numbers,
    next_noun,
    singular,
)
from tools.models import PARTNERSHIP_MODELS
from tools.parsing import CURRENCY_PREFIX
from tools.partners import Partner, Tier
from tools.scoring import CRITERIA
from tools.star import DIMENSIONS

__all__ = ["UNCHECKED_RE", "UNVERIFIED", "Facts", "GuardResult", "Mention", "StreamGuard",
           "add_event_facts", "extract_numbers", "facts_from_events", "guard_text"]

UNVERIFIED = "[unverified]"
# Counts the framework itself fixes ("the five criteria", "four STAR dimensions"): facts in
# every turn, keyed by the word they count.
FRAMEWORK_COUNTS: dict[str, float] = {
    "criteria": len(CRITERIA), "criterion": len(CRITERIA), "score": len(CRITERIA),
    "dimension": len(DIMENSIONS), "tier": len(Tier), "model": len(PARTNERSHIP_MODELS)}
NOISE_KEYS = frozenset({"distance", "similarity", "chunk_id"})
# A stored record's free text (a partner's name or description, as imported) is data, not a
# fact: "scores 100 ... 40% referral fee" in an imported description must not ground those
# figures. Only typed numeric fields of a result (and cited framework passages) do.
MIN_QUOTE_CHARS = 24
DATA_TEXT_KEYS = frozenset(name for name, info in Partner.model_fields.items()
                           if info.annotation is str and name != "partner_id")
_MONEY_KEY_RE = re.compile(
    r"usd|budget|pipeline|revenue(?!_potential)|price|acv|amount|cost|spend|mdf|arr\b", re.I)
_PERCENT_KEY_RE = re.compile(r"pct|percent|weight|share|margin|rate\b|discount|split|growth",
                             re.I)
HOLD_CHARS = 16  # a number is held this long after it ends: its unit may still come
CONTEXT_CHARS = 80
#: The end of the text that may still become part of a number: a word being written, or a
#: currency sign and its spaces ("$ " then "0" is the money "$ 0", as tools.parsing reads it).
_PARTIAL_TOKEN_RE = re.compile(rf"(?:(?:{CURRENCY_PREFIX})\s?)?[^\s]*$", re.I)

def _key_words(key: str) -> list[str]:
    return [singular(w) for w in re.split(r"[^A-Za-z]+", key) if len(w) > 1]


def _kind_of_key(key: str) -> str | None:
    if _MONEY_KEY_RE.search(key):
        return "money"
    if _PERCENT_KEY_RE.search(key):
        return "percent"
    return None


def _insert(values: list[float], value: float) -> None:
    bisect.insort(values, value)


def _matches(values: list[float], value: float, tol: float) -> bool:
    eps = tol * 1e-6
    i = bisect.bisect_left(values, value - tol - eps)
    # half-open: the fact must round to the number shown (74.5 is "75", never "74")
    return i < len(values) and values[i] < value + tol - eps


@dataclass
class Facts:
    """The numbers a turn may state, kept sorted for lookup.

    ``values`` holds every fact. A number written with ``%`` in an answer must match a
    percentage fact (written with ``%``, or under a key such as ``weight`` or ``*_pct``), and
    one written with a currency sign a money fact (written with one, or under a key such as
    ``*_usd``, ``budget`` or ``pipeline``): so "9%" is not grounded by a score contribution
    of 9.0.
    """

    values: list[float] = field(default_factory=list)
    percent: list[float] = field(default_factory=list)
    money: list[float] = field(default_factory=list)
    nouns: dict[str, list[float]] = field(
        default_factory=lambda: {word: [float(n)] for word, n in FRAMEWORK_COUNTS.items()})
    quotes: set[str] = field(default_factory=set)  # stored free text, shown whole as data

    def quoted_spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` shows a stored free text whole (a partner's description, verbatim).

        Such a span displays the record; its figures are neither facts nor claims. A part of
        a description ("scores 100 and earns a 40% referral fee") is not a quote of it.
        """
        spans: list[tuple[int, int]] = []
        for quote in self.quotes:
            start = text.find(quote)
            while start >= 0:
                spans.append((start, start + len(quote)))
                start = text.find(quote, start + 1)
        return spans

    def _count(self, words: Iterable[str], value: float) -> None:
        for word in words:
            _insert(self.nouns.setdefault(word, []), value)

    def add(self, value: float, kind: str | None = None) -> None:
        """Add one number, and to the ``percent`` or ``money`` facts when it is one."""
        if not math.isfinite(value):
            return
        _insert(self.values, value)
        if kind == "percent":
            _insert(self.percent, value)
            if 0 < abs(value) <= 1:
                _insert(self.percent, value * 100)
        elif kind == "money":
            _insert(self.money, value)

    def add_text(self, text: str, count_nouns: bool = True) -> None:
        """Add every number written in a text (percentages also as fractions).

        Args:
            text: The text.
            count_nouns: Also record the word each number counts ("18 *points*"). Off for
                earlier turns: what an earlier answer counted must not narrow what this
                turn's tools may ground.
        """
        for mention in extract_numbers(text, drop_names=True):
            kind = "percent" if mention.percent else "money" if mention.currency else None
            self.add(mention.value, kind)
            noun, _ = next_noun(text, mention.end, wrapped=True)
            if noun and count_nouns:
                self._count([noun], mention.value)
            if mention.multiplier != 1:
                self.add(mention.base)
            if mention.percent:
                self.add(mention.value / 100, kind)

    def add_data(self, data: Any, kind: str | None = None, words: Iterable[str] = (),
                 count_nouns: bool = True) -> None:
        """Add every number in JSON-like data: values, numbers inside strings, list lengths.

        A number also counts its key's words (``certified_individuals: 6`` is "6 certified"),
        unless ``count_nouns`` is off (an earlier turn's results, as for earlier texts).
        Strings under :data:`DATA_TEXT_KEYS` (stored free text) give no facts; shown whole,
        they are quotes (:meth:`quoted_spans`).
        """
        if isinstance(data, BaseModel):
            data = data.model_dump(mode="json")
        if isinstance(data, bool) or data is None:
            return
        if isinstance(data, list | tuple):
            self._add_count(float(len(data)), None, words, count_nouns)  # a count, not money
            for item in data:
                self.add_data(item, kind, words, count_nouns)
        elif isinstance(data, int | float):
            self._add_count(float(data), kind, words, count_nouns)
        elif isinstance(data, str):
            self.add_text(data)
        elif isinstance(data, dict):
            self._add_mapping(data, kind, count_nouns)

    def _add_count(self, value: float, kind: str | None, words: Iterable[str],
                   count_nouns: bool) -> None:
        self.add(value, kind)
        if count_nouns:
            self._count(words, value)

    def _add_mapping(self, data: dict[Any, Any], kind: str | None, count_nouns: bool) -> None:
        for key, value in data.items():
            if key in DATA_TEXT_KEYS and isinstance(value, str):
                if len(value) >= MIN_QUOTE_CHARS:
                    self.quotes.add(value)
                continue
            if key in NOISE_KEYS:
                continue
            self.add_text(str(key))
            self.add_data(value, kind or _kind_of_key(str(key)), _key_words(str(key)),
                          count_nouns)

    def has(self, value: float) -> bool:
        """Whether ``value`` itself is a fact (to a relative 1e-9)."""
        tol = 1e-9 * max(1.0, abs(value))
        i = bisect.bisect_left(self.values, value - tol)
        return i < len(self.values) and self.values[i] <= value + tol

    def grounds(self, mention: Mention, noun: str | None = None) -> bool:
        """Whether some reading of ``mention`` matches a fact of its kind within its precision.

        A plain number that counts a word the facts count too ("three *months*") must match
        one of the numbers the facts give for that word.
        """
        pool = self.percent if mention.percent else self.money if mention.currency else self.values
        plain = not (mention.percent or mention.currency) and mention.multiplier == 1
        if plain and noun is not None and noun in self.nouns:
            pool = self.nouns[noun]
        return any(_matches(pool, value, tol) for value, tol in mention.readings())


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


def guard_text(text: str, facts: Facts, line_prefix: str = "", after: str = ""
               ) -> GuardResult:
    """Replace every number in ``text`` that ``facts`` cannot ground with ``[unverified]``.

    Args:
        text: The answer (or a piece of it).
        facts: The turn's facts.
        line_prefix: Text already shown before ``text`` (streaming).
        after: Text held back after ``text`` (streaming).
    """
    mentions = extract_numbers(text, checked_only=True, line_prefix=line_prefix, after=after)
    pieces: list[str] = []
    ungrounded: list[str] = []
    cursor = 0
    whole = text + after
    shift = len(line_prefix)
    quoted = facts.quoted_spans(line_prefix + whole) if facts.quotes else []
    for mention in mentions:
        if any(a <= mention.start + shift and mention.end + shift <= b for a, b in quoted):
            continue  # a stored record's text shown whole: data on display, not a claim
        if facts.grounds(mention, next_noun(whole, mention.end)[0]):
            continue
        ungrounded.append(mention.raw)
        pieces.append(text[cursor:mention.start])
        pieces.append(UNVERIFIED)
        cursor = mention.end
    pieces.append(text[cursor:])
    return GuardResult(text="".join(pieces), ungrounded=ungrounded, checked=len(mentions))


class StreamGuard:
    """Guards streamed text: shows it as it comes, holding back only a span with a number.

    A number can only be judged once what follows it has arrived (``1.2`` then ``million``,
    ``10-`` then ``20M``), so a number is held until :data:`HOLD_CHARS` of other text follow
    it, and a word still being written is held; everything before is released at once,
    checked with the text already shown as context. :meth:`flush` releases the rest.
    """

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._buffer = ""
        self._shown = ""

    def _context(self) -> str:
        tail = self._shown[-CONTEXT_CHARS:]
        if len(self._shown) > CONTEXT_CHARS and self._shown[-CONTEXT_CHARS - 1] != "\n":
            tail = "x" + tail  # cut mid-line: the context does not start a line
        return tail

    def _release(self, ready: str) -> str:
        checked = guard_text(ready, self.facts, line_prefix=self._context(),
                             after=self._buffer).text
        self._shown = (self._shown + ready)[-(CONTEXT_CHARS + 1):]
        return checked

    def _safe_cut(self) -> int:
        buf = self._buffer
        partial = _PARTIAL_TOKEN_RE.search(buf)
        hold = partial.start() if partial else len(buf)
        for mention in reversed(extract_numbers(buf, line_prefix=self._context())):
            after = buf[mention.end:]
            if (len(after) < HOLD_CHARS or not next_noun(buf, mention.end, final=False)[1]
                    or CHAIN_GAP_RE.match(after)
                    or CHAIN_GAP_RE.match(buf[mention.end:hold])):
                hold = min(hold, mention.start)
            else:
                break
        return hold

    def feed(self, delta: str) -> str:
        """Take a delta; return the checked text that can be shown now (maybe empty)."""
        self._buffer += delta
        cut = self._safe_cut()
        if cut <= 0:
            return ""
        ready, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return self._release(ready)

    def flush(self) -> str:
        """Release whatever is held back, checked."""
        ready, self._buffer = self._buffer, ""
        return self._release(ready) if ready else ""
