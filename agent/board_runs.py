"""The run functions behind the board tools: dashboard, landscape, competitors, sponsors.

Each builds its document from the tool input and the partner store (what the input leaves
out), then writes it as Markdown and DOCX like the drafting tools. Each docstring is the
tool's description; :mod:`agent.registry` lists them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.tool_inputs import DocumentResult
from agent.tool_runs import write_document
from agent.toolset import Deps
from knowledge import board
from tools.documents.common import Name
from tools.documents.competitors import build_competitor_map
from tools.documents.dashboard import BoardDashboardInput, build_board_dashboard
from tools.documents.landscape import build_landscape
from tools.documents.roadmap import RoadmapInput, build_roadmap
from tools.documents.sponsors import SponsorPairing, build_relationship_map
from tools.documents.value_canvas import ValueCanvasInput, build_value_canvas


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LandscapeRequest(_Request):
    """Map the stored partners onto landscape tiers A, B and C."""

    company: Name | None = Field(default=None, description="Our company name.")
    region: str | None = Field(default=None, max_length=40,
                               description="Only this region: NA, EMEA, APAC or LATAM.")
    as_of: date | None = Field(default=None, description="Date of the map (default today).")


class CompetitorMapRequest(_Request):
    """Map the imported competitor partnerships against our stored partners."""

    company: Name | None = Field(default=None, description="Our company name.")
    as_of: date | None = Field(default=None, description="Date of the map (default today).")


class RelationshipMapRequest(_Request):
    """Check the Platinum partners' executive sponsors."""

    company: Name | None = Field(default=None, description="Our company name.")
    pairings: list[SponsorPairing] = Field(
        default_factory=list, description="Executive pairings: partner, partner_executive, "
        "our_counterpart, cadence.")


def _today(value: date | None) -> date:
    return value or date.today()


def board_dashboard(data: BoardDashboardInput, deps: Deps) -> DocumentResult:
    """Build the board dashboard: KPI actuals against targets with a status per KPI.

    Also ROI against the 300% goal, the phase targets, pipeline, partner-sourced revenue,
    time to impact and the risk profile (partners from the store when none are given).
    """
    raw: dict[str, Any] = data.model_dump(mode="json", exclude_none=True)
    filled = board.dashboard_input(raw, deps.store.all_partners(), date.today())
    return write_document("board-dashboard", build_board_dashboard(filled), deps)


def landscape_map(data: LandscapeRequest, deps: Deps) -> DocumentResult:
    """Map the partner landscape: tier A strategic (Platinum target), B growth (Gold), C long tail.

    Built from the stored partners, grouped by type, with partners below their target tier.
    """
    filled = board.landscape_input(deps.store.all_partners(), data.company,
                                   _today(data.as_of), data.region)
    return write_document("landscape-map", build_landscape(filled), deps)


def competitor_map(data: CompetitorMapRequest, deps: Deps) -> DocumentResult:
    """Map competitors' partner ecosystems: who they signed, with model and strength.

    Says which partners are available or under-served (recruit first) and which are locked
    to a competitor (counter-narrative, adjacent partners).
    """
    filled = board.competitor_input(deps.store.data_dir, deps.store.all_partners(),
                                    data.company, _today(data.as_of))
    return write_document("competitor-map", build_competitor_map(filled), deps)


def relationship_map(data: RelationshipMapRequest, deps: Deps) -> DocumentResult:
    """Map executive sponsors for the Platinum partners and flag those without one."""
    raw: dict[str, Any] = {"pairings": [p.model_dump() for p in data.pairings]}
    if data.company:
        raw["company"] = data.company
    filled = board.relationship_input(raw, deps.store.all_partners())
    return write_document("relationship-map", build_relationship_map(filled), deps)


def partnership_roadmap(data: RoadmapInput, deps: Deps) -> DocumentResult:
    """Draft the four-quarter roadmap: foundation, first revenue, scale, acceleration.

    Milestones are filled from the thesis (share of ARR, years), the tier criteria and the
    targets.
    """
    return write_document("roadmap", build_roadmap(data), deps)


def value_canvas(data: ValueCanvasInput, deps: Deps) -> DocumentResult:
    """Answer the five value-capture questions and check which ones the term sheet covers.

    Questions: total value created, how it is measured, the split, above or below
    expectations, exit economics.
    """
    return write_document("value-canvas", build_value_canvas(data), deps)
