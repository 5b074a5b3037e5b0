"""The partnership strategy brief: need, objectives, criteria, build/partner/acquire, risks."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator

from prompts import format_pct
from tools.decisions import Decision, DecisionInput, DecisionResult, decide
from tools.documents.common import (
    DocumentModel,
    InputModel,
    ModelKey,
    Name,
    Text,
    parse_input,
)
from tools.documents.framework import ModelTerms, model_terms
from tools.errors import FrameworkError
from tools.models import Need, recommend_model
from tools.parsing import format_usd
from tools.scoring import DEFAULT_WEIGHTS

CRITERION_LABELS = {
    "icp_overlap": "ICP client overlap: they serve our exact ideal customers",
    "market_influence": "Market influence: brand credibility with our buyers",
    "practice_alignment": "Practice alignment: a practice that maps to our product",
    "partnership_appetite": "Partnership appetite: a record of partnering with similar vendors",
    "revenue_potential": "Revenue potential: pipeline they could generate",
}
STAR_CRITERIA = ("STAR assessment (strategic fit, trust and culture, asset complementarity, "
                 "relationship economics) on the shortlist, each with evidence")


class BriefObjective(InputModel):
    """A specific, measurable objective.

    Args:
        objective: What we want (e.g. "Reach regulated buyers in DACH").
        metric: How it is measured (e.g. "partner-sourced pipeline").
        target: The target, with a number (e.g. "$2M", "3 partners").
        by: When (e.g. "end of Q4 2027").
    """

    objective: Text
    metric: Name
    target: Name
    by: Name

    @field_validator("target")
    @classmethod
    def _measurable(cls, value: str) -> str:
        if not re.search(r"\d", value):
            raise ValueError("must be measurable: include a number (e.g. '$2M', '3 partners')")
        return value


class Milestone(InputModel):
    """A point on the timeline.

    Args:
        when: When (e.g. "Weeks 1-2").
        what: What happens.
    """

    when: Name
    what: Text


class Risk(InputModel):
    """A risk and how we reduce it.

    Args:
        risk: The risk.
        mitigation: What we do about it.
    """

    risk: Text
    mitigation: Text


class StrategyBriefInput(InputModel):
    """What a strategy brief needs.

    Args:
        company: Our company.
        strategic_need: The capability, asset or market access we cannot build fast enough.
        objectives: Specific, measurable objectives.
        build_partner_acquire: Facts for the build vs partner vs acquire rules.
        budget_usd: Budget committed to the partnership.
        operational_by: When the partnership must be operational.
        needs: What the partnership must provide, used to recommend a model when
            ``recommended_model`` is not given.
        recommended_model: The partnership model to use.
        partner_criteria: What any partner must bring; the attractiveness criteria by default.
        non_negotiables: What must be true about any partner.
        timeline: Milestones; the framework's 12-week sequence by default.
        risks: Risks with mitigations; the framework's common pitfalls by default.
    """

    company: Name
    strategic_need: Text
    objectives: Annotated[list[BriefObjective], Field(min_length=1, max_length=8)]
    build_partner_acquire: DecisionInput
    budget_usd: Annotated[float, Field(gt=0)]
    operational_by: Name
    needs: list[Need] = Field(default_factory=list)
    recommended_model: ModelKey | None = None
    partner_criteria: Annotated[list[Text], Field(min_length=1)] = Field(
        default_factory=lambda: default_criteria())
    non_negotiables: Annotated[list[Text], Field(min_length=1)] = Field(
        default_factory=lambda: [
            "Our IP stays protected; jointly created IP is agreed in writing",
            "Exclusivity is agreed explicitly, never implied",
            "Geographic scope is stated for every commitment",
            "Cultural compatibility is checked before signature",
        ])
    timeline: Annotated[list[Milestone], Field(min_length=1)] = Field(
        default_factory=lambda: default_timeline())
    risks: Annotated[list[Risk], Field(min_length=1)] = Field(
        default_factory=lambda: default_risks())


class StrategyBrief(DocumentModel):
    """A finished partnership strategy brief."""

    company: str
    strategic_need: str
    objectives: list[BriefObjective]
    partner_criteria: list[str]
    decision: DecisionResult
    non_negotiables: list[str]
    timeline: list[Milestone]
    budget_usd: float
    budget: str
    operational_by: str
    recommended_model: ModelTerms | None
    model_reasons: list[str]
    risks: list[Risk]


def default_criteria() -> list[str]:
    """The attractiveness criteria with their default weights, then STAR."""
    weights = DEFAULT_WEIGHTS.weights
    return [f"{CRITERION_LABELS[key]} (weight {format_pct(weight)})"
            for key, weight in weights.items()] + [STAR_CRITERIA]


def default_timeline() -> list[Milestone]:
    """The framework's sequence from need to launch."""
    return [
        Milestone(when="Weeks 1-2", what="Define the need, objectives and non-negotiables"),
        Milestone(when="Weeks 2-5", what="Long-list candidates, apply STAR, diligence the top "
                                         "few, select a primary and a backup"),
        Milestone(when="Weeks 5-8", what="Design the deal: operating and economic model, "
                                         "governance, IP, exclusivity, term and exit"),
        Milestone(when="Weeks 8-12", what="Launch: joint team, 90-day plan, tracking, first "
                                          "steering committee"),
    ]


def default_risks() -> list[Risk]:
    """The framework's common pitfalls, each with its counter."""
    return [
        Risk(risk="Strategic misalignment dressed up as partnership",
             mitigation="Test strategic fit in the STAR assessment before any deal work"),
        Risk(risk="Asymmetric commitment: one side treats it as a side project",
             mitigation="Dedicated, named people on both sides in the operating plan"),
        Risk(risk="Governance underinvestment after signature",
             mitigation="Steering committee cadence, shared KPIs and an escalation path"),
        Risk(risk="Scope creep without renegotiation",
             mitigation="Any change of scope reopens economics, resources and governance"),
        Risk(risk="Dependency on a single partner",
             mitigation="Keep a qualified backup partner and diversify the portfolio"),
    ]


def _model(given: StrategyBriefInput, decision: DecisionResult) -> tuple[ModelTerms | None,
                                                                          list[str]]:
    if given.recommended_model is not None:
        return model_terms(given.recommended_model), ["chosen by the author of the brief"]
    if given.needs:
        best = recommend_model({"needs": given.needs}).recommendations[0]
        return model_terms(best.model), list(best.reasons)
    if decision.decision is not Decision.PARTNER:
        return None, []
    raise FrameworkError("recommended_model",
                         "is required when partnering (or give needs to derive it)")


def build_brief(data: StrategyBriefInput | dict[str, Any]) -> StrategyBrief:
    """Build a strategy brief; the build/partner/acquire analysis runs the decision rules.

    Args:
        data: A StrategyBriefInput or a dict with its fields.

    Returns:
        The finished StrategyBrief.

    Raises:
        FrameworkError: A required field is missing, an objective has no measurable target,
            or no partnership model is given or derivable for a partner decision.
    """
    given = parse_input(StrategyBriefInput, data)
    decision = decide(given.build_partner_acquire)
    model, reasons = _model(given, decision)
    return StrategyBrief(
        company=given.company, strategic_need=given.strategic_need,
        objectives=list(given.objectives), partner_criteria=list(given.partner_criteria),
        decision=decision, non_negotiables=list(given.non_negotiables),
        timeline=list(given.timeline), budget_usd=given.budget_usd,
        budget=format_usd(given.budget_usd), operational_by=given.operational_by,
        recommended_model=model, model_reasons=reasons, risks=list(given.risks),
    )
