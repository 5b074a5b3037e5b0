"""The partner landscape map: every partner placed in landscape tier A, B or C by its type.

Tier A (strategic: Big 4 firms and global systems integrators) aims at Platinum; tier B
(growth: boutique consultancies, regional SIs, product, ISV and technology partners) at Gold;
tier C (the long tail: resellers, distributors, advisors, academic partners) is self-serve
at Registered. Within a tier, partners are grouped by type and ordered by attractiveness.
A partner whose program tier is below its landscape target is listed as a gap to develop.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from tools.documents.common import DocumentModel, InputModel, Name, parse_input
from tools.partners import PartnerType, Tier
from tools.scoring import band_for

LandscapeTier = Literal["A", "B", "C"]

#: Landscape tier -> (name, target program tier, partner types), strategic first.
LANDSCAPE_TIERS: dict[str, tuple[str, Tier, tuple[PartnerType, ...]]] = {
    "A": ("Strategic partners", Tier.PLATINUM, (PartnerType.BIG4, PartnerType.GSI)),
    "B": ("Growth partners", Tier.GOLD,
          (PartnerType.BOUTIQUE, PartnerType.REGIONAL_SI, PartnerType.ISV,
           PartnerType.TECHNOLOGY)),
    "C": ("Long-tail partners", Tier.REGISTERED,
          (PartnerType.RESELLER, PartnerType.DISTRIBUTOR, PartnerType.ADVISOR,
           PartnerType.ACADEMIC)),
}
TIER_OF_TYPE: dict[PartnerType, str] = {
    ptype: key for key, (_, _, types) in LANDSCAPE_TIERS.items() for ptype in types}
ENGAGEMENT = {
    "A": "named executive sponsor, joint business plan and quarterly business reviews",
    "B": "shared partner manager, joint webinars and semi-annual reviews",
    "C": "self-serve portal, automated onboarding and minimal investment",
}


class LandscapePartner(InputModel):
    """One partner placed on the map.

    Args:
        name: The partner.
        partner_type: Its type (decides its landscape tier).
        tier: Its current program tier.
        region: Its main region.
        industry: Its main industry.
        score: Its attractiveness score, 0-100.
    """

    name: Name
    partner_type: PartnerType
    tier: Tier = Tier.REGISTERED
    region: Name = "unknown"
    industry: Name = "unknown"
    score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class LandscapeInput(InputModel):
    """What the landscape map needs.

    Args:
        company: Our company.
        as_of: The date of the map.
        partners: The partners (from the store, or listed).
    """

    company: Name
    as_of: date
    partners: Annotated[list[LandscapePartner], Field(min_length=1, max_length=100_000)]


class PlacedPartner(DocumentModel):
    """A partner on the map, with its band and whether it sits below its target tier."""

    name: str
    tier: str
    region: str
    industry: str
    score: float
    band: str
    below_target: bool


class TypeGroup(DocumentModel):
    """The partners of one type within a landscape tier."""

    partner_type: str
    partners: list[PlacedPartner]


class LandscapeTierGroup(DocumentModel):
    """One landscape tier: its target, engagement, groups and counts by program tier."""

    key: str
    name: str
    target_tier: str
    engagement: str
    groups: list[TypeGroup]
    count: int
    by_program_tier: dict[str, int]
    below_target: int


class LandscapeMap(DocumentModel):
    """A finished partner landscape map."""

    company: str
    as_of: str
    tiers: list[LandscapeTierGroup]
    total: int


def landscape_tier(partner_type: PartnerType) -> str:
    """The landscape tier (A, B or C) of a partner type."""
    return TIER_OF_TYPE[partner_type]


def _tier_group(key: str, partners: list[LandscapePartner]) -> LandscapeTierGroup:
    name, target, types = LANDSCAPE_TIERS[key]
    groups: list[TypeGroup] = []
    below = 0
    for ptype in types:
        members = sorted((p for p in partners if p.partner_type == ptype),
                         key=lambda p: (-p.score, p.name))
        if not members:
            continue
        placed = []
        for p in members:
            gap = p.tier.rank < target.rank
            below += gap
            placed.append(PlacedPartner(name=p.name, tier=p.tier.value, region=p.region,
                                        industry=p.industry, score=p.score,
                                        band=band_for(p.score).value, below_target=gap))
        groups.append(TypeGroup(partner_type=ptype.value, partners=placed))
    inside = [p for p in partners if p.partner_type in types]
    by_tier = {t.value: sum(1 for p in inside if p.tier == t) for t in reversed(list(Tier))}
    return LandscapeTierGroup(key=key, name=name, target_tier=target.value,
                              engagement=ENGAGEMENT[key], groups=groups, count=len(inside),
                              by_program_tier=by_tier, below_target=below)


def build_landscape(data: LandscapeInput | dict[str, Any]) -> LandscapeMap:
    """Place every partner in landscape tier A, B or C and group it by type.

    Args:
        data: A LandscapeInput or a dict with its fields.

    Raises:
        FrameworkError: Naming the field on bad input.
    """
    given = parse_input(LandscapeInput, data)
    tiers = [_tier_group(key, given.partners) for key in LANDSCAPE_TIERS]
    return LandscapeMap(company=given.company, as_of=str(given.as_of), tiers=tiers,
                        total=len(given.partners))
