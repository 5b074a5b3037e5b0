"""The partner record: what the program knows about one partner, with its quarterly history.

This model is the contract between the sample data, the importers, the store, the tools and
the agent. Keep its metadata scalar-friendly: the store flattens it into Chroma metadata.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.parsing import normalise_quarter, parse_quarter
from tools.text import MULTI_LINE, SINGLE_LINE
from tools.vocab import CRITERIA

Score = Annotated[int, Field(ge=0, le=100)]
#: Largest amount of money a record may hold: far above any real pipeline, and small enough
#: that sums over a whole portfolio stay finite.
MAX_USD = 1e15
#: US dollars: finite (``inf`` and ``nan`` are refused, JSON cannot store them), 0 to MAX_USD.
Usd = Annotated[float, Field(ge=0, le=MAX_USD, allow_inf_nan=False)]


class PartnerType(StrEnum):
    """Kinds of partner the framework distinguishes."""

    BIG4 = "big4"
    GSI = "gsi"
    BOUTIQUE = "boutique"
    REGIONAL_SI = "regional_si"
    ISV = "isv"
    RESELLER = "reseller"
    DISTRIBUTOR = "distributor"
    ADVISOR = "advisor"
    TECHNOLOGY = "technology"
    ACADEMIC = "academic"


class Tier(StrEnum):
    """Program tiers, lowest first."""

    REGISTERED = "registered"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"

    @property
    def rank(self) -> int:
        """Position in the ladder: registered 0 ... platinum 3."""
        return list(Tier).index(self)


def ordered_history(value: list[QuarterRecord]) -> list[QuarterRecord]:
    """Quarterly records oldest first; the same quarter twice is an error.

    Raises:
        ValueError: When two records name the same quarter.
    """
    keys = [parse_quarter(r.quarter) for r in value]
    if len(set(keys)) != len(keys):
        raise ValueError("history has the same quarter twice")
    return sorted(value, key=lambda r: parse_quarter(r.quarter))


class QuarterRecord(BaseModel):
    """One quarter of a partner's figures, as measured at the quarter's QBR.

    Args:
        quarter: The quarter, ``YYYY-QN``.
        annual_pipeline_usd: Trailing-twelve-month partner-sourced pipeline in USD.
        certified_individuals: Certified people at the partner at quarter end.
        dedicated_practice: Whether the partner runs a dedicated practice or CoE for us.
        new_pipeline_usd: Pipeline the partner registered during this quarter (activity).
    """

    model_config = ConfigDict(extra="forbid")

    quarter: str
    annual_pipeline_usd: Usd
    certified_individuals: Annotated[int, Field(ge=0)]
    dedicated_practice: bool = False
    new_pipeline_usd: Usd = 0.0

    @field_validator("quarter")
    @classmethod
    def _normalise_quarter(cls, value: str) -> str:
        year, q = parse_quarter(value)
        return f"{year}-Q{q}"


class Partner(BaseModel):
    """A partner record (sample data is fictional).

    Args:
        partner_id: Stable id, e.g. ``P-0001``.
        name: Company name.
        partner_type: Kind of partner.
        tier: Current program tier.
        region: Main region (``NA``, ``EMEA``, ``APAC``, ``LATAM``).
        industry: Main industry served.
        description: Free text about the partner, used for semantic search.
        icp_overlap: Attractiveness criterion, 0-100.
        market_influence: Attractiveness criterion, 0-100.
        practice_alignment: Attractiveness criterion, 0-100.
        partnership_appetite: Attractiveness criterion, 0-100.
        revenue_potential: Attractiveness criterion, 0-100.
        annual_pipeline_usd: Current trailing-twelve-month pipeline in USD.
        certified_individuals: Certified people now.
        dedicated_practice: Whether a dedicated practice exists now.
        tier_since: Quarter in which the current tier started.
        history: Quarterly figures, oldest first.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
    name: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
    partner_type: PartnerType
    tier: Tier = Tier.REGISTERED
    region: Annotated[str, Field(min_length=1, max_length=40), SINGLE_LINE]
    industry: Annotated[str, Field(min_length=1, max_length=80), SINGLE_LINE]
    description: Annotated[str, Field(max_length=4000), MULTI_LINE] = ""
    icp_overlap: Score
    market_influence: Score
    practice_alignment: Score
    partnership_appetite: Score
    revenue_potential: Score
    annual_pipeline_usd: Usd = 0.0
    certified_individuals: Annotated[int, Field(ge=0)] = 0
    dedicated_practice: bool = False
    tier_since: str | None = None
    history: list[QuarterRecord] = Field(default_factory=list)

    @field_validator("tier_since")
    @classmethod
    def _normalise_tier_since(cls, value: str | None) -> str | None:
        return normalise_quarter(value)

    @field_validator("history")
    @classmethod
    def _history_in_order(cls, value: list[QuarterRecord]) -> list[QuarterRecord]:
        return ordered_history(value)

    def criteria(self) -> dict[str, int]:
        """The five attractiveness inputs, keyed as the scorer expects."""
        return {name: int(getattr(self, name)) for name in CRITERIA}
