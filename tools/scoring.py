"""Partner attractiveness score: five weighted criteria, a band, and the contributions.

The weights are data (``tools/data/weights.json``, versioned). The score is computed with
``Decimal`` so that it is exact; it is shown rounded to one decimal, half up. The band is
decided on the *exact* weighted sum, not on the rounded score: an exact 74.95 is shown as
75.0 but stays ``secondary``, because it did not reach the priority threshold of 75.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.errors import FrameworkError, validate
from tools.text import SINGLE_LINE
from tools.vocab import CRITERIA

if TYPE_CHECKING:  # only annotated here; `partnerpilot score` need not build Partner
    from tools.partners import Partner

PRIORITY_THRESHOLD = 75
SECONDARY_THRESHOLD = 50

Criterion = Annotated[float, Field(ge=0, le=100)]
Weight = Annotated[float, Field(ge=0, le=100)]


class Band(StrEnum):
    """Where a score puts a partner in the recruitment order."""

    PRIORITY = "priority"
    SECONDARY = "secondary"
    OPPORTUNISTIC = "opportunistic"


class WeightSet(BaseModel):
    """A versioned set of criterion weights (percent, summing to 100).

    Args:
        version: Label of this weight set, reported with every score.
        weights: Percent weight per criterion; exactly the five criteria, summing to 100.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Annotated[str, Field(min_length=1, max_length=40), SINGLE_LINE]
    weights: dict[str, Weight]

    @field_validator("weights")
    @classmethod
    def _five_keys_summing_to_100(cls, value: dict[str, float]) -> dict[str, float]:
        keys = set(value)
        if keys != set(CRITERIA):
            missing = sorted(set(CRITERIA) - keys)
            extra = sorted(keys - set(CRITERIA))
            parts = []
            if missing:
                parts.append("missing " + ", ".join(missing))
            if extra:
                parts.append("unknown " + ", ".join(extra))
            names = ", ".join(CRITERIA)
            raise ValueError(f"must have exactly the five criteria {names} ({'; '.join(parts)})")
        total = sum((Decimal(str(v)) for v in value.values()), Decimal(0))
        if total != 100:
            raise ValueError(f"must sum to 100, they sum to {total.normalize():f}")
        return {key: value[key] for key in CRITERIA}


@lru_cache(maxsize=1)
def _default_weights() -> WeightSet:
    text = resources.files("tools.data").joinpath("weights.json").read_text(encoding="utf-8")
    return WeightSet.model_validate(json.loads(text))


DEFAULT_WEIGHTS: WeightSet = _default_weights()


class AttractivenessInput(BaseModel):
    """The five attractiveness criteria for one partner, each scored 0-100.

    Args:
        icp_overlap: How closely the partner's clients match our ideal customer profile.
        market_influence: The partner's brand credibility with our buyers.
        practice_alignment: Whether the partner has a practice that maps to our product.
        partnership_appetite: Track record of partnering with similar vendors.
        revenue_potential: Addressable pipeline the partner could generate.
    """

    model_config = ConfigDict(extra="forbid")

    icp_overlap: Criterion
    market_influence: Criterion
    practice_alignment: Criterion
    partnership_appetite: Criterion
    revenue_potential: Criterion


class AttractivenessResult(BaseModel):
    """A partner attractiveness score with its band and how each criterion contributed.

    Args:
        score: Weighted score, 0-100, rounded half up to one decimal.
        exact_score: The unrounded weighted sum (the band is decided on this).
        band: priority (>= 75), secondary (50 to < 75) or opportunistic (< 50).
        contributions: Weighted points each criterion added (criterion x weight / 100).
        weights_version: Version label of the weights used.
        weights: The percent weights used.
    """

    score: float
    exact_score: float
    band: Band
    contributions: dict[str, float]
    weights_version: str
    weights: dict[str, float]


def band_for(score: float | Decimal) -> Band:
    """Band for an exact score: priority >= 75, secondary >= 50, else opportunistic."""
    exact = score if isinstance(score, Decimal) else Decimal(str(score))
    if exact >= PRIORITY_THRESHOLD:
        return Band.PRIORITY
    if exact >= SECONDARY_THRESHOLD:
        return Band.SECONDARY
    return Band.OPPORTUNISTIC


def resolve_weights(weights: WeightSet | Mapping[str, Any] | None) -> WeightSet:
    """Return the default weights, or validate an override.

    Args:
        weights: None for the default; a WeightSet; a ``{"version", "weights"}`` mapping; or
            a plain ``{criterion: percent}`` mapping (version ``custom``).

    Raises:
        FrameworkError: Naming ``weights`` when the keys or the sum are wrong.
    """
    if weights is None:
        return DEFAULT_WEIGHTS
    if isinstance(weights, WeightSet):
        return weights
    data: Any = dict(weights)
    if "weights" not in data:
        data = {"version": "custom", "weights": data}
    try:
        return validate(WeightSet, data)
    except FrameworkError as exc:
        field = exc.field if exc.field.startswith("weights") else f"weights.{exc.field}"
        raise FrameworkError(field, exc.problem, exc.given) from None


def _round1(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def score_partner(
    inputs: AttractivenessInput | Mapping[str, Any],
    weights: WeightSet | Mapping[str, Any] | None = None,
) -> AttractivenessResult:
    """Score a partner's attractiveness from the five weighted criteria.

    Args:
        inputs: The five criteria, 0-100 each.
        weights: Optional override; must hold the same five criteria and sum to 100.

    Returns:
        The score (one decimal, half up), the band (decided on the exact sum), each
        criterion's contribution, and the weights used with their version.

    Raises:
        FrameworkError: When a criterion is out of range or the weights are invalid.
    """
    data = validate(AttractivenessInput, inputs)
    weight_set = resolve_weights(weights)
    contributions: dict[str, Decimal] = {}
    for key in CRITERIA:
        value = Decimal(str(getattr(data, key)))
        contributions[key] = value * Decimal(str(weight_set.weights[key])) / 100
    exact = sum(contributions.values(), Decimal(0))
    return AttractivenessResult(
        score=float(_round1(exact)),
        exact_score=float(exact),
        band=band_for(exact),
        contributions={k: float(v) for k, v in contributions.items()},
        weights_version=weight_set.version,
        weights=dict(weight_set.weights),
    )


def score_partner_record(
    partner: Partner, weights: WeightSet | Mapping[str, Any] | None = None
) -> AttractivenessResult:
    """Score a stored partner record from its five criteria.

    Args:
        partner: The partner record.
        weights: Optional weights override.
    """
    return score_partner(partner.criteria(), weights)


__all__ = [
    "CRITERIA",
    "DEFAULT_WEIGHTS",
    "PRIORITY_THRESHOLD",
    "SECONDARY_THRESHOLD",
    "AttractivenessInput",
    "AttractivenessResult",
    "Band",
    "WeightSet",
    "band_for",
    "resolve_weights",
    "score_partner",
    "score_partner_record",
]
