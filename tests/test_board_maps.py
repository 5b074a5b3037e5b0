"""Competitor map, roadmap, relationship map and value canvas: hand-computed results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from tools.documents import render_markdown
from tools.documents.competitors import build_competitor_map, name_key
from tools.documents.roadmap import build_roadmap
from tools.documents.sponsors import build_relationship_map
from tools.documents.value_canvas import build_value_canvas
from tools.errors import FrameworkError
from tools.partners import Tier
from tools.tiers import TIER_CRITERIA

ROOT = Path(__file__).resolve().parents[1]


def example(kind: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "examples" / f"draft_{kind}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


# --- competitor map -----------------------------------------------------------------------

def test_example_competitor_positions_by_hand() -> None:
    doc = build_competitor_map(example("competitor_map"))
    where = {p.partner: p.position for p in doc.positions}
    assert where == {
        "Ashcombe Whitley Advisory": "under_served",  # moderate, not exclusive
        "Corrigan Global Services": "locked",         # strong co-sell
        "Harbor Advisory": "under_served",            # weak referral
        "Okafor Digital": "available",                # nobody signed it
        "Pemberton Partners": "locked",               # exclusive reseller
    }
    # Recruit first, best score first: 90.7, 72.5, 69.
    assert doc.recruit_first == ["Ashcombe Whitley Advisory", "Harbor Advisory",
                                 "Okafor Digital"]
    # Both locked GSIs point to the free GSI of the same type.
    adjacent = {p.partner: p.adjacent for p in doc.positions if p.position == "locked"}
    assert adjacent == {"Corrigan Global Services": ["Okafor Digital"],
                        "Pemberton Partners": ["Okafor Digital"]}
    assert doc.refresh_due == "2027-03-15" and not doc.stale
    assert [e.competitor for e in doc.competitors] == ["Ledgerline", "Vantage Risk"]


def test_stale_map_after_six_months() -> None:
    doc = build_competitor_map({**example("competitor_map"), "refreshed": "2026-05-31"})
    assert doc.stale
    assert "stale" in render_markdown(doc)
    fresh = build_competitor_map({**example("competitor_map"), "refreshed": "2026-06-01"})
    assert not fresh.stale


def test_refresh_after_as_of_is_refused() -> None:
    with pytest.raises(FrameworkError) as info:
        build_competitor_map({**example("competitor_map"), "refreshed": "2027-01-01"})
    assert info.value.field == "refreshed"


def test_names_match_without_case_punctuation_or_suffix() -> None:
    assert name_key("Harbor Advisory, Inc.") == name_key("harbor advisory") == "harbor advisory"
    assert name_key("Brantwood Kessler LLP") == "brantwood kessler"
    data = example("competitor_map")
    data["partnerships"].append({"competitor": "Ledgerline", "partner": "OKAFOR DIGITAL LTD",
                                 "model": "referral", "strength": "weak"})
    where = {p.partner: p.position for p in build_competitor_map(data).positions}
    assert where["Okafor Digital"] == "under_served" and "OKAFOR DIGITAL LTD" not in where


@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3"]), st.integers(0, 8),
                          st.sampled_from(["strong", "moderate", "weak"]), st.booleans()),
                min_size=1, max_size=20))
def test_positions_follow_the_rule(rows: list[tuple[str, int, str, bool]]) -> None:
    deals = [{"competitor": c, "partner": f"Firm {p}", "model": "referral", "strength": s,
              "exclusive": e} for c, p, s, e in rows]
    doc = build_competitor_map({"company": "Us", "as_of": "2026-12-01", "partnerships": deals})
    for pos in doc.positions:
        mine = [d for d in deals if d["partner"] == pos.partner]
        locked = any(d["exclusive"] or d["strength"] == "strong" for d in mine)
        assert pos.position == ("locked" if locked else "under_served")
    assert set(doc.locked).isdisjoint(doc.recruit_first)


# --- roadmap ------------------------------------------------------------------------------

def test_roadmap_milestones_are_filled_from_the_program() -> None:
    doc = build_roadmap(example("roadmap"))
    assert [q.name for q in doc.quarters] == ["Foundation", "First revenue", "Scale",
                                              "Acceleration"]
    q1, q2, q3, q4 = (q.milestones for q in doc.quarters)
    assert "30% of ARR through partners within 3 years" in q1[0]
    assert q1[1].endswith("Ashcombe Whitley Advisory, Brantwood Kessler LLP and Corrigan "
                          "Global Services")
    platinum = TIER_CRITERIA[Tier.PLATINUM]
    assert f"{platinum.min_certified} certified people" in q2[0]
    assert "Reach $2M of partner-sourced pipeline" in q3  # one Platinum minimum
    assert doc.q3_pipeline_usd == platinum.min_pipeline_usd
    assert "Partner-sourced ARR reaches 10% of total ARR" in q4  # 30% over 3 years
    assert "Draft the 2028 roadmap" in q4[3]


def test_roadmap_uses_given_targets_and_caps_outreach() -> None:
    data = {**example("roadmap"), "q3_pipeline_usd": "750K", "q4_arr_share_pct": 12.5,
            "platinum_partners": 1, "priority_partners": [f"P{n}" for n in range(8)]}
    doc = build_roadmap(data)
    assert "Reach $750K of partner-sourced pipeline" in doc.quarters[2].milestones
    assert doc.quarters[3].milestones[1] == "Partner-sourced ARR reaches 12.5% of total ARR"
    assert "top 5 priority partners" in doc.quarters[0].milestones[1]
    assert doc.quarters[2].milestones[0].startswith("Deepen the first Platinum")


def test_roadmap_needs_priority_partners() -> None:
    with pytest.raises(FrameworkError) as info:
        build_roadmap({**example("roadmap"), "priority_partners": []})
    assert info.value.field == "priority_partners"


# --- relationship map ---------------------------------------------------------------------

def test_platinum_without_sponsor_is_flagged() -> None:
    doc = build_relationship_map(example("relationship_map"))
    assert [r.partner for r in doc.platinum] == ["Ashcombe Whitley Advisory",
                                                 "Brantwood Kessler LLP"]
    assert doc.missing == ["Brantwood Kessler LLP"] and doc.covered == 1
    assert [r.partner for r in doc.others] == ["Harbor Advisory"]
    assert "| Brantwood Kessler LLP | none named | none named | none set | NO SPONSOR |" in \
        render_markdown(doc)


def test_two_pairings_for_one_partner_are_refused() -> None:
    data = example("relationship_map")
    data["pairings"].append({**data["pairings"][0], "partner": "ashcombe whitley advisory"})
    with pytest.raises(FrameworkError) as info:
        build_relationship_map(data)
    assert info.value.field == "pairings"


def test_pairing_for_an_unknown_partner_is_listed() -> None:
    data = example("relationship_map")
    data["pairings"].append({"partner": "Nobody Ltd", "partner_executive": "X",
                             "our_counterpart": "CEO", "cadence": "Yearly"})
    assert build_relationship_map(data).unknown_partners == ["Nobody Ltd"]


# --- value canvas -------------------------------------------------------------------------

def test_value_canvas_checks_the_term_sheet() -> None:
    doc = build_value_canvas(example("value_canvas"))
    by = {a.key: a for a in doc.answers}
    # The referral fee answers measure and split; wind-down and IP answer exit economics.
    assert {k: a.term_sheet_covers for k, a in by.items()} == {
        "total_value": False, "measurement": True, "split": True, "above_below": False,
        "exit_economics": True}
    assert doc.added == ["total_value", "above_below"] and doc.open_questions == []
    assert by["total_value"].answer.startswith("$2.4M a year")
    assert "10% of ACV" in by["split"].answer


def test_value_canvas_without_fee_or_upside_leaves_questions_open() -> None:
    data = example("value_canvas")
    data["term_sheet"] = {**data["term_sheet"], "model": "co_sell", "economics": {}}
    del data["upside"]
    doc = build_value_canvas(data)
    by = {a.key: a for a in doc.answers}
    assert by["split"].source == "open" and by["split"].term_sheet_covers is False
    assert by["measurement"].source == "value canvas" and by["measurement"].add_to_term_sheet
    assert by["above_below"].source == "open"  # a downside alone does not answer it
    assert doc.open_questions == ["split", "above_below"]


def test_value_canvas_without_term_sheet_is_not_checked() -> None:
    data = {k: v for k, v in example("value_canvas").items() if k != "term_sheet"}
    doc = build_value_canvas({**data, "split": {"our_share_pct": 70, "partner_share_pct": 30}})
    assert not doc.term_sheet_checked and doc.added == []
    assert {a.key: a.source for a in doc.answers}["split"] == "value canvas"
    assert "No term sheet was given" in render_markdown(doc)


@pytest.mark.parametrize(("patch", "field"), [
    ({"split": {"our_share_pct": 70, "partner_share_pct": 40}}, "split"),
    ({"term_sheet": {"partner": "Someone Else"}}, "term_sheet.partner"),
    ({"term_sheet": {"economics": {"fee_pct": 30}}}, "term_sheet.economics.fee_pct"),
])
def test_value_canvas_errors_name_the_field(patch: dict[str, Any], field: str) -> None:
    data = example("value_canvas")
    for key, value in patch.items():
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    with pytest.raises(FrameworkError) as info:
        build_value_canvas(data)
    assert info.value.field == field
