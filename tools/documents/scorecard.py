"""The partner evaluation scorecard: attractiveness and STAR for each candidate, with a pick."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from tools.documents.common import DocumentModel, InputModel, Name, Text, parse_input
from tools.errors import FrameworkError
from tools.scoring import AttractivenessInput, AttractivenessResult, score_partner
from tools.star import DIMENSIONS, StarInput, StarResult, Verdict, assess_star

VERDICT_ORDER = {Verdict.PROCEED: 0, Verdict.CONDITIONAL: 1, Verdict.DO_NOT_PROCEED: 2}
RANKING_RULE = ("Candidates are ranked by STAR verdict (proceed, then conditional, then do not "
                "proceed), then by attractiveness score, then by STAR overall; the first is "
                "the primary and the next the backup. A candidate rated do not proceed is "
                "never recommended.")


class CandidateInput(InputModel):
    """One candidate partner.

    Args:
        name: The candidate's name.
        attractiveness: The five attractiveness criteria, 0-100 each.
        star: The four STAR dimensions, 1-5 each with evidence.
    """

    name: Name
    attractiveness: AttractivenessInput
    star: StarInput


class PartnerScorecardInput(InputModel):
    """What a partner evaluation scorecard needs.

    Args:
        company: Our company.
        need: The gap the partner should fill.
        candidates: The shortlisted candidates (the framework suggests the top 2-3).
        primary: Force the primary pick by candidate name; ranked by the rule otherwise.
        backup: Force the backup pick by candidate name.
    """

    company: Name
    need: Text | None = None
    candidates: Annotated[list[CandidateInput], Field(min_length=1, max_length=10)]
    primary: Name | None = None
    backup: Name | None = None


class CandidateAssessment(DocumentModel):
    """One candidate's results with the evidence behind its STAR scores."""

    name: str
    attractiveness: AttractivenessResult
    star: StarResult
    evidence: dict[str, str]


class PartnerScorecard(DocumentModel):
    """A finished partner evaluation scorecard."""

    company: str
    need: str | None
    candidates: list[CandidateAssessment]
    primary: str | None
    backup: str | None
    ranking_rule: str


def _rank_key(item: tuple[int, CandidateAssessment]) -> tuple[int, float, float, int]:
    index, candidate = item
    return (VERDICT_ORDER[candidate.star.verdict], -candidate.attractiveness.exact_score,
            -candidate.star.overall, index)


def _pick(name: str | None, field: str, names: list[str]) -> str | None:
    if name is None:
        return None
    for known in names:
        if known.casefold() == name.casefold():
            return known
    raise FrameworkError(field, "must be one of the candidates: " + ", ".join(names), name)


def build_scorecard(data: PartnerScorecardInput | dict[str, Any]) -> PartnerScorecard:
    """Score each candidate (attractiveness and STAR) and recommend a primary and a backup.

    Args:
        data: A PartnerScorecardInput or a dict with its fields.

    Returns:
        The finished PartnerScorecard, candidates in ranked order.

    Raises:
        FrameworkError: A required field is missing, a score is out of range, two
            candidates share a name, or a forced pick is not a candidate.
    """
    given = parse_input(PartnerScorecardInput, data)
    names = [candidate.name for candidate in given.candidates]
    folded = [name.casefold() for name in names]
    for index, name in enumerate(folded):
        if name in folded[:index]:
            raise FrameworkError(f"candidates.{index}.name", "appears twice", names[index])
    assessed = [
        CandidateAssessment(
            name=candidate.name,
            attractiveness=score_partner(candidate.attractiveness),
            star=assess_star(candidate.star.model_copy(update={"partner": candidate.name})),
            evidence={dim: getattr(candidate.star, dim).evidence for dim in DIMENSIONS},
        )
        for candidate in given.candidates
    ]
    ranked = [candidate for _, candidate in sorted(enumerate(assessed), key=_rank_key)]
    eligible = [c.name for c in ranked if c.star.verdict is not Verdict.DO_NOT_PROCEED]
    primary = _pick(given.primary, "primary", names)
    backup = _pick(given.backup, "backup", names)
    if primary is None:
        primary = next((name for name in eligible if name != backup), None)
    if backup is None:
        backup = next((name for name in eligible if name != primary), None)
    if primary is not None and primary == backup:
        raise FrameworkError("backup", "must differ from primary", backup)
    return PartnerScorecard(company=given.company, need=given.need, candidates=ranked,
                            primary=primary, backup=backup, ranking_rule=RANKING_RULE)
