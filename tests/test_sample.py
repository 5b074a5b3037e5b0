"""The fictional sample partner set: coverage, consistent histories, every tier-review action."""

from __future__ import annotations

import csv
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from knowledge.sample import (
    join_partners,
    load_partners_csv,
    load_sample_partners,
    sample_csv_paths,
)
from tools.errors import FrameworkError
from tools.parsing import parse_quarter
from tools.partners import Partner, PartnerType, Tier
from tools.scoring import score_partner_record
from tools.tiers import review_tier

REVIEW_DATE = date(2026, 9, 30)
REAL_FIRMS = (
    "deloitte", "pwc", "pricewaterhouse", "ernst & young", "kpmg", "accenture", "cognizant",
    "infosys", "tata consultancy", "wipro", "capgemini", "ibm", "hcl", "mckinsey", "bain",
    "boston consulting", "salesforce", "oracle", "sap ", "microsoft", "google", "amazon",
)


@pytest.fixture(scope="module")
def partners() -> list[Partner]:
    return load_sample_partners()


def _next(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def test_at_least_sixty_partners_with_unique_ids_and_names(partners: list[Partner]) -> None:
    assert len(partners) >= 60
    assert len({p.partner_id for p in partners}) == len(partners)
    assert len({p.name for p in partners}) == len(partners)
    assert [p.partner_id for p in partners] == sorted(p.partner_id for p in partners)


def test_covers_every_type_tier_and_region(partners: list[Partner]) -> None:
    assert {p.partner_type for p in partners} == set(PartnerType)
    assert {p.tier for p in partners} == set(Tier)
    assert {p.region for p in partners} == {"NA", "EMEA", "APAC", "LATAM"}
    industries = Counter(p.industry for p in partners)
    assert len(industries) >= 8
    assert {"financial services", "healthcare", "manufacturing", "retail", "public sector",
            "energy", "telecom", "technology"} <= set(industries)


def test_names_are_invented_and_descriptions_useful(partners: list[Partner]) -> None:
    for partner in partners:
        text = f" {partner.name} {partner.description} ".lower()
        assert not [firm for firm in REAL_FIRMS if firm in text], partner.partner_id
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", partner.description) if s]
        assert len(sentences) == 1, partner.partner_id  # one full sentence each
        assert len(partner.description.split()) >= 12, partner.partner_id
    assert len({p.description for p in partners}) == len(partners)


def test_histories_are_consecutive_and_end_at_2026_q3(partners: list[Partner]) -> None:
    for partner in partners:
        keys = [parse_quarter(r.quarter) for r in partner.history]
        assert 4 <= len(keys) <= 8, partner.partner_id
        assert keys == sorted(set(keys)), partner.partner_id
        assert keys[-1] == (2026, 3), partner.partner_id
        for earlier, later in zip(keys, keys[1:], strict=False):
            assert _next(*earlier) == later, partner.partner_id
        assert partner.tier_since is not None
        assert parse_quarter(partner.tier_since) <= keys[0], partner.partner_id


def test_current_figures_are_the_latest_quarter(partners: list[Partner]) -> None:
    for partner in partners:
        latest = partner.history[-1]
        assert partner.annual_pipeline_usd == latest.annual_pipeline_usd
        assert partner.certified_individuals == latest.certified_individuals
        assert partner.dedicated_practice == latest.dedicated_practice


def test_annual_pipeline_is_trailing_sum_of_new_pipeline(partners: list[Partner]) -> None:
    checked = 0
    for partner in partners:
        history = partner.history
        for index in range(3, len(history)):
            window = history[index - 3 : index + 1]
            assert history[index].annual_pipeline_usd == sum(r.new_pipeline_usd for r in window)
            checked += 1
    assert checked >= 100


def test_tier_review_produces_every_action_mostly_hold(partners: list[Partner]) -> None:
    actions = Counter(review_tier(p, REVIEW_DATE).action.value for p in partners)
    assert set(actions) == {"promote", "hold", "warn", "demote", "exit"}
    assert actions["hold"] > len(partners) / 2
    for action in ("promote", "warn", "demote", "exit"):
        assert actions[action] >= 3, action


def test_review_is_the_same_on_todays_date(partners: list[Partner]) -> None:
    later = date(2026, 11, 22)
    for partner in partners:
        assert review_tier(partner, later).action == review_tier(partner, REVIEW_DATE).action


def test_promotions_and_demotions_move_one_tier(partners: list[Partner]) -> None:
    for partner in partners:
        review = review_tier(partner, REVIEW_DATE)
        if review.action.value in ("promote", "demote"):
            assert review.to_tier is not None
            assert abs(review.to_tier.rank - partner.tier.rank) == 1, partner.partner_id


def test_exit_windows_six_months_for_registered_twelve_otherwise(
    partners: list[Partner],
) -> None:
    registered_exits = 0
    long_silence_kept = 0
    for partner in partners:
        silent = 0
        for record in reversed(partner.history):
            if record.new_pipeline_usd > 0:
                break
            silent += 1
        action = review_tier(partner, REVIEW_DATE).action.value
        limit = 2 if partner.tier is Tier.REGISTERED else 4
        assert (action == "exit") == (silent >= limit), partner.partner_id
        if action == "exit" and partner.tier is Tier.REGISTERED:
            registered_exits += 1
        if partner.tier is not Tier.REGISTERED and silent == 3:
            long_silence_kept += 1
    assert registered_exits >= 2
    assert long_silence_kept >= 1  # three silent quarters is not yet 12 months


def test_attractiveness_bands_and_edges_present(partners: list[Partner]) -> None:
    results = [score_partner_record(p) for p in partners]
    assert {r.band.value for r in results} == {"priority", "secondary", "opportunistic"}
    scores = {r.score for r in results}
    assert {75.0, 74.9, 50.0} <= scores


def test_csv_headers_match_the_partner_model() -> None:
    partners_csv, quarters_csv = sample_csv_paths()
    with partners_csv.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == [name for name in Partner.model_fields if name != "history"]
    with quarters_csv.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    assert header == ["partner_id", "quarter", "annual_pipeline_usd", "certified_individuals",
                      "dedicated_practice", "new_pipeline_usd"]


def test_data_folder_says_it_is_fictional() -> None:
    readme = sample_csv_paths()[0].parent / "README.md"
    assert "FICTIONAL" in readme.read_text(encoding="utf-8")


def _write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


PARTNER_HEADER = [name for name in Partner.model_fields if name != "history"]
GOOD_ROW = ["X-1", "Test Firm", "boutique", "silver", "NA", "retail", "A test firm.",
            50, 50, 50, 50, 50, 200000, 1, "false", "2025-Q1"]


def test_load_partners_csv_joins_history(tmp_path: Path) -> None:
    partners_csv = _write(tmp_path / "p.csv", [PARTNER_HEADER, GOOD_ROW])
    quarters_csv = _write(tmp_path / "q.csv", [
        ["partner_id", "quarter", "annual_pipeline_usd", "certified_individuals",
         "dedicated_practice", "new_pipeline_usd"],
        ["X-1", "2026-Q2", 200000, 1, "false", 50000],
        ["X-1", "2026-Q1", 150000, 1, "false", 40000],
    ])
    [partner] = load_partners_csv(partners_csv, quarters_csv)
    assert [r.quarter for r in partner.history] == ["2026-Q1", "2026-Q2"]
    assert partner.tier is Tier.SILVER


def test_bad_row_names_file_line_and_field(tmp_path: Path) -> None:
    bad = list(GOOD_ROW)
    bad[PARTNER_HEADER.index("icp_overlap")] = 140
    partners_csv = _write(tmp_path / "p.csv", [PARTNER_HEADER, GOOD_ROW, bad])
    with pytest.raises(FrameworkError) as info:
        load_partners_csv(partners_csv)
    assert info.value.field == "p.csv row 3: icp_overlap"
    assert "140" in str(info.value)


def test_duplicate_ids_and_orphan_quarters_are_rejected() -> None:
    row = dict(zip(PARTNER_HEADER, GOOD_ROW, strict=True))
    with pytest.raises(FrameworkError, match="appears twice"):
        join_partners([row, row], [])
    orphan = {"partner_id": "Y-9", "quarter": "2026-Q1", "annual_pipeline_usd": 1,
              "certified_individuals": 0}
    with pytest.raises(FrameworkError, match="names no partner") as info:
        join_partners([row], [orphan])
    assert info.value.given == "Y-9"


def test_repeated_quarter_is_rejected() -> None:
    row = dict(zip(PARTNER_HEADER, GOOD_ROW, strict=True))
    quarter = {"partner_id": "X-1", "quarter": "2026-Q1", "annual_pipeline_usd": 1,
               "certified_individuals": 0}
    with pytest.raises(FrameworkError, match="same quarter twice"):
        join_partners([row], [quarter, dict(quarter)])
