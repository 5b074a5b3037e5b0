"""Slot extraction: the arguments of each tool, read from how executives write.

Each ``extract_<area>`` function reads one message and returns only the slots it found; the
planner merges them with slots kept from earlier turns and asks for what is still missing.
Partner names are resolved separately (:mod:`agent.planner.partners`), because they need the
store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from tools.parsing import (
    COUNT_WORDS,
    find_amounts,
    find_quarters,
    find_word_amounts,
    find_word_numbers,
    parse_date,
    quarter_for_date,
)
from tools.partners import PartnerType, Tier
from tools.scoring import Band
from tools.vocab import CRITERIA

#: Words that name each criterion, longest first within a criterion.
CRITERION_WORDS: dict[str, tuple[str, ...]] = {
    "icp_overlap": ("icp overlap", "icp fit", "icp match", "customer overlap",
                    "client overlap", "icp", "overlap"),
    "market_influence": ("market influence", "mkt influence", "brand influence",
                         "market presence", "influence", "credibility", "brand"),
    "practice_alignment": ("practice alignment", "practise alignment", "practice fit",
                           "alignment", "aligned", "practice", "practise"),
    "partnership_appetite": ("partnership appetite", "partnering appetite", "appetite",
                             "willingness", "eagerness"),
    "revenue_potential": ("revenue potential", "rev potential", "pipeline potential",
                          "revenue", "potential"),
}
REGIONS: dict[str, tuple[str, ...]] = {
    "NA": ("north america", "united states", "canada", "americas", "north american"),
    "EMEA": ("emea", "europe", "uk", "middle east", "africa", "germany", "france"),
    "APAC": ("apac", "asia pacific", "asia", "australia", "japan", "singapore", "india"),
    "LATAM": ("latam", "latin america", "south america", "brazil", "mexico"),
}
PARTNER_TYPES: dict[str, tuple[str, ...]] = {  # synonyms per PartnerType value
    "big4": ("big 4", "big four", "big4"),
    "regional_si": ("regional si", "regional sis", "regional systems integrator",
                    "regional integrator"),
    "gsi": ("gsi", "gsis", "global systems integrator", "global si", "systems integrator",
            "system integrator", "systems integrators", "system integrators",
            "global systems integrators", "integrators"),
    "boutique": ("boutique", "boutiques", "boutique consultancy", "boutique consultancies"),
    "isv": ("isv", "isvs", "software vendor", "software vendors"),
    "reseller": ("reseller", "resellers", "var", "vars", "value added reseller"),
    "distributor": ("distributor", "distributors", "distribution partner"),
    "advisor": ("advisor", "advisors", "adviser", "advisory firm", "advisory firms"),
    "technology": ("technology partner", "technology partners", "tech partner",
                   "tech partners"),
    "academic": ("academic", "academics", "university", "universities"),
}
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "financial services": ("financial services", "finserv", "banking", "banks", "fintech"),
    "healthcare": ("healthcare", "health care", "hospitals", "healthcare providers"),
    "insurance": ("insurance", "insurers"),
    "retail": ("retail", "retailers", "ecommerce", "e-commerce"),
    "manufacturing": ("manufacturing", "manufacturers", "industrial"),
    "public sector": ("public sector", "government", "gov"),
    "technology": ("technology industry", "tech industry", "software industry"),
    "telecom": ("telecom", "telecommunications", "telco", "telcos"),
    "energy": ("energy", "utilities", "oil and gas"),
    "life sciences": ("life sciences", "pharma", "pharmaceutical", "biotech"),
    "education": ("education", "edtech"),
    "logistics": ("logistics", "transport", "supply chain"),
    "media": ("media", "entertainment"),
}
#: The vocabularies come from the framework's own enums, highest tier first.
TIERS = tuple(str(t) for t in reversed(Tier))
BANDS = tuple(str(b) for b in Band)


def _word_union(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


FIVE_NUMBERS_RE = re.compile(
    r"(?<![\w.$])(\d{1,3})\s*[,/ ]\s*(\d{1,3})\s*[,/ ]\s*(\d{1,3})\s*[,/ ]\s*(\d{1,3})\s*"
    r"[,/ ]\s*(?:and\s+)?(\d{1,3})(?![\w.%])")
#: A label word this close (rapidfuzz ratio) to a criterion word is read as it ("apetite").
LABEL_TYPO = 84
LABEL_WORD_RE = re.compile(r"[a-z]+", re.I)
SCORE_NUMBER_RE = re.compile(
    r"(?<![\w.$])(?P<num>\d{1,3}(?:\.\d+)?)(?!\s?(?:k\b|m\b|mn\b|bn\b|million|months?|"
    r"years?|quarters?|weeks?|days?|certified|people|staff)|[\d.,]*\d|\s?-\s?\d|[:/]\d|"
    r"\s?x\b)", re.I)


@dataclass(frozen=True)
class _Span:
    key: str
    start: int
    end: int


def _label_spans(text: str) -> list[_Span]:
    """Where each criterion is named, typos and abbreviations tolerated, longest first."""
    lowered = text.lower()
    spans: list[_Span] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(s < end and start < e for s, e in taken)

    words = sorted(((key, w) for key, ws in CRITERION_WORDS.items() for w in ws),
                   key=lambda kw: -len(kw[1]))
    for key, word in words:
        for match in re.finditer(rf"\b{re.escape(word)}\b", lowered):
            if free(*match.span()):
                spans.append(_Span(key, *match.span()))
                taken.append(match.span())
    tokens = [(m.group(0).lower(), m.start(), m.end()) for m in LABEL_WORD_RE.finditer(text)]
    singles = {w: key for key, ws in CRITERION_WORDS.items() for w in ws
               if " " not in w and len(w) >= 6}
    for word, start, end in tokens:
        if len(word) < 5 or not free(start, end):
            continue
        hit = process.extractOne(word, list(singles), scorer=fuzz.ratio, score_cutoff=LABEL_TYPO)
        if hit is not None:
            spans.append(_Span(singles[hit[0]], start, end))
            taken.append((start, end))
    return sorted(spans, key=lambda sp: sp.start)


def _score_numbers(text: str) -> list[tuple[int, float]]:
    """Numbers that may be a 0-100 criterion score: digits (not money, not dates) or words."""
    blocked = [(m.start(), m.end()) for m in re.finditer(r"\$\s?\d[\d,.]*\s?[kmb]?\b|"
                                                        r"\b(?:19|20)\d\d\b|\bq[1-4]\b|"
                                                        r"\bp-\d+\b", text, re.I)]
    found = [(m.start(), float(m.group("num"))) for m in SCORE_NUMBER_RE.finditer(text)
             if not any(s <= m.start() < e for s, e in blocked)]
    found += [(start, float(value)) for start, end, value in find_word_numbers(text)
              if value >= 10 or re.match(r"\s*(?:/|out of)\s*(?:10|100)\b", text[end:])]
    return sorted(found)


def extract_criteria(text: str) -> dict[str, float]:
    """Attractiveness criteria stated in ``text``, in any of the ways executives write them.

    Labels may carry typos or abbreviations ("apetite", "mkt influence"); values may follow
    the label ("ICP overlap 80", "ICP overlap is strong (I'd say 85)") or come before it
    ("80 on ICP, 90 influence"), in digits or words ("eighty"). Each label takes the number
    between it and the next label; when the message puts values first, the number between
    the previous label and it. Five bare numbers after "scores"/"criteria" fill the five
    criteria in order.
    """
    labels = _label_spans(text)
    numbers = _score_numbers(text)
    found: dict[str, float] = {}
    if labels and numbers:
        values_first = numbers[0][0] < labels[0].start and not any(
            pos >= labels[-1].end for pos, _ in numbers)
        used: set[int] = set()
        for i, label in enumerate(labels):
            if label.key in found:
                continue
            low = labels[i - 1].end if i else 0
            high = labels[i + 1].start if i + 1 < len(labels) else len(text)
            before = [(p, v) for p, v in numbers if low <= p < label.start and p not in used]
            after = [(p, v) for p, v in numbers if label.end <= p < high and p not in used]
            options = ([before[-1]] if before else []) + ([after[0]] if after else [])
            if not values_first:
                options.reverse()
            if options:
                found[label.key] = options[0][1]
                used.add(options[0][0])
    if not found:
        five = FIVE_NUMBERS_RE.search(text)
        if five and re.search(r"\b(criteria|scores?|scored|rated|ratings?)\b", text, re.I):
            found = {k: float(v) for k, v in zip(CRITERIA, five.groups(), strict=True)}
    return found


PIPELINE_WORD_RE = re.compile(r"\b(pipeline|pipe|sourced|revenue|bookings|arr)\b", re.I)
CERTIFIED_RE = re.compile(
    r"(?P<num>\d+|" + "|".join(COUNT_WORDS) + r")\s+"
    r"(?:(?!and\b|no\b|with\b|but\b|in\b|of\b)\w+\s+){0,2}?"
    r"(?:certified|certifications?|certs?\b|accredited)", re.I)
CERTIFIED_AFTER_RE = re.compile(
    r"\bcertified(?: people| individuals| staff| consultants| engineers| folks)?\s*"
    r"(?:[:=]|is|are|of|count)?\s*(?P<num>\d+|" + "|".join(COUNT_WORDS) + r")\b", re.I)
NO_CERTIFIED_RE = re.compile(r"\b(no|zero|none) (?:\w+ )?(?:certified|certifications)", re.I)
NO_PRACTICE_RE = re.compile(
    r"\b(no|without(?: a)?|lacks?(?: a)?|missing(?: a)?|not (?:have|run|got)(?: a)?|"
    r"doesn'?t (?:have|run)(?: a)?|don'?t (?:have|run)(?: a)?|hasn'?t got(?: a)?|"
    r"never built(?: a)?)\s+(?:dedicated\s+)?(?:practice|coe|cent(?:re|er) of excellence)|"
    r"\bdedicated practice\s*[:=]?\s*(?:no|false|none)\b", re.I)
PRACTICE_RE = re.compile(
    r"\b(dedicated practice|\bcoe\b|cent(?:re|er) of excellence|practice dedicated)", re.I)


def _count(value: str) -> int:
    return int(value) if value.isdigit() else COUNT_WORDS[value.lower()]


def extract_tier_figures(text: str) -> dict[str, Any]:
    """Pipeline, certified people and dedicated practice stated in ``text``."""
    found: dict[str, Any] = {}
    certified_spans: list[tuple[int, int]] = []
    match = CERTIFIED_RE.search(text) or CERTIFIED_AFTER_RE.search(text)
    if NO_CERTIFIED_RE.search(text):
        found["certified_individuals"] = 0
    elif match:
        found["certified_individuals"] = _count(match.group("num"))
        certified_spans.append(match.span("num"))
    amounts = [a for a in find_amounts(text)
               if not any(s <= a.start < e for s, e in certified_spans)
               and not re.match(r"\s*(?:months?|years?|quarters?|%)", text[a.end:])]
    money = sorted([a for a in amounts if a.money] + find_word_amounts(text),
                   key=lambda a: a.start)
    if money:
        found["annual_pipeline_usd"] = money[0].value
    elif amounts and PIPELINE_WORD_RE.search(text):
        big = [a for a in amounts if a.value >= 1000]
        if big:
            found["annual_pipeline_usd"] = big[0].value
    if NO_PRACTICE_RE.search(text):
        found["dedicated_practice"] = False
    elif PRACTICE_RE.search(text):
        found["dedicated_practice"] = True
    return found


def extract_as_of(text: str) -> str | None:
    """The review quarter: a quarter ("Q3 2026") or a date ("as of 2026-09-30")."""
    day = parse_date(text)
    quarters = find_quarters(text)
    if day is not None and not re.search(r"\bend of\b", text, re.I):
        return quarter_for_date(day)
    if quarters:
        return quarters[0][1]
    if day is not None:
        return quarter_for_date(day)
    return None


def _find_key(text: str, table: dict[str, tuple[str, ...]]) -> str | None:
    best: tuple[int, str] | None = None
    for key, words in table.items():
        match = re.search(rf"\b(?:{_word_union(words)})\b", text, re.I)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), key)
    return best[1] if best else None


def extract_region(text: str) -> str | None:
    """A region code (NA, EMEA, APAC, LATAM) named in ``text``."""
    key = _find_key(text, REGIONS)
    if key:
        return key
    return "NA" if re.search(r"\b(?:NA|US|USA|U\.S\.)(?!\w)", text) else None


def extract_partner_type(text: str) -> str | None:
    """A partner type value named in ``text``."""
    return _find_key(text, PARTNER_TYPES)


def extract_industry(text: str) -> str | None:
    """An industry named in ``text``."""
    return _find_key(text, INDUSTRIES)


def extract_tier(text: str) -> str | None:
    """A tier name in ``text``."""
    match = re.search(rf"\b({'|'.join(TIERS)})\b", text, re.I)
    return match.group(1).lower() if match else None


def extract_band(text: str) -> str | None:
    """An attractiveness band in ``text``."""
    match = re.search(rf"\b({'|'.join(BANDS)})\b", text, re.I)
    return match.group(1).lower() if match else None


def extract_count(text: str) -> int | None:
    """A bare whole number ("80", "five"), for filling one numeric slot."""
    amounts = [a for a in find_amounts(text) if float(a.value).is_integer()]
    words = find_word_numbers(text)
    hits = [(a.start, int(a.value)) for a in amounts] + [(s, v) for s, _, v in words]
    return min(hits)[1] if hits else None


YEARS_RE = re.compile(
    r"\b(?:in|within|over|by|next|across)?\s*(?P<num>\d{1,2}|" + "|".join(COUNT_WORDS) +
    r")[- ]?(?:years?|yrs?)\b", re.I)


def extract_years(text: str) -> int | None:
    """A number of years ("in 3 years", "within three years")."""
    match = YEARS_RE.search(text)
    return _count(match.group("num")) if match else None


def filters(text: str) -> dict[str, Any]:
    """Tier, type, region, industry and band filters named in ``text``."""
    out: dict[str, Any] = {}
    for key, fn in (("tier", extract_tier), ("partner_type", extract_partner_type),
                    ("region", extract_region), ("industry", extract_industry),
                    ("band", extract_band)):
        value = fn(text)
        if value is not None:
            out[key] = value
    return out


if set(PARTNER_TYPES) != {str(t) for t in PartnerType}:  # a new partner type needs its words
    raise TypeError(f"slots.PARTNER_TYPES and tools.partners.PartnerType disagree: "
                    f"{sorted(set(PARTNER_TYPES) ^ {str(t) for t in PartnerType})}")
