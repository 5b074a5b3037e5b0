"""The quarterly board deck (PPTX): dashboard, KPIs, portfolio pyramid, landscape, roadmap.

The deck is built from the same documents as the Markdown and DOCX versions (the board
dashboard, the landscape map and the roadmap), so every number on a slide is a number a
tool computed. Charts are native PowerPoint charts, so the board can restyle them.
"""

from __future__ import annotations

import io
from typing import Any

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Emu, Inches, Pt
from pydantic import BaseModel, ConfigDict

from tools.documents.common import InputModel, parse_input
from tools.documents.dashboard import BoardDashboard, BoardDashboardInput, build_board_dashboard
from tools.documents.landscape import LandscapeInput, LandscapeMap, build_landscape
from tools.documents.roadmap import PartnershipRoadmap, RoadmapInput, build_roadmap
from tools.partners import Tier
from tools.text import xml_safe

TIERS_TOP_DOWN = [t.value for t in reversed(list(Tier))]
SLIDE_TITLES = ("Board report", "Headline figures", "KPIs against targets",
                "Partner portfolio", "Partner landscape", "Roadmap")


class BoardDeckInput(InputModel):
    """What the board deck is built from.

    Args:
        dashboard: The board dashboard's input.
        landscape: The landscape map's input (its partners also give the pyramid).
        roadmap: The roadmap's input.
    """

    dashboard: BoardDashboardInput
    landscape: LandscapeInput
    roadmap: RoadmapInput


class BoardDeck(BaseModel):
    """The built documents of a deck, and the portfolio pyramid's counts."""

    model_config = ConfigDict(frozen=True)

    dashboard: BoardDashboard
    landscape: LandscapeMap
    roadmap: PartnershipRoadmap
    pyramid: dict[str, int]


def build_board_deck(data: BoardDeckInput | dict[str, Any]) -> BoardDeck:
    """Build the dashboard, landscape and roadmap, and count the pyramid.

    Raises:
        FrameworkError: Naming the field on bad input (``dashboard.``, ``landscape.`` or
            ``roadmap.`` first).
    """
    given = parse_input(BoardDeckInput, data)
    landscape = build_landscape(given.landscape)
    pyramid = {tier: sum(t.by_program_tier[tier] for t in landscape.tiers)
               for tier in TIERS_TOP_DOWN}
    return BoardDeck(dashboard=build_board_dashboard(given.dashboard), landscape=landscape,
                     roadmap=build_roadmap(given.roadmap), pyramid=pyramid)


def _title(slide: Any, text: str) -> None:
    slide.shapes.title.text = xml_safe(text)


def _table(slide: Any, rows: list[list[str]], top: float = 1.4, size: int = 12) -> None:
    shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(0.5), Inches(top),
                                   Inches(9), Inches(0.4 * len(rows)))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = xml_safe(value)
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(size)


def _chart(slide: Any, kind: Any, categories: list[str], series: dict[str, list[int]]) -> None:
    data = CategoryChartData()  # type: ignore[no-untyped-call]  # python-pptx is untyped
    data.categories = categories
    for name, values in series.items():
        data.add_series(name, values)  # type: ignore[no-untyped-call]
    frame = slide.shapes.add_chart(kind, Inches(0.7), Inches(1.4), Inches(8.6), Inches(5),
                                   data)
    chart = frame.chart
    chart.has_legend = len(series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False


def _label(status: str) -> str:
    return status.replace("_", " ")


def render_pptx(deck: BoardDeck) -> bytes:
    """The deck as PPTX bytes: title, headline figures, KPIs, pyramid, landscape, roadmap."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(9144000), Emu(6858000)
    title_layout, content = prs.slide_layouts[0], prs.slide_layouts[5]
    d = deck.dashboard
    first = prs.slides.add_slide(title_layout)
    _title(first, f"{SLIDE_TITLES[0]}: partnership program, {d.period}")
    first.placeholders[1].text = xml_safe(f"{d.company}, program month {d.program_month}")
    slide = prs.slides.add_slide(content)
    _title(slide, SLIDE_TITLES[1])
    _table(slide, [
        ["Measure", "Value", "Target", "Status"],
        ["Partner-sourced pipeline", d.shown_pipeline, "-", "-"],
        ["Partner-sourced revenue", f"{d.shown_revenue} ({d.revenue_share_pct:g}%)",
         f"{d.phase.revenue_share_pct}%", _label(d.revenue_share_status)],
        ["Active partnerships", str(d.active_partnerships),
         f"{d.phase.active_partnerships_min}+", _label(d.active_partnerships_status)],
        ["Program ROI", f"{d.roi_pct:g}%", f"{d.roi_goal_to_date_pct:g}% of {d.roi_goal_pct:g}%",
         _label(d.roi_status)],
        ["Risk profile", d.risk.level, "-", "-"],
    ])
    slide = prs.slides.add_slide(content)
    _title(slide, SLIDE_TITLES[2])
    _table(slide, [["KPI", "Actual", "Target", "Status"]] + [
        [k.name, k.shown_actual, k.shown_target, _label(k.status)] for k in d.kpis])
    slide = prs.slides.add_slide(content)
    _title(slide, SLIDE_TITLES[3])
    _chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, [t.title() for t in TIERS_TOP_DOWN],
           {"Partners": [deck.pyramid[t] for t in TIERS_TOP_DOWN]})
    slide = prs.slides.add_slide(content)
    _title(slide, SLIDE_TITLES[4])
    _chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED,
           [f"{t.key}: {t.name}" for t in deck.landscape.tiers],
           {tier.title(): [t.by_program_tier[tier] for t in deck.landscape.tiers]
            for tier in TIERS_TOP_DOWN})
    slide = prs.slides.add_slide(content)
    _title(slide, f"{SLIDE_TITLES[5]} {deck.roadmap.year}")
    quarters = deck.roadmap.quarters
    _table(slide, [[f"{q.quarter}: {q.name}" for q in quarters]] + [
        [q.milestones[n] if n < len(q.milestones) else "" for q in quarters]
        for n in range(max(len(q.milestones) for q in quarters))], size=10)
    buffer = io.BytesIO()
    prs.save(buffer)
    return buffer.getvalue()
