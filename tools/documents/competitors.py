"""The competitor partner ecosystem map: who our competitors signed, and where we can win.

Every partner a competitor has signed, or that we know of, gets one position:

- ``locked``: signed exclusively with a competitor, or with a competitor that runs a strong
  partnership with it. Do not chase it head-on: prepare a counter-narrative and approach the
  adjacent partners (same type, not locked).
- ``under_served``: signed only in weak or moderate partnerships, none exclusive.
  Recruit first.
- ``available``: signed with no competitor. Recruit first.

The recruit-first list names the best ten by attractiveness score (unscored partners last). The map
must be refreshed every 6 months (``tools.program.COMPETITOR_MAP_MONTHS``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field

from tools.documents.common import (
    DocumentModel,
    InputModel,
    ModelKey,
    Name,
    Text,
    join_words,
    parse_input,
)
from tools.errors import FrameworkError
from tools.models import PARTNERSHIP_MODELS
from tools.partners import PartnerType
from tools.program import COMPETITOR_MAP_MONTHS, months_before

Strength = Literal["strong", "moderate", "weak"]
Position = Literal["locked", "under_served", "available"]
#: How many adjacent partners to name for each locked partner.
ADJACENT_MAX = 3
#: The framework maps the top competitors' ecosystems.
TOP_COMPETITORS = 3
#: How many partners the recruit-first list names, best score first.
RECRUIT_FIRST_MAX = 10
SUFFIXES = re.compile(r"\b(inc|incorporated|llp|llc|ltd|limited|plc|gmbh|ag|sa|corp|"
                      r"corporation|co|company|group)\b")


def name_key(name: str) -> str:
    """A company name reduced for matching: lower case, no punctuation or legal suffix."""
    low = re.sub(r"[^a-z0-9 ]+", " ", name.lower().replace("&", " and "))
    return " ".join(SUFFIXES.sub(" ", low).split())


class CompetitorPartnership(InputModel):
    """One partnership a competitor has signed.

    Args:
        competitor: The competitor.
        partner: The partner it signed.
        model: The partnership model (referral, reseller, co_sell, ...).
        strength: How strong the partnership looks: strong, moderate or weak.
        exclusive: Whether the partner is exclusive to that competitor.
        why: Why it works (or does not) for the competitor.
        partner_type: The partner's type, when the partner is not in our store.
    """

    competitor: Name
    partner: Name
    model: ModelKey
    strength: Strength
    exclusive: bool = False
    why: Text | None = None
    partner_type: PartnerType | None = None


class KnownPartner(InputModel):
    """A partner we know (from our store), with its type and score.

    Args:
        name: The partner.
        partner_type: Its type.
        score: Its attractiveness score, 0-100.
    """

    name: Name
    partner_type: PartnerType
    score: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None


class CompetitorMapInput(InputModel):
    """What the competitor ecosystem map needs.

    Args:
        company: Our company.
        as_of: The date of the analysis.
        refreshed: When the competitor partnerships were last researched (default: as_of).
        partnerships: The competitors' partnerships.
        known_partners: The partners in our store (types and scores).
    """

    company: Name
    as_of: date
    refreshed: date | None = None
    partnerships: Annotated[list[CompetitorPartnership], Field(min_length=1)]
    known_partners: list[KnownPartner] = Field(default_factory=list)


class CompetitorRow(DocumentModel):
    """One competitor partnership as the map shows it."""

    partner: str
    model: str
    strength: str
    exclusive: bool
    why: str


class CompetitorEcosystem(DocumentModel):
    """One competitor's signed partners."""

    competitor: str
    partnerships: list[CompetitorRow]


class PartnerPosition(DocumentModel):
    """Where one partner stands, and what we do about it."""

    partner: str
    partner_type: str | None
    score: float | None
    position: Position
    competitors: list[str]
    action: str
    adjacent: list[str]


class CompetitorMap(DocumentModel):
    """A finished competitor partner ecosystem map."""

    company: str
    as_of: str
    refreshed: str
    refresh_due: str
    stale: bool
    competitors: list[CompetitorEcosystem]
    top_competitors: list[str]
    positions: list[PartnerPosition]
    recruit_first: list[str]
    locked: list[str]


def _position(deals: list[CompetitorPartnership]) -> Position:
    if not deals:
        return "available"
    if any(d.exclusive or d.strength == "strong" for d in deals):
        return "locked"
    return "under_served"


def _model_label(key: str) -> str:
    return PARTNERSHIP_MODELS[key].name


def _action(company: str, position: Position, deals: list[CompetitorPartnership],
            adjacent: list[str]) -> str:
    if position == "available":
        return "Recruit first: no competitor has signed it."
    if position == "under_served":
        held = join_words([f"{d.competitor} ({d.strength} {_model_label(d.model.value)})"
                           for d in deals])
        return f"Recruit first: under-served by {held}."
    lock = next(d for d in deals if d.exclusive or d.strength == "strong")
    why = "exclusive" if lock.exclusive else "strong"
    reach = (f"approach {join_words(adjacent)}" if adjacent
             else "no adjacent partner is free yet; find one of the same type")
    return (f"Locked to {lock.competitor} ({why} {_model_label(lock.model.value)}): "
            f"counter with the clients that model leaves under-served and what {company} "
            f"adds for them; {reach}.")


def build_competitor_map(data: CompetitorMapInput | dict[str, Any]) -> CompetitorMap:
    """Map the competitors' partner ecosystems and say whom to recruit and whom to flank.

    Args:
        data: A CompetitorMapInput or a dict with its fields.

    Raises:
        FrameworkError: Naming the field on bad input, or ``refreshed`` when it is after
            ``as_of``.
    """
    given = parse_input(CompetitorMapInput, data)
    refreshed = given.refreshed or given.as_of
    if refreshed > given.as_of:
        raise FrameworkError("refreshed", f"must not be after as_of ({given.as_of})",
                             str(refreshed))
    known = {name_key(p.name): p for p in given.known_partners}
    deals: dict[str, list[CompetitorPartnership]] = {}
    names: dict[str, str] = {key: p.name for key, p in known.items()}
    types: dict[str, PartnerType | None] = {key: p.partner_type for key, p in known.items()}
    for deal in given.partnerships:
        key = name_key(deal.partner)
        deals.setdefault(key, []).append(deal)
        names.setdefault(key, deal.partner)
        if types.get(key) is None:
            types[key] = deal.partner_type
    position = {key: _position(deals.get(key, [])) for key in names}
    positions: list[PartnerPosition] = []
    for key in sorted(names, key=lambda k: names[k].lower()):
        adjacent: list[str] = []
        if position[key] == "locked" and types.get(key) is not None:
            free = [k for k in names if k != key and position[k] != "locked"
                    and types.get(k) == types[key]]
            free.sort(key=lambda k: (-(known[k].score or 0) if k in known else 1, names[k]))
            adjacent = [names[k] for k in free[:ADJACENT_MAX]]
        own = deals.get(key, [])
        ptype = types.get(key)
        positions.append(PartnerPosition(
            partner=names[key], partner_type=ptype.value if ptype else None,
            score=known[key].score if key in known else None, position=position[key],
            competitors=sorted({d.competitor for d in own}),
            action=_action(given.company, position[key], own, adjacent), adjacent=adjacent))
    by_competitor: dict[str, list[CompetitorRow]] = {}
    for deal in given.partnerships:
        by_competitor.setdefault(deal.competitor, []).append(CompetitorRow(
            partner=deal.partner, model=_model_label(deal.model.value), strength=deal.strength,
            exclusive=deal.exclusive, why=deal.why or "not recorded"))
    ecosystems = sorted((CompetitorEcosystem(competitor=c, partnerships=rows)
                         for c, rows in by_competitor.items()),
                        key=lambda e: (-len(e.partnerships), e.competitor))
    recruit = sorted((p for p in positions if p.position != "locked"),
                     key=lambda p: (p.score is None, -(p.score or 0), p.partner.lower()))
    due = months_before(given.as_of, COMPETITOR_MAP_MONTHS)
    return CompetitorMap(
        company=given.company, as_of=str(given.as_of), refreshed=str(refreshed),
        refresh_due=str(_add_months(refreshed, COMPETITOR_MAP_MONTHS)), stale=refreshed < due,
        competitors=ecosystems,
        top_competitors=[e.competitor for e in ecosystems[:TOP_COMPETITORS]],
        positions=positions,
        recruit_first=[p.partner for p in recruit[:RECRUIT_FIRST_MAX]],
        locked=[p.partner for p in positions if p.position == "locked"])


def _add_months(day: date, months: int) -> date:
    """``months`` calendar months after ``day`` (the inverse of ``months_before``)."""
    return months_before(day, -months)
