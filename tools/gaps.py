"""The strategic gap matrix: where we are weakest, and whether a partner closes a top gap."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.errors import validate
from tools.text import SINGLE_LINE

Level = Annotated[int, Field(ge=1, le=5)]


class GapDimension(StrEnum):
    """The five dimensions of the strategic gap matrix."""

    TECHNOLOGY = "technology"
    GEOGRAPHY = "geography"
    CHANNEL = "channel"
    REGULATORY = "regulatory"
    SUPPLY_CHAIN_RESILIENCE = "supply_chain_resilience"


class GapAssessment(BaseModel):
    """One row of the gap matrix.

    Args:
        dimension: Which of the five dimensions.
        importance: How much the dimension matters to the strategy, 1-5.
        capability: How well we cover it today, 1 (not at all) to 5 (fully).
        note: Optional context.
    """

    model_config = ConfigDict(extra="forbid")

    dimension: GapDimension
    importance: Level
    capability: Level
    note: Annotated[str, Field(max_length=500), SINGLE_LINE] = ""


class GapMatrixInput(BaseModel):
    """The gap matrix, and optionally the gaps a proposed relationship would close.

    Args:
        gaps: One row per dimension (each dimension at most once).
        relationship_closes: Dimensions a proposed relationship would close.
    """

    model_config = ConfigDict(extra="forbid")

    gaps: Annotated[list[GapAssessment], Field(min_length=1, max_length=5)]
    relationship_closes: list[GapDimension] = Field(default_factory=list)

    @field_validator("gaps")
    @classmethod
    def _unique(cls, value: list[GapAssessment]) -> list[GapAssessment]:
        dims = [g.dimension for g in value]
        if len(set(dims)) != len(dims):
            raise ValueError("each dimension may appear only once")
        return value


class GapRow(BaseModel):
    """A scored gap: importance x (5 - capability), 0-20."""

    dimension: GapDimension
    importance: int
    capability: int
    gap: int


class GapMatrixResult(BaseModel):
    """Gaps ranked largest first and the top three.

    Args:
        rows: Every dimension given, largest gap first.
        top_three: The up-to-three largest non-zero gaps.
        relationship_closes_top_gap: Whether the proposed relationship closes a top-three
            gap (None when no relationship was given). Only those are pursued.
    """

    rows: list[GapRow]
    top_three: list[GapDimension]
    relationship_closes_top_gap: bool | None


def gap_matrix(inputs: GapMatrixInput | Mapping[str, Any]) -> GapMatrixResult:
    """Score the strategic gap matrix and pick the top three gaps.

    Gap = importance x (5 - capability). Ties go to higher importance, then to the order
    technology, geography, channel, regulatory, supply-chain resilience.

    Args:
        inputs: Gap rows and, optionally, the dimensions a relationship closes.
    """
    data = validate(GapMatrixInput, inputs)
    order = list(GapDimension)
    rows = sorted(
        (GapRow(dimension=g.dimension, importance=g.importance, capability=g.capability,
                gap=g.importance * (5 - g.capability)) for g in data.gaps),
        key=lambda r: (-r.gap, -r.importance, order.index(r.dimension)),
    )
    top = [r.dimension for r in rows if r.gap > 0][:3]
    closes = (any(d in top for d in data.relationship_closes)
              if data.relationship_closes else None)
    return GapMatrixResult(rows=rows, top_three=top, relationship_closes_top_gap=closes)
