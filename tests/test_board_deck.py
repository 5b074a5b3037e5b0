"""The board deck: a real PPTX, opened with python-pptx; its slides carry the tools' numbers."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from tools.documents.deck import SLIDE_TITLES, build_board_deck, render_pptx
from tools.errors import FrameworkError

ROOT = Path(__file__).resolve().parents[1]


def deck_input() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "examples" / "board_deck.yaml").read_text("utf-8"))
    landscape = yaml.safe_load((ROOT / "examples" / "draft_landscape_map.yaml").read_text())
    return {**data, "landscape": landscape}


def cells(shape: Any) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in shape.table.rows]


def test_deck_slides_tables_and_charts() -> None:
    prs = Presentation(io.BytesIO(render_pptx(build_board_deck(deck_input()))))
    slides = list(prs.slides)
    titles = [s.shapes.title.text for s in slides]
    assert len(slides) == len(SLIDE_TITLES)
    assert titles[0] == "Board report: partnership program, 2026-Q4"
    assert titles[1:5] == list(SLIDE_TITLES[1:5]) and titles[5] == "Roadmap 2027"
    headline = next(s for s in slides[1].shapes if s.shape_type == MSO_SHAPE_TYPE.TABLE)
    rows = {r[0]: r[1:] for r in cells(headline)}
    # 6.4M - 4M over 4M = 60%; 300% * 12 / 60 = 60% to date.
    assert rows["Program ROI"] == ["60%", "60% of 300%", "on track"]
    assert rows["Partner-sourced revenue"] == ["$6.4M (16%)", "15%", "on track"]
    kpis = next(s for s in slides[2].shapes if s.shape_type == MSO_SHAPE_TYPE.TABLE)
    kpi_rows = {r[0]: r[1:] for r in cells(kpis)}
    assert kpi_rows["Partner retention"] == ["80%", ">= 85%", "at risk"]
    assert kpi_rows["Revenue per partner"][2] == "off track"


def test_deck_charts_hold_the_pyramid_and_landscape_counts() -> None:
    prs = Presentation(io.BytesIO(render_pptx(build_board_deck(deck_input()))))
    slides = list(prs.slides)
    pyramid = next(s for s in slides[3].shapes if s.has_chart).chart
    assert list(pyramid.plots[0].categories) == ["Platinum", "Gold", "Silver", "Registered"]
    # The example landscape: 1 platinum, 3 gold, 1 silver, 1 registered.
    assert list(pyramid.series[0].values) == [1, 3, 1, 1]
    landscape = next(s for s in slides[4].shapes if s.has_chart).chart
    values = {s.name: list(s.values) for s in landscape.series}
    assert values["Gold"] == [1, 2, 0] and values["Registered"] == [0, 0, 1]
    roadmap = next(s for s in slides[5].shapes if s.shape_type == MSO_SHAPE_TYPE.TABLE)
    header = cells(roadmap)[0]
    assert header == ["Q1: Foundation", "Q2: First revenue", "Q3: Scale", "Q4: Acceleration"]


def test_deck_errors_name_the_nested_field() -> None:
    data = deck_input()
    data["dashboard"]["program_month"] = 0
    with pytest.raises(FrameworkError) as info:
        build_board_deck(data)
    assert info.value.field == "dashboard.program_month"
