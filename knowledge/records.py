"""What the store returns (citation-ready passages, partner hits) and how a partner is stored.

One partner is one Chroma record: the document is the text that gets embedded, and the
metadata holds scalar filter fields plus the partner's full JSON, so a record is always a
whole partner.
"""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, Field

from tools.partners import Partner
from tools.scoring import score_partner


class Passage(BaseModel):
    """A framework passage, ready to cite.

    Args:
        doc_id: Id of the framework document.
        title: Title of the document.
        section: Heading path of the passage within the document.
        source: File the passage came from.
        text: The passage text.
        distance: Cosine distance to the query (0 = same meaning).
        chunk_id: Stable id of the passage.
    """

    doc_id: str
    title: str
    section: str
    source: str = ""
    text: str
    distance: float
    chunk_id: str


class PartnerHit(BaseModel):
    """A partner found by semantic search.

    Args:
        partner: The partner record.
        distance: Cosine distance to the query (0 = same meaning).
        score: Attractiveness score computed by the scoring tool when stored.
        band: Attractiveness band computed by the scoring tool when stored.
    """

    partner: Partner
    distance: float
    score: float = Field(default=0.0, ge=0, le=100)
    band: str = ""

    @classmethod
    def from_payload(cls, payload: str, distance: float) -> PartnerHit:
        """Build a hit from the stored partner JSON."""
        partner = Partner.model_validate_json(payload)
        score, band = score_and_band(partner)
        return cls(partner=partner, distance=distance, score=score, band=band)


def score_and_band(partner: Partner) -> tuple[float, str]:
    """The partner's attractiveness score and band, from ``tools.scoring``."""
    result = score_partner(partner.criteria())
    return float(result.score), str(result.band.value)


def partner_text(partner: Partner) -> str:
    """The text embedded for a partner: name, kind, tier, place, industry, description."""
    kind = partner.partner_type.value.replace("_", " ")
    return (f"{partner.name}. {kind} partner, {partner.tier.value} tier, region "
            f"{partner.region}, industry {partner.industry}. {partner.description}").strip()


def partner_record(partner: Partner) -> tuple[str, dict[str, Any]]:
    """The Chroma document and scalar metadata (with the full JSON) for one partner."""
    payload = partner.model_dump_json()
    document = partner_text(partner)
    score, band = score_and_band(partner)
    digest = hashlib.sha256(f"{document}\0{payload}".encode()).hexdigest()
    return document, {
        "name": partner.name,
        "tier": partner.tier.value,
        "tier_rank": partner.tier.rank,
        "partner_type": partner.partner_type.value,
        "region": partner.region,
        "industry": partner.industry,
        "band": band,
        "score": score,
        "pipeline": float(partner.annual_pipeline_usd),
        "certified": partner.certified_individuals,
        "dedicated": partner.dedicated_practice,
        "hash": digest,
        "json": payload,
    }
