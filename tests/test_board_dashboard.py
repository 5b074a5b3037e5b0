"""The board dashboard and the landscape map: hand-computed figures, statuses and properties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tools.documents import render_markdown
from tools.documents.dashboard import (
    AT_RISK_BAND,
    PartnerPosition,
    Status,
    build_board_dashboard,
    kpi_status,
    phase_for_month,
    risk_profile,
)
from tools.documents.landscape import LANDSCAPE_TIERS, build_landscape, landscape_tier
from tools.errors import FrameworkError
from tools.partners import PartnerType, Tier
from tools.targets import KPI_TARGETS, ROI_GOAL_PCT

ROOT = Path(__file__).resolve().parents[1]


def example(kind: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "examples" / f"draft_{kind}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


# --- dashboard ----------------------------------------------------------------------------

def test_example_dashboard_figures_by_hand() -> None:
    doc = build_board_dashboard(example("board_dashboard"))
    # 6.4M of 40M = 16% against phase 1's 15%: on track; 52 partnerships >= 50: on track.
    assert doc.revenue_share_pct == 16.0 and doc.revenue_share_status is Status.ON_TRACK
    assert doc.phase.phase == 1 and doc.active_partnerships_status is Status.ON_TRACK
    # ROI (6.4M - 4M) / 4M = 60%; goal to date 300% * 12 / 60 = 60%: on track.
    assert doc.roi_pct == 60.0 and doc.roi_goal_to_date_pct == 60.0
    assert doc.roi_status is Status.ON_TRACK
    # pipeline 3M + 1.5M + 1M + 0.5M = 6M; the largest partner holds 3/6 = 50%.
    assert doc.pipeline_usd == 6_000_000
    assert doc.risk.top_partner == "Harbor Advisory" and doc.risk.top_partner_share_pct == 50
    assert doc.risk.flagged == {"warn": 1, "demote": 1, "exit": 0}
    assert doc.risk.level == "high"
    status = {k.key: k.status for k in doc.kpis}
    assert status == {
        "partner_satisfaction": Status.ON_TRACK,     # 8.7 >= 8.5
        "partner_retention": Status.AT_RISK,         # 80 >= 85 - 8.5
        "time_to_partnership": Status.AT_RISK,       # 96 <= 90 + 9
        "integration_success": Status.AT_RISK,       # 90 >= 95 - 9.5
        "deal_registration_sla": Status.ON_TRACK,    # 97 >= 95
        "revenue_per_partner": Status.OFF_TRACK,     # 6.4M / 52 = $123,077 < $1.8M
        "partner_roi": Status.ON_TRACK,              # 31 >= 25
    }
    assert {k.key: k.actual for k in doc.kpis}["revenue_per_partner"] == 123076.92
    assert doc.status_counts == {"on_track": 6, "at_risk": 3, "off_track": 1, "no_data": 0}


def test_dashboard_markdown_shows_status_per_kpi() -> None:
    text = render_markdown(build_board_dashboard(example("board_dashboard")))
    assert "| Partner retention | 80% | >= 85% | at risk |" in text
    assert "| Revenue per partner | $123,077 | >= $2M | off track |" in text
    assert "**Program ROI:** 60% on $4M invested" in text
    assert "300% over 60 months; 60% pro rata at month 12" in text


def test_unreported_kpis_are_no_data_not_guesses() -> None:
    data = {**example("board_dashboard"), "kpis": {}, "active_partnerships": 0}
    doc = build_board_dashboard(data)
    assert all(k.status is Status.NO_DATA for k in doc.kpis)
    assert doc.status_counts["no_data"] == len(KPI_TARGETS)


def test_partner_revenue_above_total_names_the_field() -> None:
    with pytest.raises(FrameworkError) as info:
        build_board_dashboard({**example("board_dashboard"), "partner_sourced_revenue_usd": 50e6})
    assert info.value.field == "partner_sourced_revenue_usd"


@pytest.mark.parametrize(("field", "value"), [
    ("program_month", 0), ("program_month", 61), ("investment_usd", 0),
    ("total_revenue_usd", "lots")])
def test_bad_dashboard_input_names_the_field(field: str, value: Any) -> None:
    with pytest.raises(FrameworkError) as info:
        build_board_dashboard({**example("board_dashboard"), field: value})
    assert info.value.field == field


def test_money_text_is_read_like_the_cli() -> None:
    doc = build_board_dashboard({**example("board_dashboard"), "investment_usd": "$3.2M"})
    assert doc.investment_usd == 3_200_000 and doc.roi_pct == 100.0


@pytest.mark.parametrize(("month", "phase"), [(1, 1), (12, 1), (13, 2), (36, 3), (37, 4),
                                              (60, 4)])
def test_phase_for_month(month: int, phase: int) -> None:
    assert phase_for_month(month).phase == phase


def test_status_band_edges() -> None:
    assert kpi_status(85, 85, "at_least") is Status.ON_TRACK
    assert kpi_status(76.5, 85, "at_least") is Status.AT_RISK
    assert kpi_status(76.4, 85, "at_least") is Status.OFF_TRACK
    assert kpi_status(99, 90, "at_most") is Status.AT_RISK
    assert kpi_status(99.1, 90, "at_most") is Status.OFF_TRACK
    assert kpi_status(None, 90, "at_most") is Status.NO_DATA


@given(target=st.floats(1, 1e6), ratio=st.floats(0, 3))
def test_status_is_monotonic_in_the_actual(target: float, ratio: float) -> None:
    order = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK]
    low, high = kpi_status(target * ratio, target, "at_least"), kpi_status(
        target * ratio * 1.05 + 1e-9, target, "at_least")
    assert order.index(high) >= order.index(low)
    if ratio >= 1:
        assert low is Status.ON_TRACK
    if ratio < 1 - AT_RISK_BAND - 1e-9:
        assert low is Status.OFF_TRACK


@given(st.lists(st.tuples(st.floats(0, 1e9), st.sampled_from(
    ["promote", "hold", "warn", "demote", "exit"])), min_size=1, max_size=30))
def test_risk_profile_shares_are_percentages(rows: list[tuple[float, str]]) -> None:
    partners = [PartnerPosition(name=f"P{n}", annual_pipeline_usd=p, review_action=a)  # type: ignore[arg-type]
                for n, (p, a) in enumerate(rows)]
    risk = risk_profile(partners)
    assert 0 <= risk.top_partner_share_pct <= 100
    assert 0 <= risk.flagged_share_pct <= 100
    assert sum(risk.flagged.values()) == sum(a in ("warn", "demote", "exit") for _, a in rows)
    if risk.top_partner_share_pct >= 25 or risk.flagged_share_pct >= 25:
        assert risk.level == "high"


@given(month=st.integers(1, 60), revenue=st.floats(0, 1e8), invest=st.floats(1e3, 1e8))
def test_roi_formula_and_pro_rata_goal(month: int, revenue: float, invest: float) -> None:
    doc = build_board_dashboard({"company": "A", "period": "Q1", "program_month": month,
                                 "total_revenue_usd": 1e9, "partner_sourced_revenue_usd": revenue,
                                 "investment_usd": invest})
    assert doc.roi_pct == pytest.approx(100 * (revenue - invest) / invest, abs=0.051)
    assert doc.roi_goal_to_date_pct == pytest.approx(ROI_GOAL_PCT * month / 60, abs=0.051)


# --- landscape ----------------------------------------------------------------------------

def test_every_partner_type_has_one_landscape_tier() -> None:
    assert {landscape_tier(t) for t in PartnerType} == {"A", "B", "C"}
    assert LANDSCAPE_TIERS["A"][1] is Tier.PLATINUM and LANDSCAPE_TIERS["B"][1] is Tier.GOLD


def test_example_landscape_by_hand() -> None:
    doc = build_landscape(example("landscape_map"))
    a, b, c = doc.tiers
    assert (a.count, b.count, c.count) == (2, 3, 1)
    # Tier A: the GSI at Gold is below its Platinum target; Tier B: the Silver regional SI.
    assert a.below_target == 1 and b.below_target == 1 and c.below_target == 0
    assert [g.partner_type for g in b.groups] == ["boutique", "regional_si", "isv"]
    assert a.by_program_tier == {"platinum": 1, "gold": 1, "silver": 0, "registered": 0}
    assert a.groups[1].partners[0].band == "priority"  # 78 >= 75


@given(st.lists(st.tuples(st.sampled_from(list(PartnerType)), st.sampled_from(list(Tier)),
                          st.floats(0, 100)), min_size=1, max_size=40))
def test_landscape_places_every_partner_once(rows: list[tuple[PartnerType, Tier, float]]) -> None:
    partners = [{"name": f"P{n}", "partner_type": t, "tier": tier, "score": s}
                for n, (t, tier, s) in enumerate(rows)]
    doc = build_landscape({"company": "A", "as_of": "2026-12-01", "partners": partners})
    placed = [p.name for t in doc.tiers for g in t.groups for p in g.partners]
    assert sorted(placed) == sorted(p["name"] for p in partners)
    assert sum(t.count for t in doc.tiers) == doc.total == len(partners)
    for t in doc.tiers:
        assert sum(t.by_program_tier.values()) == t.count
        for g in t.groups:
            scores = [p.score for p in g.partners]
            assert scores == sorted(scores, reverse=True)


def test_empty_landscape_names_partners() -> None:
    with pytest.raises(FrameworkError) as info:
        build_landscape({"company": "A", "as_of": "2026-12-01", "partners": []})
    assert info.value.field == "partners"
