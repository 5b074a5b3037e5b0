"""Generated account lists with known truth, to measure matching (tests and ``bench/``).

:func:`matching_set` invents companies (made-up names, so no real firm is implied), puts
some of them on both lists with the partner's copy spelled the way another CRM would
spell it, and returns the truth: which of our account ids is which of theirs. The variants
are the ones account mapping meets: legal suffixes (Inc., LLC, GmbH, Ltd, S.A., AG, ...),
punctuation, case, ``&`` for "and", accents, one typo, a website with or without ``www.``,
a scheme or a path, a missing domain on one side, and a subsidiary on a subdomain of its
parent's domain (the same account family by the rule in :mod:`tools.accounts`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from tools.account_match import match_accounts
from tools.accounts import OUR_KINDS, Account, AccountKind

SYLLABLES = ("ka", "lo", "ven", "mar", "tis", "dor", "bel", "quin", "ra", "sol", "ter", "nov",
             "ash", "bri", "cor", "del", "fen", "gal", "hol", "ith", "jor", "kel", "lum", "mor",
             "nel", "orb", "pel", "rin", "sar", "tov", "ul", "vor", "wen", "xan", "yor", "zel")
ACCENTED = {"o": "ö", "e": "é", "a": "á", "u": "ü", "i": "í"}
SECTORS = ("Analytics", "Logistics", "Health", "Foods", "Systems", "Energy", "Capital", "Labs",
           "Retail", "Motors", "Media", "Pharma", "Textiles", "Insurance", "Freight", "Studios")
SUFFIXES = ("Inc.", "Inc", "LLC", "L.L.C.", "GmbH", "Ltd", "Ltd.", "Limited", "S.A.", "AG",
            "Corp.", "Corporation", "PLC", "B.V.", "Pty Ltd", "")
#: Fewest edits between two different companies' name stems (with ``distinct``): names one
#: or two edits apart are as likely typos of each other as different firms, and no matcher
#: can tell them apart from the name alone.
MIN_EDITS = 3
TLDS = ("com", "com", "com", "de", "co.uk", "fr", "io", "com.au")


@dataclass
class MatchingSet:
    """Two lists and the truth: ``truth[our account_id] == their account_id``."""

    ours: list[Account]
    theirs: list[Account]
    truth: dict[str, str]


@dataclass
class _Company:
    stem: str
    sector: str
    partner: str  # "& Sons"-style second half, or ""
    suffix: str
    domain: str


def _stem(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def _companies(rng: random.Random, count: int, syllables: int, distinct: bool
               ) -> list[_Company]:
    """Invented companies; with ``distinct``, no two stems within MIN_EDITS - 1 edits."""
    out: list[_Company] = []
    stems: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        stem, sector = _stem(rng, syllables), rng.choice(SECTORS)
        if stem in seen or (distinct and stems and process.extractOne(
                stem, stems, scorer=Levenshtein.distance, score_cutoff=MIN_EDITS - 1)):
            continue
        seen.add(stem)
        stems.append(stem)
        partner = f"& {_stem(rng, 2)}" if rng.random() < 0.15 else ""
        domain = f"{stem.lower()}{sector.lower()[:4]}.{rng.choice(TLDS)}"
        out.append(_Company(stem, sector, partner, rng.choice(SUFFIXES), domain))
    return out


def _name(c: _Company, stem: str | None = None, suffix: str | None = None,
          joiner: str = "&") -> str:
    parts = [stem or c.stem, c.sector]
    if c.partner:
        parts.append(c.partner.replace("&", joiner))
    parts.append(c.suffix if suffix is None else suffix)
    return " ".join(p for p in parts if p)


def _typo(rng: random.Random, stem: str) -> str:
    n = rng.randrange(1, len(stem) - 1)
    letters = "abcdefghiklmnoprstuvz"
    op = rng.choice(("swap", "drop", "replace", "double"))
    if op == "swap":
        return stem[:n] + stem[n + 1] + stem[n] + stem[n + 2:]
    if op == "drop":
        return stem[:n] + stem[n + 1:]
    if op == "double":
        return stem[:n] + stem[n] + stem[n:]
    return stem[:n] + rng.choice(letters) + stem[n + 1:]


def _variant(rng: random.Random, c: _Company) -> tuple[str, str | None]:
    """The partner's spelling of ``c``: its name and its website (or None)."""
    stem, suffix, joiner, domain = c.stem, c.suffix, "&", c.domain
    for op in rng.sample(("suffix", "punct", "case", "and", "accent", "typo", "web", "sub"),
                         rng.randint(1, 3)):
        if op == "suffix":
            suffix = rng.choice(SUFFIXES)
        elif op == "and":
            joiner = "and"
        elif op == "accent":
            vowel = next((v for v in ACCENTED if v in stem[1:]), None)
            stem = stem[0] + stem[1:].replace(vowel, ACCENTED[vowel], 1) if vowel else stem
        elif op == "typo" and len(stem) >= 6:
            stem = _typo(rng, stem)
        elif op == "web":
            domain = rng.choice((f"www.{domain}", f"https://www.{domain}/",
                                 f"http://{domain}/contact", f"WWW.{domain.upper()}"))
        elif op == "sub":
            domain = f"{rng.choice(('emea', 'us', 'shop', 'de'))}.{c.domain}"
    name = _name(c, stem, suffix, joiner)
    for op in rng.sample(("punct", "case"), rng.randint(0, 2)):
        if op == "punct":
            name = name.replace(" ", rng.choice((" ", "-", ", ", " . ")), 1) + rng.choice(
                ("", ".", ","))
        else:
            name = rng.choice((name.upper(), name.lower(), name.title()))
    return name, domain


def matching_set(seed: int = 16, ours: int = 2000, theirs: int = 2000, shared: float = 0.4,
                 syllables: int = 4, no_domain: float = 0.3, distinct: bool = True
                 ) -> MatchingSet:
    """Two lists with ``shared`` of ours also on theirs (as variants), and the truth.

    Args:
        seed: Random seed (the same seed gives the same lists).
        ours: Our accounts.
        theirs: The partner's customers.
        shared: Share of our accounts on both lists.
        syllables: Syllables in each invented name stem (more: fewer near-twins).
        no_domain: Chance that a side leaves the domain out.
        distinct: Keep different companies' stems at least :data:`MIN_EDITS` edits apart
            (quadratic: off for the 50,000-account benchmark, which measures time only).
    """
    rng = random.Random(seed)
    n_shared = int(ours * shared)
    companies = _companies(rng, ours + theirs - n_shared, syllables, distinct)
    mine, partners = companies[:ours], companies[ours - n_shared:]
    our_list = [Account(account_id=f"O-{n}", name=_name(c), kind=rng.choice(OUR_KINDS),
                        domain=None if rng.random() < no_domain else c.domain)
                for n, c in enumerate(mine)]
    their_list: list[Account] = []
    truth: dict[str, str] = {}
    for n, c in enumerate(partners):
        ident = f"T-{n}"
        if n < n_shared:
            name, domain = _variant(rng, c)
            truth[f"O-{ours - n_shared + n}"] = ident
        else:
            name, domain = _name(c), c.domain
        if rng.random() < no_domain:
            domain = None
        their_list.append(Account(account_id=ident, name=name, domain=domain,
                                  kind=AccountKind.CUSTOMER))
    rng.shuffle(their_list)
    return MatchingSet(our_list, their_list, truth)


def precision_recall(data: MatchingSet) -> tuple[float, float, int]:
    """Precision and recall of :func:`tools.account_match.match_accounts` on ``data``.

    Returns:
        ``(precision, recall, predicted pairs)``.
    """
    found = {m.ours.account_id: m.theirs.account_id
             for m in match_accounts(data.ours, data.theirs)}
    right = sum(1 for ours, theirs in found.items() if data.truth.get(ours) == theirs)
    precision = right / len(found) if found else 1.0
    recall = right / len(data.truth) if data.truth else 1.0
    return precision, recall, len(found)
