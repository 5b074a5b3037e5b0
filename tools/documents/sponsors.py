"""The executive relationship map: one executive pairing per Platinum partner, with cadence.

Every Platinum partner needs a named executive at the partner, our counterpart and a meeting
cadence; a Platinum partner without one is flagged. Pairings for partners below Platinum are
kept and listed, but the framework only requires them for Platinum.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from tools.documents.common import DocumentModel, InputModel, Name, parse_input
from tools.documents.competitors import name_key
from tools.errors import FrameworkError
from tools.partners import Tier


class SponsorPairing(InputModel):
    """One executive pairing.

    Args:
        partner: The partner.
        partner_executive: The executive at the partner (name and role).
        our_counterpart: Our executive counterpart(s), e.g. "CPO + CEO".
        cadence: How often they meet, e.g. "Monthly 1:1 + QBR".
    """

    partner: Name
    partner_executive: Name
    our_counterpart: Name
    cadence: Name


class MappedPartner(InputModel):
    """A partner and its program tier.

    Args:
        name: The partner.
        tier: Its program tier.
    """

    name: Name
    tier: Tier


class RelationshipMapInput(InputModel):
    """What the relationship map needs.

    Args:
        company: Our company.
        partners: The partners with their tiers (from the store, or listed).
        pairings: The executive pairings we have.
    """

    company: Name
    partners: Annotated[list[MappedPartner], Field(min_length=1, max_length=100_000)]
    pairings: list[SponsorPairing] = Field(default_factory=list)


class RelationshipRow(DocumentModel):
    """One partner's executive pairing, or the flag that it has none."""

    partner: str
    tier: str
    partner_executive: str | None
    our_counterpart: str | None
    cadence: str | None
    flagged: bool


class RelationshipMap(DocumentModel):
    """A finished executive relationship map."""

    company: str
    platinum: list[RelationshipRow]
    others: list[RelationshipRow]
    missing: list[str]
    unknown_partners: list[str]
    covered: int


def build_relationship_map(data: RelationshipMapInput | dict[str, Any]) -> RelationshipMap:
    """Pair every Platinum partner with its executive sponsor; flag those without one.

    Args:
        data: A RelationshipMapInput or a dict with its fields.

    Raises:
        FrameworkError: Naming ``pairings`` when a partner has two pairings.
    """
    given = parse_input(RelationshipMapInput, data)
    pairs: dict[str, SponsorPairing] = {}
    for pair in given.pairings:
        key = name_key(pair.partner)
        if key in pairs:
            raise FrameworkError("pairings", "names the same partner twice (one executive "
                                 "pairing per partner)", pair.partner)
        pairs[key] = pair
    platinum: list[RelationshipRow] = []
    others: list[RelationshipRow] = []
    known: set[str] = set()
    for partner in sorted(given.partners, key=lambda p: (-p.tier.rank, p.name.lower())):
        key = name_key(partner.name)
        known.add(key)
        found = pairs.get(key)
        is_platinum = partner.tier is Tier.PLATINUM
        if found is None and not is_platinum:
            continue
        row = RelationshipRow(
            partner=partner.name, tier=partner.tier.value,
            partner_executive=found.partner_executive if found else None,
            our_counterpart=found.our_counterpart if found else None,
            cadence=found.cadence if found else None, flagged=is_platinum and found is None)
        (platinum if is_platinum else others).append(row)
    missing = [r.partner for r in platinum if r.flagged]
    return RelationshipMap(
        company=given.company, platinum=platinum, others=others, missing=missing,
        unknown_partners=[p.partner for k, p in pairs.items() if k not in known],
        covered=len(platinum) - len(missing))
