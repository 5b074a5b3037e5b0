"""Partnership OKRs: objectives whose key results mix leading and lagging indicators."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from tools.documents.common import DocumentModel, InputModel, Name, Text, parse_input
from tools.errors import FrameworkError


class IndicatorKind(StrEnum):
    """Leading indicators move first (meetings, proposals); lagging ones confirm (revenue)."""

    LEADING = "leading"
    LAGGING = "lagging"


class KeyResult(InputModel):
    """One measurable key result.

    Args:
        text: The key result, with its target (e.g. "Sign 2 Platinum partners by June").
        kind: leading (activity such as meetings, proposals) or lagging (outcome such as
            revenue, certified partners).
        owner: Who owns it.
    """

    text: Text
    kind: IndicatorKind
    owner: Name | None = None


class Objective(InputModel):
    """One objective and its key results.

    Args:
        objective: What we want to achieve, qualitatively.
        key_results: How we know we got there.
    """

    objective: Text
    key_results: Annotated[list[KeyResult], Field(min_length=1, max_length=8)]


class PartnershipOKRsInput(InputModel):
    """What a set of partnership OKRs needs.

    Args:
        company: Our company.
        period: The period the OKRs cover (e.g. "FY2027").
        objectives: Objectives with key results; the set needs at least one leading and one
            lagging key result.
    """

    company: Name
    period: Name
    objectives: Annotated[list[Objective], Field(min_length=1, max_length=10)]


class PartnershipOKRs(DocumentModel):
    """A finished set of partnership OKRs."""

    company: str
    period: str
    objectives: list[Objective]
    leading_count: int
    lagging_count: int


def build_okrs(data: PartnershipOKRsInput | dict[str, Any]) -> PartnershipOKRs:
    """Build partnership OKRs, checking that leading and lagging indicators are both present.

    Args:
        data: A PartnershipOKRsInput or a dict with its fields.

    Returns:
        The finished PartnershipOKRs.

    Raises:
        FrameworkError: Naming ``objectives`` when the set has no leading or no lagging
            key result, or naming any missing field.
    """
    given = parse_input(PartnershipOKRsInput, data)
    kinds = [kr.kind for objective in given.objectives for kr in objective.key_results]
    leading = kinds.count(IndicatorKind.LEADING)
    lagging = kinds.count(IndicatorKind.LAGGING)
    for kind, count, example in ((IndicatorKind.LEADING, leading, "meetings, proposals"),
                                 (IndicatorKind.LAGGING, lagging,
                                  "revenue, certified partners")):
        if count == 0:
            raise FrameworkError(
                "objectives",
                f"needs at least one {kind.value} key result (e.g. {example}); "
                "OKRs must measure both leading and lagging indicators",
            )
    return PartnershipOKRs(company=given.company, period=given.period,
                           objectives=list(given.objectives), leading_count=leading,
                           lagging_count=lagging)
