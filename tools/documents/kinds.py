"""The registry of document kinds: input model, builder, document model, template, sections."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from tools.documents.brief import StrategyBrief, StrategyBriefInput, build_brief
from tools.documents.competitors import CompetitorMap, CompetitorMapInput, build_competitor_map
from tools.documents.dashboard import BoardDashboard, BoardDashboardInput, build_board_dashboard
from tools.documents.governance import (
    GovernancePlaybook,
    GovernancePlaybookInput,
    build_governance_playbook,
)
from tools.documents.landscape import LandscapeInput, LandscapeMap, build_landscape
from tools.documents.okrs import PartnershipOKRs, PartnershipOKRsInput, build_okrs
from tools.documents.operating_plan import (
    JointOperatingPlan,
    JointOperatingPlanInput,
    build_operating_plan,
)
from tools.documents.roadmap import PartnershipRoadmap, RoadmapInput, build_roadmap
from tools.documents.scorecard import PartnerScorecard, PartnerScorecardInput, build_scorecard
from tools.documents.sponsors import (
    RelationshipMap,
    RelationshipMapInput,
    build_relationship_map,
)
from tools.documents.term_sheet import TermSheet, TermSheetInput, build_term_sheet
from tools.documents.thesis import Thesis, ThesisInput, build_thesis
from tools.documents.value_canvas import ValueCanvas, ValueCanvasInput, build_value_canvas
from tools.errors import FrameworkError


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document.

    Args:
        name: Kind name used by the CLI and the agent (e.g. ``term-sheet``).
        title: Human title.
        input_model: The pydantic model of its inputs.
        builder: Turns inputs (dict or input model) into the document model.
        document_model: The finished document's model.
        template: Jinja2 template file in ``prompts/templates``.
        required_sections: The ``##`` headings every rendering must contain.
    """

    name: str
    title: str
    input_model: type[BaseModel]
    builder: Callable[[Any], BaseModel]
    document_model: type[BaseModel]
    template: str
    required_sections: tuple[str, ...]


DOCUMENT_KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        DocumentKind("thesis", "Partnership thesis", ThesisInput, build_thesis, Thesis,
                     "thesis.md.j2",
                     ("Thesis statement", "Target", "Partners, customers and markets",
                      "Prioritized partnership models", "Growth mechanism", "Measurement")),
        DocumentKind("brief", "Partnership strategy brief", StrategyBriefInput, build_brief,
                     StrategyBrief, "brief.md.j2",
                     ("Strategic need", "Objectives", "Partner criteria",
                      "Build, partner or acquire", "Recommended partnership model",
                      "Non-negotiables", "Timeline and budget", "Risks")),
        DocumentKind("scorecard", "Partner evaluation scorecard", PartnerScorecardInput,
                     build_scorecard, PartnerScorecard, "scorecard.md.j2",
                     ("Recommendation", "Summary", "Candidate assessments")),
        DocumentKind("term-sheet", "Partnership term sheet", TermSheetInput, build_term_sheet,
                     TermSheet, "term_sheet.md.j2",
                     ("Parties", "Operating model", "Economic model", "Governance",
                      "Intellectual property", "Exclusivity", "Term and exit",
                      "Proof point and kill switch")),
        DocumentKind("operating-plan", "Joint 90-day operating plan", JointOperatingPlanInput,
                     build_operating_plan, JointOperatingPlan, "operating_plan.md.j2",
                     ("Plan by phase", "Quick wins", "Resource commitments", "Joint KPIs",
                      "Governance cadence")),
        DocumentKind("governance-playbook", "Partnership governance playbook",
                     GovernancePlaybookInput, build_governance_playbook, GovernancePlaybook,
                     "governance_playbook.md.j2",
                     ("Decision rights (RACI)", "Review cadence", "Escalation path",
                      "Conflict resolution")),
        DocumentKind("okrs", "Partnership OKRs", PartnershipOKRsInput, build_okrs,
                     PartnershipOKRs, "okrs.md.j2",
                     ("Objectives and key results", "Indicator balance")),
        DocumentKind("board-dashboard", "Board dashboard", BoardDashboardInput,
                     build_board_dashboard, BoardDashboard, "board_dashboard.md.j2",
                     ("Headline figures", "Return on investment", "KPIs against targets",
                      "Risk profile")),
        DocumentKind("landscape-map", "Partner landscape map", LandscapeInput, build_landscape,
                     LandscapeMap, "landscape_map.md.j2",
                     ("Summary", "Partners by landscape tier")),
        DocumentKind("competitor-map", "Competitor partner ecosystem map", CompetitorMapInput,
                     build_competitor_map, CompetitorMap, "competitor_map.md.j2",
                     ("Refresh", "Competitor ecosystems", "Gaps and counter-strategy",
                      "Recruit first", "Locked partners")),
        DocumentKind("roadmap", "Partnership roadmap", RoadmapInput, build_roadmap,
                     PartnershipRoadmap, "roadmap.md.j2",
                     ("Thesis", "Quarter by quarter", "Milestone summary")),
        DocumentKind("relationship-map", "Executive relationship map", RelationshipMapInput,
                     build_relationship_map, RelationshipMap, "relationship_map.md.j2",
                     ("Platinum partners", "Coverage")),
        DocumentKind("value-canvas", "Value canvas", ValueCanvasInput, build_value_canvas,
                     ValueCanvas, "value_canvas.md.j2",
                     ("The partner's win", "Value capture", "Term sheet check")),
    )
}

REQUIRED_SECTIONS: dict[str, tuple[str, ...]] = {
    name: kind.required_sections for name, kind in DOCUMENT_KINDS.items()
}


def get_kind(name: str) -> DocumentKind:
    """Look up a document kind by name (``term_sheet`` and ``term-sheet`` both work).

    Raises:
        FrameworkError: Naming ``kind`` when it is unknown.
    """
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    if key not in DOCUMENT_KINDS:
        raise FrameworkError("kind", "must be one of " + ", ".join(DOCUMENT_KINDS), name)
    return DOCUMENT_KINDS[key]


def kind_of(doc: BaseModel) -> DocumentKind:
    """The kind whose document model ``doc`` is.

    Raises:
        FrameworkError: When ``doc`` is not a document model.
    """
    for kind in DOCUMENT_KINDS.values():
        if isinstance(doc, kind.document_model):
            return kind
    raise FrameworkError("doc", "is not a document model", type(doc).__name__)


def build_document(kind: str, data: Any) -> BaseModel:
    """Build a document of ``kind`` from a dict or its input model.

    Raises:
        FrameworkError: Unknown kind, or bad input naming the field.
    """
    return get_kind(kind).builder(data)
