"""Deterministic synthetic partner records for benchmarks and import tests (all fictional).

``iter_partners(n, seed)`` streams ``n`` :class:`tools.partners.Partner` records, valid by
construction, with ids ``S-0000001`` ... and four quarters of history (2025-Q4 to 2026-Q3).
The same ``n`` and ``seed`` always give identical records, and the first ``k`` records of a
longer run equal ``generate_partners(k, seed)``. Names and descriptions are composed from
the word lists in ``knowledge/data/synth_vocabulary.yaml``; about 99.98% of the
descriptions in a run of 100k are distinct.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tools.errors import FrameworkError
from tools.partners import Partner, PartnerType, QuarterRecord, Tier
from tools.vocab import CRITERIA

PARTNER_COLUMNS: tuple[str, ...] = (
    "partner_id",
    "name",
    "partner_type",
    "tier",
    "region",
    "industry",
    "description",
    "icp_overlap",
    "market_influence",
    "practice_alignment",
    "partnership_appetite",
    "revenue_potential",
    "annual_pipeline_usd",
    "certified_individuals",
    "dedicated_practice",
    "tier_since",
)
QUARTER_COLUMNS: tuple[str, ...] = (
    "partner_id",
    "quarter",
    "annual_pipeline_usd",
    "certified_individuals",
    "dedicated_practice",
    "new_pipeline_usd",
)
QUARTERS: tuple[str, ...] = ("2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")
MAX_PARTNERS = 9_999_999

REGIONS: tuple[tuple[str, int], ...] = (("NA", 40), ("EMEA", 30), ("APAC", 20), ("LATAM", 10))
TYPE_WEIGHTS: dict[PartnerType, int] = {
    PartnerType.BIG4: 2,
    PartnerType.GSI: 5,
    PartnerType.BOUTIQUE: 22,
    PartnerType.REGIONAL_SI: 15,
    PartnerType.ISV: 14,
    PartnerType.RESELLER: 14,
    PartnerType.DISTRIBUTOR: 4,
    PartnerType.ADVISOR: 12,
    PartnerType.TECHNOLOGY: 9,
    PartnerType.ACADEMIC: 3,
}
# Tier weights (registered, silver, gold, platinum) by partner type.
TIER_WEIGHTS: dict[PartnerType, tuple[int, int, int, int]] = {
    PartnerType.BIG4: (0, 10, 40, 50),
    PartnerType.GSI: (5, 15, 40, 40),
    PartnerType.BOUTIQUE: (45, 35, 17, 3),
    PartnerType.REGIONAL_SI: (30, 40, 25, 5),
    PartnerType.ISV: (45, 30, 20, 5),
    PartnerType.RESELLER: (45, 35, 17, 3),
    PartnerType.DISTRIBUTOR: (10, 35, 40, 15),
    PartnerType.ADVISOR: (75, 22, 3, 0),
    PartnerType.TECHNOLOGY: (50, 30, 17, 3),
    PartnerType.ACADEMIC: (75, 22, 3, 0),
}
# Annual pipeline range (USD) and certified-individual range that fit each tier.
TIER_PIPELINE: dict[Tier, tuple[int, int]] = {
    Tier.REGISTERED: (0, 95_000),
    Tier.SILVER: (110_000, 480_000),
    Tier.GOLD: (520_000, 1_950_000),
    Tier.PLATINUM: (2_050_000, 9_000_000),
}
TIER_CERTIFIED: dict[Tier, tuple[int, int]] = {
    Tier.REGISTERED: (0, 1),
    Tier.SILVER: (1, 4),
    Tier.GOLD: (3, 9),
    Tier.PLATINUM: (5, 40),
}
TIER_SCORE_MEAN: dict[Tier, int] = {
    Tier.REGISTERED: 45,
    Tier.SILVER: 56,
    Tier.GOLD: 66,
    Tier.PLATINUM: 76,
}

VOCABULARY_FILE = "synth_vocabulary.yaml"
Words = Annotated[tuple[str, ...], Field(min_length=1)]


class IndustryWords(BaseModel):
    """What partners in one industry work on, and for whom."""

    specialties: Words
    segments: Words


class Vocabulary(BaseModel):
    """Word lists the generator composes names and descriptions from (``data/*.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    industries: dict[str, IndustryWords]
    geographies: dict[str, Words]
    kinds: dict[PartnerType, Words]
    suffixes: dict[PartnerType, Words]
    verbs: Words
    sizes: Words
    extras: Words
    syllables_a: Words
    syllables_b: Words
    nouns: Words


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The generator's vocabularies, loaded once from ``knowledge/data``."""
    text = resources.files("knowledge.data").joinpath(VOCABULARY_FILE).read_text("utf-8")
    return Vocabulary.model_validate(yaml.safe_load(text))


_TYPES = tuple(TYPE_WEIGHTS)
_TYPE_CUM = tuple(accumulate(TYPE_WEIGHTS.values()))
_TIER_CUM = {ptype: tuple(accumulate(weights)) for ptype, weights in TIER_WEIGHTS.items()}
_REGION_NAMES = tuple(name for name, _ in REGIONS)
_REGION_CUM = tuple(accumulate(weight for _, weight in REGIONS))
_TIERS = (Tier.REGISTERED, Tier.SILVER, Tier.GOLD, Tier.PLATINUM)


def _tier_figures(rng: random.Random, tier: Tier) -> tuple[int, int, bool]:
    """A yearly pipeline level, certified count and practice flag that fit ``tier``."""
    low, high = TIER_PIPELINE[tier]
    level = int(rng.uniform(low, high)) // 1000 * 1000
    certified = rng.randint(*TIER_CERTIFIED[tier])
    practice = tier is Tier.PLATINUM or (tier is Tier.GOLD and rng.random() < 0.3)
    return level, certified, practice


def _history(rng: random.Random, tier: Tier) -> list[QuarterRecord]:
    """Four quarters whose annual pipeline is the trailing sum of quarterly new pipeline."""
    drift = rng.random()
    # Most partners perform at their tier; some drift up or down, a few go silent.
    shown = tier
    if drift < 0.10 and tier is not Tier.PLATINUM:
        shown = _TIERS[tier.rank + 1]
    elif drift < 0.22 and tier is not Tier.REGISTERED:
        shown = _TIERS[tier.rank - 1]
    level, certified, practice = _tier_figures(rng, shown)
    new = [round(level / 4 * rng.uniform(0.6, 1.4), -3) for _ in range(7)]
    if drift > 0.97:
        silent = 2 if tier is Tier.REGISTERED else 4
        new[-silent:] = [0.0] * silent
    records = []
    for index, quarter in enumerate(QUARTERS):
        window = new[index : index + 4]
        records.append(
            QuarterRecord.model_construct(
                quarter=quarter,
                annual_pipeline_usd=float(sum(window)),
                certified_individuals=max(0, certified + rng.randint(-1, 1)),
                dedicated_practice=practice,
                new_pipeline_usd=new[index + 3],
            )
        )
    return records


def _description(
    rng: random.Random, words: Vocabulary, ptype: PartnerType, region: str, industry: str
) -> str:
    topic = words.industries[industry]
    who = f"{rng.choice(words.sizes)} {rng.choice(words.kinds[ptype])}".strip()
    first = (
        f"{who} {rng.choice(words.verbs)} {rng.choice(topic.specialties)} for "
        f"{rng.choice(topic.segments)} in {rng.choice(words.geographies[region])}."
    )
    extra = rng.choice(words.extras)
    text = first[0].upper() + first[1:]
    return f"{text} {extra}" if extra else text


def _name(rng: random.Random, words: Vocabulary, ptype: PartnerType) -> str:
    root = rng.choice(words.syllables_a) + rng.choice(words.syllables_b)
    return f"{root} {rng.choice(words.nouns)} {rng.choice(words.suffixes[ptype])}"


def _scores(rng: random.Random, tier: Tier, ptype: PartnerType) -> dict[str, int]:
    mean = TIER_SCORE_MEAN[tier] + rng.randint(-14, 14)
    scores = {}
    for key in CRITERIA:
        value = mean + rng.randint(-15, 15)
        if key == "market_influence" and ptype in (PartnerType.BIG4, PartnerType.GSI):
            value += 12
        scores[key] = min(100, max(0, value))
    return scores


def _one(
    rng: random.Random, words: Vocabulary, industries: tuple[str, ...], number: int
) -> Partner:
    """One partner, built without re-validation: every value is valid by construction."""
    pid = f"S-{number:07d}"
    ptype = rng.choices(_TYPES, cum_weights=_TYPE_CUM)[0]
    tier = rng.choices(_TIERS, cum_weights=_TIER_CUM[ptype])[0]
    region = rng.choices(_REGION_NAMES, cum_weights=_REGION_CUM)[0]
    industry = rng.choice(industries)
    history = _history(rng, tier)
    latest = history[-1]
    year = rng.randint(2021, 2025)
    fields: dict[str, Any] = {
        "partner_id": pid,
        "name": _name(rng, words, ptype),
        "partner_type": ptype,
        "tier": tier,
        "region": region,
        "industry": industry,
        "description": _description(rng, words, ptype, region, industry),
        **_scores(rng, tier, ptype),
        "annual_pipeline_usd": latest.annual_pipeline_usd,
        "certified_individuals": latest.certified_individuals,
        "dedicated_practice": latest.dedicated_practice,
        "tier_since": f"{year}-Q{rng.randint(1, 4)}",
        "history": history,
    }
    return Partner.model_construct(**fields)


def iter_partners(n: int, seed: int = 0, *, validate: bool = False) -> Iterator[Partner]:
    """Stream ``n`` synthetic partners; deterministic in ``n`` and ``seed``.

    Records are valid by construction and built without pydantic re-validation (about
    three times faster); pass ``validate=True`` to run every record through the model.

    Args:
        n: How many partners, 0 to 9,999,999.
        seed: Random seed; the same seed gives the same records.
        validate: Re-validate each record with ``Partner.model_validate``.

    Yields:
        Validated partners with ids ``S-0000001`` upwards and four quarters of history.

    Raises:
        FrameworkError: When ``n`` is out of range.
    """
    if not 0 <= n <= MAX_PARTNERS:
        raise FrameworkError("n", f"must be between 0 and {MAX_PARTNERS:,}", n)
    rng = random.Random(seed)
    words = vocabulary()
    industries = tuple(words.industries)
    for number in range(1, n + 1):
        partner = _one(rng, words, industries, number)
        yield Partner.model_validate(partner.model_dump()) if validate else partner


def generate_partners(n: int, seed: int = 0, *, validate: bool = False) -> list[Partner]:
    """Generate ``n`` synthetic partners as a list (see :func:`iter_partners`).

    Args:
        n: How many partners, 0 to 9,999,999.
        seed: Random seed; the same seed gives the same records.
        validate: Re-validate each record with ``Partner.model_validate``.

    Returns:
        The partners, ids ``S-0000001`` upwards.
    """
    return list(iter_partners(n, seed, validate=validate))


def _cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return "" if value is None else value


def write_csv(partners: Iterable[Partner], path: Path | str) -> int:
    """Write partners as a flat CSV with the same columns as ``partners.csv`` (no history).

    Args:
        partners: Partners to write (a list or a stream from :func:`iter_partners`).
        path: Output file; overwritten.

    Returns:
        The number of rows written.
    """
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PARTNER_COLUMNS)
        for partner in partners:
            writer.writerow([_cell(getattr(partner, col)) for col in PARTNER_COLUMNS])
            count += 1
    return count


def write_quarters_csv(partners: Iterable[Partner], path: Path | str) -> int:
    """Write the partners' quarterly history with the columns of ``partner_quarters.csv``.

    Args:
        partners: Partners whose history to write.
        path: Output file; overwritten.

    Returns:
        The number of quarter rows written.
    """
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(QUARTER_COLUMNS)
        for partner in partners:
            for record in partner.history:
                writer.writerow(
                    [partner.partner_id]
                    + [_cell(getattr(record, col)) for col in QUARTER_COLUMNS[1:]]
                )
                count += 1
    return count
