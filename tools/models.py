"""Partnership models, their revenue mechanisms, the commitment spectrum, and a recommender."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import validate


class Commitment(StrEnum):
    """The commitment spectrum, lowest first."""

    TRANSACTIONAL = "transactional"
    CO_MARKETING = "co_marketing_co_selling"
    TECHNOLOGY_INTEGRATION = "technology_integration"
    JOINT_VENTURE = "joint_venture"
    STRATEGIC_INVESTMENT = "strategic_investment"

    @property
    def rank(self) -> int:
        """Position on the spectrum: transactional 0 ... strategic investment/M&A 4."""
        return list(Commitment).index(self)


class Need(StrEnum):
    """What the partnership is meant to provide."""

    LEAD_GENERATION = "lead_generation"
    RESALE_CAPACITY = "resale_capacity"
    JOINT_SELLING = "joint_selling"
    DELIVERY_CAPACITY = "delivery_capacity"
    EMBED_IN_PARTNER_PRODUCT = "embed_in_partner_product"
    NEW_MARKET_ENTRY = "new_market_entry"
    TECHNICAL_INTEGRATION = "technical_integration"


class FeeRange(BaseModel):
    """A numeric fee or margin range.

    Args:
        low: Lower end, percent.
        high: Upper end, percent.
        basis: What the percentage applies to.
    """

    low: float
    high: float
    basis: str


class PartnershipModel(BaseModel):
    """One partnership model.

    Args:
        key: Stable id.
        name: Display name.
        definition: What the model is.
        best_for: Partner kinds it suits.
        revenue_mechanism: How money flows.
        fee_range: Numeric range where the framework gives one.
        commitment: Where it sits on the commitment spectrum.
        serves: Needs it meets, with strength (2 = primary, 1 = secondary).
    """

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    definition: str
    best_for: str
    revenue_mechanism: str
    fee_range: FeeRange | None
    commitment: Commitment
    serves: dict[Need, int]


PARTNERSHIP_MODELS: dict[str, PartnershipModel] = {
    m.key: m
    for m in (
        PartnershipModel(
            key="referral", name="Referral",
            definition="The partner introduces leads and we close the deal.",
            best_for="boutique consultancies and niche advisors",
            revenue_mechanism="referral fee of 5-15% of annual contract value (ACV)",
            fee_range=FeeRange(low=5, high=15, basis="% of ACV"),
            commitment=Commitment.TRANSACTIONAL,
            serves={Need.LEAD_GENERATION: 2},
        ),
        PartnershipModel(
            key="reseller", name="Reseller",
            definition="The partner sells our product under its own paper.",
            best_for="GSIs, regional VARs and IT distributors",
            revenue_mechanism="reseller margin of 20-40% off list price",
            fee_range=FeeRange(low=20, high=40, basis="% off list price"),
            commitment=Commitment.TRANSACTIONAL,
            serves={Need.RESALE_CAPACITY: 2, Need.NEW_MARKET_ENTRY: 1, Need.LEAD_GENERATION: 1},
        ),
        PartnershipModel(
            key="co_sell", name="Co-sell",
            definition="We and the partner sell together into shared accounts.",
            best_for="Big 4 firms, Accenture and other major SIs",
            revenue_mechanism="revenue attribution and shared quota credit",
            fee_range=None,
            commitment=Commitment.CO_MARKETING,
            serves={Need.JOINT_SELLING: 2, Need.LEAD_GENERATION: 1, Need.NEW_MARKET_ENTRY: 1},
        ),
        PartnershipModel(
            key="implementation", name="Implementation",
            definition="The partner delivers the implementation; we provide the product.",
            best_for="all major consulting firms",
            revenue_mechanism="the partner earns services revenue; we earn the licence",
            fee_range=None,
            commitment=Commitment.CO_MARKETING,
            serves={Need.DELIVERY_CAPACITY: 2, Need.JOINT_SELLING: 1},
        ),
        PartnershipModel(
            key="oem", name="OEM / embed",
            definition="The partner embeds our product inside its own offering.",
            best_for="product ISVs and platform vendors",
            revenue_mechanism="royalty or per-seat fee",
            fee_range=None,
            commitment=Commitment.TECHNOLOGY_INTEGRATION,
            serves={Need.EMBED_IN_PARTNER_PRODUCT: 2, Need.TECHNICAL_INTEGRATION: 1},
        ),
        PartnershipModel(
            key="joint_venture", name="Joint venture",
            definition="A shared entity or a jointly developed solution.",
            best_for="strategic product firms, for entering a new market",
            revenue_mechanism="joint P&L and shared IP",
            fee_range=None,
            commitment=Commitment.JOINT_VENTURE,
            serves={Need.NEW_MARKET_ENTRY: 2},
        ),
        PartnershipModel(
            key="technology_alliance", name="Technology alliance",
            definition="A technical integration with co-marketing only.",
            best_for="complementary SaaS products",
            revenue_mechanism="co-marketing credits; no direct cash changes hands",
            fee_range=None,
            commitment=Commitment.TECHNOLOGY_INTEGRATION,
            serves={Need.TECHNICAL_INTEGRATION: 2},
        ),
    )
}


class ModelNeed(BaseModel):
    """What the partnership must achieve, for a model recommendation.

    Args:
        needs: One or more needs (lead_generation, resale_capacity, joint_selling,
            delivery_capacity, embed_in_partner_product, new_market_entry,
            technical_integration).
        wants_low_commitment: Prefer models low on the commitment spectrum.
        shared_investment: Both sides are ready to invest jointly (favours a joint venture).
        max_commitment: Exclude models above this point on the commitment spectrum.
    """

    model_config = ConfigDict(extra="forbid")

    needs: Annotated[list[Need], Field(min_length=1, max_length=7)]
    wants_low_commitment: bool = False
    shared_investment: bool = False
    max_commitment: Commitment | None = None


class Recommendation(BaseModel):
    """One ranked model.

    Args:
        rank: 1 is the best fit.
        model: Model key.
        name: Model name.
        fit: Points from the needs it serves (primary 2, secondary 1) and preferences.
        commitment: Its place on the commitment spectrum.
        revenue_mechanism: How money flows.
        fee_range: Numeric range where the framework gives one.
        reasons: Why it ranks here.
    """

    rank: int
    model: str
    name: str
    fit: int
    commitment: Commitment
    revenue_mechanism: str
    fee_range: FeeRange | None
    reasons: list[str]


class ModelRecommendation(BaseModel):
    """Ranked partnership models for a need.

    Args:
        needs: The needs considered.
        recommendations: Best fit first.
        excluded: Models that served a need but were excluded, with the reason.
    """

    needs: list[Need]
    recommendations: list[Recommendation]
    excluded: list[str]


def _fit(model: PartnershipModel, need: ModelNeed) -> tuple[int, list[str]]:
    points = 0
    reasons: list[str] = []
    for item in need.needs:
        strength = model.serves.get(item, 0)
        if strength:
            points += strength
            kind = "primary" if strength == 2 else "secondary"
            reasons.append(f"{kind} fit for {item.value}")
    if points and model.key == "joint_venture" and Need.NEW_MARKET_ENTRY in need.needs:
        if need.shared_investment:
            points += 1
            reasons.append("shared investment suits a joint P&L")
        else:
            points -= 1
            reasons.append("no shared investment stated: a JV needs one")
    if points and need.wants_low_commitment and model.commitment.rank >= 2:
        points -= 1
        reasons.append(f"{model.commitment.value} is a high commitment")
    return points, reasons


def recommend_model(need: ModelNeed | Mapping[str, Any]) -> ModelRecommendation:
    """Rank the partnership models that serve a stated need.

    Models score 2 points per need they serve primarily and 1 per secondary need; a joint
    venture gains 1 with shared investment and loses 1 without; a low-commitment preference
    costs technology-integration-or-higher models 1. Ties go to the lower commitment.

    Args:
        need: The needs and preferences.

    Returns:
        Ranked recommendations with reasons, revenue mechanisms and fee ranges.

    Raises:
        FrameworkError: When a need is unknown or none is given.
    """
    data = validate(ModelNeed, need)
    scored: list[tuple[int, PartnershipModel, list[str]]] = []
    excluded: list[str] = []
    order = list(PARTNERSHIP_MODELS)
    for model in PARTNERSHIP_MODELS.values():
        points, reasons = _fit(model, data)
        if not any(model.serves.get(item) for item in data.needs):
            continue
        if data.max_commitment and model.commitment.rank > data.max_commitment.rank:
            excluded.append(f"{model.key}: {model.commitment.value} is above "
                            f"{data.max_commitment.value}")
            continue
        scored.append((points, model, reasons))
    scored.sort(key=lambda s: (-s[0], s[1].commitment.rank, order.index(s[1].key)))
    return ModelRecommendation(
        needs=list(data.needs),
        recommendations=[
            Recommendation(rank=i, model=m.key, name=m.name, fit=p, commitment=m.commitment,
                           revenue_mechanism=m.revenue_mechanism, fee_range=m.fee_range,
                           reasons=r)
            for i, (p, m, r) in enumerate(scored, start=1)
        ],
        excluded=excluded,
    )
