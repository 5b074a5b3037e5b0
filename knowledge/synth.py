"""Deterministic synthetic partner records for benchmarks and import tests (all fictional).

``iter_partners(n, seed)`` streams ``n`` validated :class:`tools.partners.Partner` records
with ids ``S-0000001`` ... and four quarters of history (2025-Q4 to 2026-Q3).
The same ``n`` and ``seed`` always give identical records, and the first ``k`` records of a
longer run equal ``generate_partners(k, seed)``. Names and descriptions are composed from
small vocabularies, so descriptions are nearly all distinct (about 99% per 100k).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Iterator
from itertools import accumulate
from pathlib import Path

from tools.errors import FrameworkError
from tools.partners import Partner, PartnerType, QuarterRecord, Tier

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
CRITERIA: tuple[str, ...] = (
    "icp_overlap",
    "market_influence",
    "practice_alignment",
    "partnership_appetite",
    "revenue_potential",
)
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

INDUSTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "financial services": (
        ("core banking modernisation", "payments and instant transfers", "fraud analytics",
         "regulatory reporting", "loan origination", "wealth management platforms",
         "KYC and onboarding", "treasury and liquidity tools", "open banking APIs",
         "credit risk models"),
        ("credit unions", "community banks", "retail banks", "asset managers",
         "insurers", "fintech lenders", "building societies", "private banks"),
    ),
    "healthcare": (
        ("electronic health records", "revenue cycle management", "patient flow",
         "clinical data integration", "telehealth services", "claims automation",
         "care coordination", "medication management", "population health analytics",
         "prior authorisation"),
        ("hospital networks", "regional health plans", "physician groups",
         "ambulatory surgery centres", "clinical research organisations",
         "community clinics", "long-term care providers", "public health agencies"),
    ),
    "manufacturing": (
        ("ERP rollouts", "plant-floor data collection", "predictive maintenance",
         "quality management", "demand planning", "product lifecycle management",
         "supplier risk scoring", "MES implementation", "warehouse automation",
         "industrial IoT"),
        ("automotive suppliers", "discrete manufacturers", "process manufacturers",
         "machine builders", "aerospace suppliers", "electronics assemblers",
         "food producers", "chemical plants"),
    ),
    "retail": (
        ("unified commerce", "point-of-sale replacement", "loyalty programmes",
         "pricing optimisation", "order management", "store workforce scheduling",
         "customer data platforms", "inventory visibility", "marketplace integration",
         "e-commerce replatforming"),
        ("grocery chains", "apparel retailers", "department stores", "convenience stores",
         "specialty retailers", "home improvement chains", "online marketplaces",
         "wholesale distributors"),
    ),
    "public sector": (
        ("case management", "licensing and permitting", "grant management",
         "procurement transparency", "digital citizen services", "tax administration",
         "benefits processing", "records digitisation", "identity verification",
         "service design"),
        ("city governments", "state agencies", "national ministries", "county offices",
         "school districts", "municipal utilities", "regulators", "courts"),
    ),
    "energy": (
        ("grid operations", "outage management", "meter data management",
         "asset performance management", "carbon reporting", "renewable portfolio analytics",
         "field service", "energy trading systems", "GIS integration",
         "demand response programmes"),
        ("electric utilities", "gas distributors", "renewable developers",
         "oil and gas operators", "mining companies", "electric cooperatives",
         "grid operators", "energy retailers"),
    ),
    "telecom": (
        ("BSS and OSS stacks", "billing consolidation", "network analytics",
         "customer care platforms", "5G service launches", "fibre rollout planning",
         "wholesale pricing", "contact centre automation", "number portability",
         "network API exposure"),
        ("mobile operators", "fibre wholesalers", "regional carriers", "cable operators",
         "internet providers", "tower companies", "MVNOs", "satellite operators"),
    ),
    "technology": (
        ("cloud migration", "data platform modernisation", "identity and access management",
         "application integration", "managed services", "DevOps tooling", "API management",
         "observability", "security operations", "low-code delivery"),
        ("SaaS vendors", "software start-ups", "IT departments", "hardware makers",
         "data centre operators", "managed service providers", "platform companies",
         "digital agencies"),
    ),
}
GEOGRAPHIES: dict[str, tuple[str, ...]] = {
    "NA": ("the US Midwest", "the Pacific Northwest", "Texas", "the US Northeast", "Ontario",
           "Quebec", "the US Southeast", "California", "the Mountain states", "Western Canada"),
    "EMEA": ("the Nordics", "the DACH region", "Benelux", "the UK and Ireland", "Iberia",
             "France", "Poland and the Baltics", "the Gulf states", "South Africa", "Italy"),
    "APAC": ("Australia and New Zealand", "Singapore and Malaysia", "Japan", "South Korea",
             "India", "Indonesia", "the Philippines", "Vietnam", "Hong Kong", "Taiwan"),
    "LATAM": ("Mexico", "Brazil", "Colombia", "Chile", "Argentina", "Peru", "Central America",
              "the Caribbean", "Uruguay", "Ecuador"),
}
KINDS: dict[PartnerType, tuple[str, ...]] = {
    PartnerType.BIG4: ("Global audit and advisory firm", "Multinational professional services firm",
                       "Large consulting and assurance network"),
    PartnerType.GSI: ("Global systems integrator", "Large-scale delivery integrator",
                      "Offshore-scale integrator"),
    PartnerType.BOUTIQUE: ("Boutique consultancy", "Specialist advisory firm",
                           "Small vertical consultancy", "Independent consulting practice"),
    PartnerType.REGIONAL_SI: ("Regional systems integrator", "Mid-market integrator",
                              "Local implementation partner"),
    PartnerType.ISV: ("Software vendor", "Product ISV", "Vertical SaaS company"),
    PartnerType.RESELLER: ("Value-added reseller", "Software reseller", "Regional VAR"),
    PartnerType.DISTRIBUTOR: ("IT distributor", "Cloud distributor", "Channel distributor"),
    PartnerType.ADVISOR: ("Independent advisor", "Two-person advisory practice",
                          "Former-executive advisory firm"),
    PartnerType.TECHNOLOGY: ("Technology partner", "Complementary SaaS provider",
                             "Integration partner"),
    PartnerType.ACADEMIC: ("University research lab", "Applied research institute",
                           "Academic centre"),
}
VERBS = ("specialising in", "focused on", "known for", "delivering", "with a practice in",
         "building its business on")
SIZES = ("", "fast-growing ", "well-established ", "founder-led ", "employee-owned ",
         "award-winning ", "newly formed ", "long-standing ")
EXTRAS = (
    "", "", "", "", "It holds several customer references with our product.",
    "It recently opened a second delivery centre.",
    "Its certified team is small but growing.", "It co-sells with two other vendors.",
    "It prefers fixed-price engagements.", "It runs a quarterly client roundtable.",
    "Its leadership changed this year.", "It has a strong public reference base.",
    "It is exploring an OEM arrangement.", "It mostly works through subcontracting.",
    "Its pipeline is concentrated in a few large accounts.",
    "It is building a centre of excellence.", "It competes with another of our partners.",
    "It has asked for early product access.", "It hosts an annual industry event.",
    "It trains its consultants through our academy.",
)
SYLLABLES_A = ("Ash", "Bran", "Cor", "Del", "El", "Fen", "Gar", "Hal", "Ive", "Jor", "Kes",
               "Lor", "Mar", "Nor", "Or", "Pel", "Quen", "Ros", "Sol", "Tal", "Ul", "Vel",
               "Wes", "Yar", "Zen", "Bel", "Cal", "Dun", "Tor", "Lin")
SYLLABLES_B = ("wick", "mere", "stead", "ford", "holt", "gate", "ridge", "brook", "vale",
               "mont", "shaw", "ton", "well", "more", "field", "crest", "haven", "by",
               "dale", "wyn", "leigh", "moor", "stone", "wood", "port", "cliff", "fell",
               "bury", "hurst", "land")
NOUNS = ("Harbor", "Summit", "Beacon", "Meridian", "Keystone", "Lantern", "Compass", "Anchor",
         "Signal", "Atlas", "Pillar", "Granite", "Silver", "Northern", "Bluewater", "Cedar",
         "Iron", "Crescent", "Orchard", "Falcon")
SUFFIXES: dict[PartnerType, tuple[str, ...]] = {
    PartnerType.BIG4: ("Advisory", "LLP", "Partners"),
    PartnerType.GSI: ("Global Services", "Technologies", "Systems"),
    PartnerType.BOUTIQUE: ("Consulting", "Advisors", "Associates", "Partners"),
    PartnerType.REGIONAL_SI: ("Systems", "Integration", "Solutions"),
    PartnerType.ISV: ("Software", "Labs", "Inc."),
    PartnerType.RESELLER: ("Resellers", "IT Sales", "Solutions"),
    PartnerType.DISTRIBUTOR: ("Distribution", "Channel Group", "Supply"),
    PartnerType.ADVISOR: ("Advisory", "Counsel", "Advisors"),
    PartnerType.TECHNOLOGY: ("Cloud", "Networks", "Platforms"),
    PartnerType.ACADEMIC: ("Institute", "Research Lab", "Centre"),
}
_TYPES = tuple(TYPE_WEIGHTS)
_TYPE_CUM = tuple(accumulate(TYPE_WEIGHTS.values()))
_TIER_CUM = {ptype: tuple(accumulate(weights)) for ptype, weights in TIER_WEIGHTS.items()}
_REGION_NAMES = tuple(name for name, _ in REGIONS)
_REGION_CUM = tuple(accumulate(weight for _, weight in REGIONS))
_TIERS = (Tier.REGISTERED, Tier.SILVER, Tier.GOLD, Tier.PLATINUM)
_INDUSTRY_NAMES = tuple(INDUSTRIES)


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


def _description(rng: random.Random, ptype: PartnerType, region: str, industry: str) -> str:
    specialties, segments = INDUSTRIES[industry]
    first = (
        f"{rng.choice(SIZES)}{rng.choice(KINDS[ptype]).lower()} {rng.choice(VERBS)} "
        f"{rng.choice(specialties)} for {rng.choice(segments)} in "
        f"{rng.choice(GEOGRAPHIES[region])}."
    )
    extra = rng.choice(EXTRAS)
    text = first[0].upper() + first[1:]
    return f"{text} {extra}" if extra else text


def _name(rng: random.Random, ptype: PartnerType) -> str:
    root = rng.choice(SYLLABLES_A) + rng.choice(SYLLABLES_B)
    return f"{root} {rng.choice(NOUNS)} {rng.choice(SUFFIXES[ptype])}"


def _scores(rng: random.Random, tier: Tier, ptype: PartnerType) -> dict[str, int]:
    mean = TIER_SCORE_MEAN[tier] + rng.randint(-14, 14)
    scores = {}
    for key in CRITERIA:
        value = mean + rng.randint(-15, 15)
        if key == "market_influence" and ptype in (PartnerType.BIG4, PartnerType.GSI):
            value += 12
        scores[key] = min(100, max(0, value))
    return scores


def _one(rng: random.Random, number: int) -> Partner:
    """One partner, built without re-validation: every value is valid by construction."""
    pid = f"S-{number:07d}"
    ptype = rng.choices(_TYPES, cum_weights=_TYPE_CUM)[0]
    tier = rng.choices(_TIERS, cum_weights=_TIER_CUM[ptype])[0]
    region = rng.choices(_REGION_NAMES, cum_weights=_REGION_CUM)[0]
    industry = rng.choice(_INDUSTRY_NAMES)
    history = _history(rng, tier)
    latest = history[-1]
    year = rng.randint(2021, 2025)
    return Partner.model_construct(
        partner_id=pid,
        name=_name(rng, ptype),
        partner_type=ptype,
        tier=tier,
        region=region,
        industry=industry,
        description=_description(rng, ptype, region, industry),
        **_scores(rng, tier, ptype),
        annual_pipeline_usd=latest.annual_pipeline_usd,
        certified_individuals=latest.certified_individuals,
        dedicated_practice=latest.dedicated_practice,
        tier_since=f"{year}-Q{rng.randint(1, 4)}",
        history=history,
    )


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
    for number in range(1, n + 1):
        partner = _one(rng, number)
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
