"""STAR partner selection: strategic fit, trust and culture, asset complementarity, economics.

Each dimension is scored 1-5 with the evidence behind the score. The verdict thresholds are
the project's own (the framework names the dimensions, not the cut-offs):

* ``proceed``: overall mean >= 4.0, no dimension below 3 and no red flag;
* ``do_not_proceed``: overall mean < 3.0, or any dimension scored 1;
* ``conditional``: everything in between (proceed only once the flags are addressed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import validate
from tools.text import MULTI_LINE, SINGLE_LINE

PROCEED_MIN_OVERALL = Decimal("4.0")
PROCEED_MIN_DIMENSION = 3
REJECT_BELOW_OVERALL = Decimal("3.0")
LOW_SCORE = 2

DIMENSIONS: tuple[str, ...] = (
    "strategic_fit",
    "trust_and_culture",
    "asset_complementarity",
    "relationship_economics",
)
_NEGATION = r"(?<!no )(?<!little )(?<!minimal )(?<!without )(?<!limited )"
_KEYWORD_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("heavy_capability_overlap",
     _NEGATION + r"(?<!icp )(?<!client )(?<!customer )\boverlap\w*|\bduplicat\w*",
     "evidence mentions capability overlap: overlap is a warning sign"),
    ("competitor", _NEGATION + r"\bcompet(?:itor|itors|es|ing|e)\b",
     "evidence mentions competition: check for channel conflict before sharing accounts"),
    ("asymmetric_commitment", r"\bside project\b|\bpart[- ]time\b",
     "evidence suggests one side treats this as a side project (asymmetric commitment)"),
)
_SCORE_FLAGS: dict[str, tuple[str, str]] = {
    "strategic_fit": ("strategic_misalignment", "strategies do not align (strategic fit <= 2)"),
    "trust_and_culture": ("low_trust", "decision styles, values or tempo clash (trust <= 2)"),
    "asset_complementarity": (
        "heavy_capability_overlap",
        "heavy capability overlap: the partner brings little we lack (complementarity <= 2)",
    ),
    "relationship_economics": (
        "economics_too_small",
        "value too small to justify the governance overhead (economics <= 2)",
    ),
}


class Verdict(StrEnum):
    """What the STAR assessment recommends."""

    PROCEED = "proceed"
    CONDITIONAL = "conditional"
    DO_NOT_PROCEED = "do_not_proceed"


class StarScore(BaseModel):
    """One STAR dimension: a 1-5 score and the evidence behind it.

    Args:
        score: 1 (poor) to 5 (excellent).
        evidence: What the score rests on; required, non-empty.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: Annotated[int, Field(ge=1, le=5)]
    evidence: Annotated[str, Field(min_length=1, max_length=2000), MULTI_LINE]


class StarInput(BaseModel):
    """A STAR assessment of one candidate partner.

    Args:
        partner: Name of the candidate partner (optional, for the report).
        strategic_fit: Do our strategies and views of the market align?
        trust_and_culture: Do decision-making styles, values and operating tempos match?
        asset_complementarity: Does the partner bring capabilities we lack, and vice versa?
        relationship_economics: Is the value large enough to justify the governance overhead?
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner: Annotated[str, Field(max_length=200), SINGLE_LINE] | None = None
    strategic_fit: StarScore
    trust_and_culture: StarScore
    asset_complementarity: StarScore
    relationship_economics: StarScore


class RedFlag(BaseModel):
    """A warning sign the framework names.

    Args:
        code: Stable flag id (e.g. ``heavy_capability_overlap``).
        dimension: The STAR dimension it comes from.
        message: Plain-language explanation.
    """

    code: str
    dimension: str
    message: str


class StarResult(BaseModel):
    """The outcome of a STAR assessment.

    Args:
        partner: Candidate name, if given.
        scores: The four dimension scores.
        overall: Mean of the four scores, rounded half up to one decimal.
        verdict: proceed, conditional or do_not_proceed.
        weakest_dimension: Lowest-scoring dimension (first in STAR order on a tie).
        red_flags: Warning signs found in the scores and the evidence.
        reason: Why the verdict was reached.
    """

    partner: str | None
    scores: dict[str, int]
    overall: float
    verdict: Verdict
    weakest_dimension: str
    red_flags: list[RedFlag]
    reason: str


def _red_flags(data: StarInput) -> list[RedFlag]:
    flags: dict[str, RedFlag] = {}
    for dim in DIMENSIONS:
        entry: StarScore = getattr(data, dim)
        if entry.score <= LOW_SCORE:
            code, message = _SCORE_FLAGS[dim]
            flags.setdefault(code, RedFlag(code=code, dimension=dim, message=message))
    for dim in DIMENSIONS:
        text = " ".join(getattr(data, dim).evidence.lower().split())
        for code, pattern, message in _KEYWORD_FLAGS:
            if re.search(pattern, text):
                flags.setdefault(code, RedFlag(code=code, dimension=dim, message=message))
    return list(flags.values())


def _verdict(overall: Decimal, lowest: int, flags: list[RedFlag]) -> tuple[Verdict, str]:
    if overall < REJECT_BELOW_OVERALL or lowest <= 1:
        return Verdict.DO_NOT_PROCEED, (
            f"overall {overall} is below {REJECT_BELOW_OVERALL}"
            if overall < REJECT_BELOW_OVERALL
            else "a dimension scored 1"
        )
    if overall >= PROCEED_MIN_OVERALL and lowest >= PROCEED_MIN_DIMENSION and not flags:
        return Verdict.PROCEED, (
            f"overall {overall} >= {PROCEED_MIN_OVERALL}, no dimension below "
            f"{PROCEED_MIN_DIMENSION}, no red flags"
        )
    reasons = []
    if overall < PROCEED_MIN_OVERALL:
        reasons.append(f"overall {overall} is below {PROCEED_MIN_OVERALL}")
    if lowest < PROCEED_MIN_DIMENSION:
        reasons.append(f"a dimension is below {PROCEED_MIN_DIMENSION}")
    if flags:
        reasons.append(f"{len(flags)} red flag(s) to resolve")
    return Verdict.CONDITIONAL, "; ".join(reasons)


def assess_star(inputs: StarInput | Mapping[str, Any]) -> StarResult:
    """Assess a candidate partner on the four STAR dimensions.

    Args:
        inputs: The four dimension scores (1-5) with evidence, and the partner name.

    Returns:
        Overall mean, verdict, weakest dimension and red flags.

    Raises:
        FrameworkError: When a score is outside 1-5 or evidence is missing.
    """
    data = validate(StarInput, inputs)
    scores = {dim: getattr(data, dim).score for dim in DIMENSIONS}
    overall = (Decimal(sum(scores.values())) / len(scores)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    weakest = min(DIMENSIONS, key=lambda dim: scores[dim])
    flags = _red_flags(data)
    verdict, reason = _verdict(overall, scores[weakest], flags)
    return StarResult(
        partner=data.partner,
        scores=scores,
        overall=float(overall),
        verdict=verdict,
        weakest_dimension=weakest,
        red_flags=flags,
        reason=reason,
    )
