"""Inputs and results of the agent's own tools (the ones that wrap the store, not a formula).

Tools that wrap a framework function take that function's input model directly (for example
``tools.star.StarInput``); the models here cover what only the agent layer knows about:
looking partners up by name or id, searching the knowledge base, summarising the portfolio.
Field descriptions become the parameter descriptions of the tool schemas the model sees.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.parsing import normalise_quarter
from tools.partners import Partner, PartnerType, Tier
from tools.text import SINGLE_LINE
from tools.vocab import CRITERIA

Criterion = Annotated[float, Field(ge=0, le=100)]
PartnerRef = Annotated[
    str,
    Field(min_length=1, max_length=200,
          description="Partner id (e.g. P-0001) or company name, as stored."),
    SINGLE_LINE,
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)





class SearchFrameworkInput(_Input):
    """Search the partnership framework documents."""

    query: str = Field(min_length=2, max_length=500, description="What to look up.")
    k: int = Field(default=4, ge=1, le=10, description="How many passages to return.")


class PassageOut(BaseModel):
    """One framework passage, as cited."""

    doc_id: str
    title: str
    section: str
    text: str
    chunk_id: str | None = None
    distance: float | None = None


class FrameworkSearchResult(BaseModel):
    """Framework passages that match a query, best first."""

    query: str
    passages: list[PassageOut]


class FindPartnersInput(_Input):
    """Find partners by meaning, optionally filtered."""

    query: str = Field(default="", max_length=500,
                       description="What kind of partner, in words (may be empty with filters).")
    k: int = Field(default=5, ge=1, le=25, description="How many partners to return.")
    tier: Tier | None = Field(default=None, description="Only this program tier.")
    partner_type: PartnerType | None = Field(default=None, description="Only this partner type.")
    region: str | None = Field(default=None, max_length=40,
                               description="Only this region: NA, EMEA, APAC or LATAM.")
    industry: str | None = Field(default=None, max_length=80, description="Only this industry.")
    band: str | None = Field(default=None, description="Only this attractiveness band: "
                             "priority, secondary or opportunistic.")

    @field_validator("band")
    @classmethod
    def _band(cls, value: str | None) -> str | None:
        if value is None:
            return None
        allowed = ("priority", "secondary", "opportunistic")
        if value.lower() not in allowed:
            raise ValueError("must be one of " + ", ".join(allowed))
        return value.lower()


class PartnerSummary(BaseModel):
    """The headline facts of one partner."""

    partner_id: str
    name: str
    partner_type: str
    tier: str
    region: str
    industry: str
    score: float | None = None
    band: str | None = None
    annual_pipeline_usd: float
    certified_individuals: int
    dedicated_practice: bool
    similarity: float | None = None


class FindPartnersResult(BaseModel):
    """Partners that match, best first."""

    query: str
    count: int
    partners: list[PartnerSummary]


class ShowPartnerInput(_Input):
    """Which partner to show."""

    partner: PartnerRef


class PartnerDetail(BaseModel):
    """A full partner record with its attractiveness score."""

    partner: Partner
    score: float
    band: str
    #: Where the ICP overlap the score uses comes from, when the account map computed it.
    icp_overlap: float | None = None
    icp_source: str | None = None


class ScorePartnerInput(_Input):
    """A stored partner to score, or the five criteria (0-100 each) for a new one."""

    partner: str | None = Field(default=None, max_length=200,
                                description="Partner id or name; its stored criteria are used "
                                "for any criterion not given here.")
    icp_overlap: Criterion | None = Field(default=None, description="ICP overlap, 0-100.")
    market_influence: Criterion | None = Field(default=None,
                                               description="Market influence, 0-100.")
    practice_alignment: Criterion | None = Field(default=None,
                                                 description="Practice alignment, 0-100.")
    partnership_appetite: Criterion | None = Field(default=None,
                                                   description="Partnership appetite, 0-100.")
    revenue_potential: Criterion | None = Field(default=None,
                                                description="Revenue potential, 0-100.")
    weights: dict[str, float] | None = Field(
        default=None, description="Optional percent weights per criterion (must sum to 100).")

    @model_validator(mode="after")
    def _partner_or_all_criteria(self) -> ScorePartnerInput:
        missing = [c for c in CRITERIA if getattr(self, c) is None]
        if self.partner is None and missing:
            raise ValueError("give a partner, or all five criteria (missing "
                             + ", ".join(missing) + ")")
        return self

    def given_criteria(self) -> dict[str, float]:
        """The criteria stated in this input (not the ones to look up)."""
        return {c: getattr(self, c) for c in CRITERIA if getattr(self, c) is not None}


class ScoreResult(BaseModel):
    """An attractiveness score, with the partner it belongs to if one was named."""

    partner_id: str | None = None
    partner_name: str | None = None
    inputs: dict[str, float]
    result: Any
    sources: dict[str, str] = Field(default_factory=dict)


class CheckTierInput(_Input):
    """A stored partner, or the figures to check against the tier criteria."""

    partner: str | None = Field(default=None, max_length=200,
                                description="Partner id or name; its current figures are used "
                                "for any figure not given here.")
    annual_pipeline_usd: float | None = Field(
        default=None, ge=0, description="Trailing-twelve-month partner-sourced pipeline, USD.")
    certified_individuals: int | None = Field(default=None, ge=0,
                                              description="Certified people at the partner.")
    dedicated_practice: bool | None = Field(
        default=None, description="Whether the partner runs a dedicated practice for us.")

    @model_validator(mode="after")
    def _partner_or_figures(self) -> CheckTierInput:
        if self.partner is None and (self.annual_pipeline_usd is None
                                     or self.certified_individuals is None):
            raise ValueError("give a partner, or at least annual_pipeline_usd and "
                             "certified_individuals")
        return self


class ReviewTierInput(_Input):
    """Which partner to review, and as of which quarter."""

    partner: PartnerRef
    as_of: str | None = Field(default=None, description="Quarter of the review, e.g. 2026-Q3 "
                              "(its last day); defaults to today, so only quarters completed "
                              "by today count.")

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str | None) -> str | None:
        return normalise_quarter(value)


class PortfolioSummaryInput(_Input):
    """Optional filters for the portfolio summary."""

    region: str | None = Field(default=None, max_length=40, description="Only this region.")
    partner_type: PartnerType | None = Field(default=None, description="Only this partner type.")
    tier: Tier | None = Field(default=None, description="Only this tier.")
    as_of: str | None = Field(default=None, description="Quarter for tier reviews, e.g. 2026-Q3 "
                              "(its last day); defaults to today.")

    @field_validator("as_of")
    @classmethod
    def _as_of(cls, value: str | None) -> str | None:
        return normalise_quarter(value)


class PortfolioSummary(BaseModel):
    """Counts and averages across the partners in the store."""

    partners: int
    by_tier: dict[str, int]
    by_type: dict[str, int]
    by_region: dict[str, int]
    by_band: dict[str, int]
    average_score: float | None
    review_actions: dict[str, int]
    needs_attention: list[dict[str, str]] = Field(default_factory=list)
    #: Partners whose score uses the ICP overlap of the account map: id -> provenance.
    icp_from_account_map: dict[str, str] = Field(default_factory=dict)


class DocumentResult(BaseModel):
    """A drafted document: its data, its Markdown and where its files were written."""

    kind: str
    title: str
    document: dict[str, Any]
    markdown: str
    markdown_path: str | None = None
    docx_path: str | None = None
