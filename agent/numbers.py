"""Numbers in text: where they are, what they read as, and what word they count.

Used by the grounding guard (:mod:`agent.guard`), which documents the readings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.parsing import MULTIPLIERS

MAX_RELATIVE_TOLERANCE = 0.05
_MULTIPLIERS = {word: float(factor) for word, factor in MULTIPLIERS.items()}
_UNITS = ("two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_VALUES = {word: float(i + 2) for i, word in enumerate(_UNITS)} | {
    word: float(20 + 10 * i) for i, word in enumerate(_TENS)}
WORD_RE = re.compile(
    r"\b(?P<tens>" + "|".join(_TENS) + r")(?:[- ](?P<ones>one|" + "|".join(_UNITS[:8])
    + r"))?\b|\b(?P<unit>" + "|".join(_UNITS) + r")\b", re.I)
_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
UNCHECKED_RE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b"  # ISO dates
    r"|(?<![\d/.])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/\d{2,4})?(?![\d/])"
    r"|\b" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"(?![a-z])"
    r"|\b(?:Big|Fortune|Global|Series|S&P|Russell|FTSE|Top)\s+(?:\d+|four)\b|\b24/7\b"
    r"|\b(?:zero|one|0|1)\s+to\s+(?:five|ten|a\s+hundred|5|10|100)\b"
    r"|\b(?:90|ninety)-day\b|\btrailing\s+(?:twelve|12)[- ]months?\b"  # document name, TTM
    r"|\bout\s+of\s+(?:5|10|100)\b|(?<=\d)/(?:5|10|100)(?![\d/.])"
    r"|\b(?:1|0)\s?(?:-|–|to)\s?(?:5|10|100)(?:[- ]point)?\s+scale\b"
    r"|\bscale\s+of\s+(?:1|0)\s?(?:-|–|to)\s?(?:5|10|100)\b", re.I)
_QUOTED_RE = re.compile(r'"[^"\n]{1,300}"|“[^”\n]{1,300}”')  # quoted examples: words unchecked
NUMBER_RE = re.compile(
    r"(?<![A-Za-z_.\d:])"
    r"(?P<cur>[$€£]\s?)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?"
    r"(?![.,]?\d)(?!:\d)"
    r"(?P<suffix>\s?(?:%|percent\b|per\s?cent\b)"
    r"|\s?(?:[kK]|MM|mn|[mM]|bn|[bB])(?![A-Za-z])"
    r"|\s(?:thousand|million|billion)\b)?"
)
_LIST_MARKER_RE = re.compile(r"^[ \t]*(?:[#>*-]+[ \t]*)?(\d+)[.)][ \t]", re.M)
_RANGE_GAP_RE = re.compile(r"^\s*(?:-|–|—|to)\s*$")
CHAIN_GAP_RE = re.compile(r"^\s*(?:-|–|—|to|/|and|or|,)?\s*$")

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
        elif self.decimals and self.multiplier == 1 and 0 < self.value < 1:
            pairs.append((self.value * 100, tol * 100))
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


def extract_numbers(text: str, *, checked_only: bool = False, line_prefix: str = "",
                    after: str = "", drop_names: bool = False) -> list[Mention]:
    """Every number in ``text``, with currency, percent and multiplier readings.

    Args:
        text: Any text.
        checked_only: Drop what the guard does not check (list markers, years, dates,
            names, scales).
        line_prefix: Text shown before ``text`` (when ``text`` is a streamed piece), so
            what a number's reading depends on before it (a line start, "out of") is seen.
        after: Text that follows ``text`` already (held back), read the same way.
        drop_names: Drop numbers in names, dates and scales only (how facts are read).
    """
    shift, stop = len(line_prefix), len(line_prefix) + len(text)
    whole = line_prefix + text + after
    markers = {m.start(1) for m in _LIST_MARKER_RE.finditer(whole)}
    skipped = ([(m.start(), m.end()) for m in UNCHECKED_RE.finditer(whole)]
               if checked_only or drop_names else [])
    found: list[Mention] = []
    for match in NUMBER_RE.finditer(whole):
        start = match.start("cur") if match.group("cur") else match.start("int")
        if start < shift or match.end() > stop:
            continue
        if start >= 2 and whole[start - 1] in "-–" and whole[start - 2].isalpha():
            continue  # an id such as P-0001
        glued = whole[match.end():match.end() + 1]
        if not match.group("suffix") and glued.isalpha() and glued not in "xX":
            continue  # a name such as 5G, 3D or 2FA (but 10x is a claim)
        multiplier, percent = _suffix_info(match.group("suffix") or "")
        frac = match.group("frac") or ""
        mention = Mention(
            start=start - shift, end=match.end() - shift, raw=match.group(0).strip(),
            base=float(match.group("int").replace(",", "") + ("." + frac if frac else "")),
            decimals=len(frac), multiplier=multiplier, percent=percent,
            currency=bool(match.group("cur")))
        inside = any(a <= match.start("int") < b for a, b in skipped)
        if inside or checked_only and (match.start("int") in markers or mention.is_year):
            continue
        found.append(mention)
    quoted = [(m.start(), m.end()) for m in _QUOTED_RE.finditer(whole)] if checked_only else []
    for match in WORD_RE.finditer(whole):
        if match.start() < shift or match.end() > stop or any(
                a <= match.start() < b for a, b in skipped + quoted):
            continue
        value = WORD_VALUES[(match.group("tens") or match.group("unit")).lower()]
        ones = (match.group("ones") or "").lower()
        value += 1.0 if ones == "one" else WORD_VALUES.get(ones, 0.0)
        found.append(Mention(start=match.start() - shift, end=match.end() - shift,
                             raw=match.group(0), base=value, decimals=0))
    found.sort(key=lambda m: m.start)
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


_WORD_TOKEN_RE = re.compile(r"(?:-|[ \t]*)([A-Za-z][A-Za-z-]*)")
_WRAPPED_TOKEN_RE = re.compile(r"(?:-|[ \t]*(?:\n[ \t]*)?)([A-Za-z][A-Za-z-]*)")  # no bullets
_SKIP_WORDS = frozenset({"of", "the", "a", "an"})
_STOP_WORDS = frozenset(
    "and or is was are were be to at in on for with by from than but so as if that which "
    "while after before per gives give into".split())


def singular(word: str) -> str:
    """A plural's singular, roughly (``months`` -> ``month``, ``business`` stays)."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def next_noun(text: str, pos: int, final: bool = True, wrapped: bool = False
              ) -> tuple[str | None, bool]:
    """The word a number at ``pos`` counts ("three *months*"), and whether it is settled.

    Skips articles and "of"; a stop word, punctuation or a digit ends the search. Not
    settled when the text ends before the word does and is not ``final`` (streaming).
    ``wrapped`` text (a hard-wrapped passage) may have the word on the next line.
    """
    token_re = _WRAPPED_TOKEN_RE if wrapped else _WORD_TOKEN_RE
    while True:
        match = token_re.match(text, pos)
        if match is None:
            return None, bool(text[pos:].strip())
        if match.end() == len(text) and not final:
            return None, False
        word = match.group(1).lower()
        if word in _STOP_WORDS:
            return None, True
        if word in _SKIP_WORDS or len(word) == 1:
            pos = match.end()
            continue
        return singular(word.split("-")[0]), True
