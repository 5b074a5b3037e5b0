"""The board-reporting knowledge document agrees with the board tools' constants."""

from __future__ import annotations

import re
from importlib import resources

from tools.documents.competitors import ADJACENT_MAX, RECRUIT_FIRST_MAX
from tools.documents.dashboard import (
    AT_RISK_BAND,
    CONCENTRATION_HIGH_PCT,
    CONCENTRATION_MEDIUM_PCT,
    FLAGGED_HIGH_PCT,
    FLAGGED_MEDIUM_PCT,
    PHASE_MONTHS,
    kpi_status,
)
from tools.documents.landscape import LANDSCAPE_TIERS
from tools.documents.value_canvas import QUESTIONS
from tools.partners import PartnerType, Tier
from tools.program import COMPETITOR_MAP_MONTHS
from tools.targets import KPI_TARGETS, ROI_GOAL_MONTHS, ROI_GOAL_PCT
from tools.tiers import TIER_CRITERIA

TEXT = resources.files("knowledge").joinpath("docs", "board-reporting.md").read_text("utf-8")


def section(title: str) -> str:
    parts = re.split(r"^## ", TEXT, flags=re.M)
    found = [p for p in parts if p.startswith(title + "\n")]
    assert len(found) == 1, title
    return " ".join(found[0].split())


def test_status_band_and_its_worked_examples() -> None:
    text = section("KPI status: on track, at risk, off track")
    assert f"no more than {AT_RISK_BAND:.0%} of the target" in text
    retention = next(k for k in KPI_TARGETS if k.key == "partner_retention")
    edge = retention.target * (1 - AT_RISK_BAND)
    assert f"anything from {edge:g}%" in text
    assert kpi_status(edge, retention.target, "at_least").value == "at_risk"
    ttp = next(k for k in KPI_TARGETS if k.key == "time_to_partnership")
    assert f"at most {ttp.target:g} days" in text
    assert f"up to {ttp.target * (1 + AT_RISK_BAND):g} days is at risk" in text
    assert "$2M" in text


def test_roi_goal_and_pro_rata_examples() -> None:
    text = section("Program ROI against the 300% goal")
    assert f"a {ROI_GOAL_PCT}% return over five years, that is {ROI_GOAL_MONTHS} months" in text
    for month in (12, 30):
        assert f"month {month} " in text
        assert f"{ROI_GOAL_PCT * month / ROI_GOAL_MONTHS:g}%" in text


def test_phase_months_and_risk_thresholds() -> None:
    assert f"phase 2 months {PHASE_MONTHS + 1}-{2 * PHASE_MONTHS}" in section(
        "The board dashboard")
    risk = section("The dashboard's risk profile")
    assert f"{CONCENTRATION_HIGH_PCT:g}% or more is high, {CONCENTRATION_MEDIUM_PCT:g}% or more"\
        in risk
    assert f"{FLAGGED_HIGH_PCT:g}% or more is high, {FLAGGED_MEDIUM_PCT:g}% or more" in risk


def test_landscape_tiers_match_the_tool() -> None:
    text = section("How partners are placed on the landscape map").lower()
    words = {PartnerType.BIG4: "big 4", PartnerType.GSI: "global systems integrators",
             PartnerType.BOUTIQUE: "boutique", PartnerType.REGIONAL_SI: "regional integrators",
             PartnerType.ISV: "isvs", PartnerType.TECHNOLOGY: "technology partners",
             PartnerType.RESELLER: "resellers", PartnerType.DISTRIBUTOR: "distributors",
             PartnerType.ADVISOR: "advisors", PartnerType.ACADEMIC: "academic"}
    assert set(words) == set(PartnerType)
    for key, (_, target, types) in LANDSCAPE_TIERS.items():
        chunk = text.split(f"tier {key.lower()}")[0]
        for ptype in types:
            assert words[ptype] in chunk, (key, ptype)
        assert target.value in text


def test_competitor_and_roadmap_numbers() -> None:
    text = section("Positions on the competitor map")
    assert f"up to {ADJACENT_MAX} adjacent" in text
    assert f"best {RECRUIT_FIRST_MAX} by attractiveness" in text
    assert f"more than {COMPETITOR_MAP_MONTHS} months old" in text
    roadmap = section("The executive relationship map and the roadmap")
    platinum = TIER_CRITERIA[Tier.PLATINUM]
    assert f"the {platinum.min_certified} certified people" in roadmap
    assert f"minimum of ${platinum.min_pipeline_usd / 1e6:g}M" in roadmap


def test_value_canvas_names_the_five_questions() -> None:
    text = section("The value canvas and the term sheet")
    assert "five value-capture questions" in text and len(QUESTIONS) == 5
    for words in ("total value", "measured", "split", "above or below", "exit economics"):
        assert words in text
