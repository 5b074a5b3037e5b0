"""Which partner a message is about: an id, a name matched against the store, or "they".

Names are found as candidate phrases (quoted text, capitalised runs, the words after "score",
"about", "for" ...) and matched with ``store.find_partners_by_name``. A close match is
used; a loose one becomes a "did you mean X?" question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from agent.planner.stored_names import competitor_names

#: At or above this similarity a name match is taken without asking.
SURE_MATCH = 0.86
#: At or above this (and below SURE_MATCH) the planner asks "did you mean X?".
MAYBE_MATCH = 0.7

PARTNER_ID_RE = re.compile(r"\bP-\d{3,}\b", re.I)
FOCUS_RE = re.compile(
    r"\b(the partner|this partner|that partner|the same partner|they|them|their|theirs|"
    r"this one|that one|him|her|same one|it|its)\b", re.I)
QUOTED_RE = re.compile(r"[\"“']([^\"”']{2,80})[\"”']")
CAPS_RUN_RE = re.compile(
    r"(?<![\w-])([A-Z][\w&.'\-]*(?:\s+(?:&\s+)?(?:[A-Z][\w&.'\-]*|of|de|&))*)")
TRIGGER_RE = re.compile(
    r"\b(?:score|scoring|rate|show|review|about|of|for|on|check|assess|profile|open|"
    r"record|details|promote|demote|warn|exit|is|does|should|with)\s+(?:the\s+)?"
    r"(?P<name>[a-z0-9][\w&.'\-]*(?:\s+[a-z0-9][\w&.'\-]*){0,3})", re.I)
STOP_WORDS = frozenset("""
a an the and or but of for on in at to as by with from into about our we us you your i me my
is are was were be been do does did should would could can will shall may might must has have
had what which who whom whose when where why how this that these those there here it its they
them their please tell show give find list search score scoring rate review check assess run
compute evaluate draft write create prepare open pull up details profile record partner
partners tier tiers tiering qualify qualifies quarter as-of now today current currently
platinum gold silver registered priority secondary opportunistic star icp emea apac latam na
us usa uk eu arr acv okr okrs raci si gsi gsis isv isvs var vars oem jv coe ceo cfo cro
q1 q2 q3 q4 fy january february march april may june july august september october
november december jan feb mar apr jun jul aug sep sept oct nov dec big hi hello thanks yes no
pipeline certified dedicated practice attractive attractiveness band model models need
promotion promoted promote demotion demote demoted warn warning exit exited movement
overlap influence alignment appetite revenue potential market fit trust culture economics
complementarity asset strategic status standing latest last next new same again also just
much many more most less up down out over under it's they're summary overview portfolio
program framework rules rule criteria weights weight framework people individuals
what's who's where's how's that's there's let's we're i'm
""".split())


@dataclass
class PartnerMatch:
    """The outcome of looking for a partner in a message.

    Args:
        partner_id: The resolved partner's id, when sure.
        name: The resolved partner's name, when sure.
        suggestion_id: A loose match's id, for "did you mean".
        suggestion_name: A loose match's name.
        asked: The phrase that was looked up.
        focus: The message referred to the partner in focus.
        all_ids: Every stored partner the message names surely.
        competitor: A stored competitor the message names (:func:`named_competitor`).
    """

    partner_id: str | None = None
    name: str | None = None
    suggestion_id: str | None = None
    suggestion_name: str | None = None
    asked: str | None = None
    focus: bool = False
    all_ids: tuple[str, ...] = ()
    competitor: str | None = None

    @property
    def found(self) -> bool:
        """Whether a partner was resolved."""
        return self.partner_id is not None


LEGAL_SUFFIX_RE = re.compile(
    r"\b(inc|corp|corporation|co|company|ltd|limited|llc|llp|plc|gmbh|ag|sa|group|holdings|"
    r"partners|consulting|consultants|solutions|services|technologies|systems)\b\.?", re.I)


def fold(text: str) -> str:
    """Lower case without accents ("Rhône" -> "rhone"), spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


def name_similarity(phrase: str, name: str) -> float:
    """How surely ``phrase`` names ``name`` (0-1), stricter than the store's WRatio.

    Exact or typo-level matches of the whole name, of the name without legal suffixes
    ("Acme" for "Acme Corp"), or of its leading words ("Nimbus" for "Nimbus Cloud") score
    high; a common word that merely occurs inside a name does not.
    """
    q = fold(phrase)
    full = fold(name)
    core = " ".join(LEGAL_SUFFIX_RE.sub(" ", full).split()) or full
    best = max(fuzz.ratio(q, full), fuzz.ratio(q, core)) / 100
    words = full.split()
    for k in range(1, len(words)):
        if len(q) >= 4 and q == " ".join(words[:k]):
            best = max(best, 0.95)
    size = len(q.split())
    if len(q) >= 6 and size < len(words):
        best = max(best, 0.95 * fuzz.ratio(q, " ".join(words[:size])) / 100)
    return float(best)


def _clean(phrase: str) -> str:
    words = phrase.strip(" ,.?!;:'\"").split()
    while words and words[0].lower().strip(",.?!") in STOP_WORDS:
        words.pop(0)
    while words and words[-1].lower().strip(",.?!'s") in STOP_WORDS:
        words.pop()
    text = " ".join(words).strip(" ,.?!;:")
    return re.sub(r"'s$|’s$", "", text)


def candidate_names(text: str) -> list[str]:
    """Phrases in ``text`` that may be a partner's name, most likely first."""
    return [phrase for phrase, _ in _candidates(text)]


def strong_candidates(text: str) -> list[str]:
    """Phrases written like a name (quoted or capitalised) that may be a partner."""
    return [phrase for phrase, strong in _candidates(text) if strong]


def _candidates(text: str) -> list[tuple[str, bool]]:
    """Candidate phrases with whether they were written like a name (quoted, capitalised)."""
    found: list[tuple[str, bool]] = []
    found += [(m.group(1), True) for m in QUOTED_RE.finditer(text)]
    found += [(m.group(1), True) for m in CAPS_RUN_RE.finditer(text)]
    found += [(m.group("name"), False) for m in TRIGGER_RE.finditer(text)]
    out: list[tuple[str, bool]] = []
    for phrase, strong in found:
        cleaned = _clean(phrase)
        if len(cleaned) < 2 or cleaned.lower() in STOP_WORDS or cleaned.isdigit():
            continue
        if re.fullmatch(r"[\d$.,%kKmM\s-]+", cleaned):
            continue
        if cleaned.lower() not in (o.lower() for o, _ in out):
            out.append((cleaned, strong))
    return out


WORD_RE = re.compile(r"[\w&'\-]+")
#: A span's first word must be this close to a word of some stored name to be looked up.
TOKEN_MATCH = 80
MAX_SPAN = 4
#: At most this many spans are looked up per message (each is a fuzzy scan of every name).
MAX_SPANS = 16


@lru_cache(maxsize=4)
def _name_tokens(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted({w for name in names for w in fold(name).split()
                         if len(w) >= 3 and w not in STOP_WORDS}))


def _tokens_of(store: Any) -> tuple[str, ...]:
    index = store.partner_index() if hasattr(store, "partner_index") else None
    names = tuple(getattr(index, "names", ()) or ())
    return _name_tokens(names)


def name_spans(text: str, store: Any) -> list[str]:
    """Runs of up to four words, in any case, that start like a word of a stored name.

    This finds names written in lower case or with a typo ("ledgerline", "ashcombe whitly"),
    which the capitalised-run and trigger-word candidates miss.
    """
    tokens = _tokens_of(store)
    if not tokens:
        return []
    words = [w.strip("'-") for w in WORD_RE.findall(text)]
    spans: list[str] = []
    for i, first in enumerate(words):
        low = fold(first)
        if len(low) < 3 or low in STOP_WORDS or low.isdigit():
            continue
        if process.extractOne(low, tokens, scorer=fuzz.ratio, score_cutoff=TOKEN_MATCH) is None:
            continue
        for size in range(MAX_SPAN, 0, -1):
            chunk = words[i:i + size]
            if len(chunk) < size or fold(chunk[-1]) in STOP_WORDS:
                continue
            spans.append(" ".join(chunk))
            if len(spans) >= MAX_SPANS:
                return spans
    return spans


def find_partner(text: str, store: Any, focus_partner_id: str | None = None,
                 skip: set[str] | None = None) -> PartnerMatch:
    """Find the partner ``text`` is about, and the stored competitor it names, if any.

    Args:
        text: The user's message.
        store: The store (``get_partner``, ``find_partners_by_name``).
        focus_partner_id: The session's partner in focus, for "they" / "the partner".
        skip: Lower-cased phrases that are known not to be names (e.g. slot words).
    """
    match = _find_partner(text, store, focus_partner_id, skip)
    match.competitor = named_competitor(text, competitor_names(store))
    return match


def _find_partner(text: str, store: Any, focus_partner_id: str | None,
                  skip: set[str] | None) -> PartnerMatch:
    id_match = PARTNER_ID_RE.search(text)
    if id_match:
        partner = store.get_partner(id_match.group(0).upper())
        if partner is not None:
            return PartnerMatch(partner.partner_id, partner.name, asked=id_match.group(0))
    best: PartnerMatch | None = None
    best_sim = 0.0
    sure: list[str] = []
    seen = {phrase.lower() for phrase, _ in _candidates(text)}
    spans = [(span, False) for span in name_spans(text, store) if span.lower() not in seen]
    for phrase, strong in [*_candidates(text), *spans]:
        if skip and phrase.lower() in skip:
            continue
        matches = store.find_partners_by_name(phrase, 5)
        if not matches:
            continue
        sim, partner = max(((name_similarity(phrase, p.name), p) for p, _ in matches),
                           key=lambda sp: sp[0])
        if sim >= SURE_MATCH and partner.partner_id not in sure:
            sure.append(partner.partner_id)
        if sim >= SURE_MATCH and sim > best_sim:
            best, best_sim = PartnerMatch(partner.partner_id, partner.name, asked=phrase), sim
        elif strong and sim >= MAYBE_MATCH and sim > best_sim and (best is None
                                                                   or not best.found):
            best, best_sim = PartnerMatch(suggestion_id=partner.partner_id,
                                          suggestion_name=partner.name, asked=phrase), sim
    if best is not None and best.found:
        best.all_ids = tuple(sure)
        return best
    if focus_partner_id and FOCUS_RE.search(text):
        partner = store.get_partner(focus_partner_id)
        if partner is not None:
            return PartnerMatch(partner.partner_id, partner.name, focus=True)
    return best or PartnerMatch()


#: A phrase at least this close to a stored competitor's name names it.
COMPETITOR_MATCH = 0.86
#: A competitor's leading word shorter than this is too common to name it on its own.
MIN_LEAD_WORD = 5


def named_competitor(text: str, names: tuple[str, ...]) -> str | None:
    """The stored competitor ``text`` names, by its whole name (typos too) or leading word.

    Args:
        text: The user's message.
        names: The stored competitors' names (:func:`agent.planner.stored_names.
            competitor_names`).
    """
    words = [re.sub(r"'s$", "", fold(w.strip("'-"))) for w in WORD_RE.findall(text)]
    for name in names:
        parts = fold(name).split()
        spans = (" ".join(words[i:i + len(parts)]) for i in range(len(words) - len(parts) + 1))
        if any(name_similarity(span, name) >= COMPETITOR_MATCH for span in spans):
            return name
        lead = parts[0] if len(parts) > 1 else ""
        if len(lead) >= MIN_LEAD_WORD and lead not in STOP_WORDS and lead in words:
            return name
    return None
