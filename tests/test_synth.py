"""The synthetic partner generator: determinism, validity, spread, CSV round trip."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from knowledge.sample import load_partners_csv
from knowledge.synth import (
    QUARTERS,
    generate_partners,
    iter_partners,
    vocabulary,
    write_csv,
    write_quarters_csv,
)
from tools.errors import FrameworkError
from tools.partners import Partner, PartnerType, Tier
from tools.scoring import score_partner_record
from tools.tiers import review_tier


@pytest.fixture(scope="module")
def ten_thousand() -> list[Partner]:
    return generate_partners(10_000, seed=3)


def test_same_n_and_seed_give_identical_records() -> None:
    first = generate_partners(300, seed=7)
    second = generate_partners(300, seed=7)
    assert [p.model_dump() for p in first] == [p.model_dump() for p in second]


def test_different_seed_gives_different_records() -> None:
    a = generate_partners(50, seed=1)
    b = generate_partners(50, seed=2)
    assert [p.description for p in a] != [p.description for p in b]


def test_stream_prefix_equals_shorter_run() -> None:
    assert generate_partners(40, seed=9) == list(iter_partners(200, seed=9))[:40]


def test_ids_are_sequential_and_padded() -> None:
    ids = [p.partner_id for p in generate_partners(12, seed=0)]
    assert ids[0] == "S-0000001"
    assert ids == [f"S-{n:07d}" for n in range(1, 13)]
    assert all(re.fullmatch(r"S-\d{7}", pid) for pid in ids)


def test_records_pass_full_validation(ten_thousand: list[Partner]) -> None:
    for partner in ten_thousand[:2000]:
        assert Partner.model_validate(partner.model_dump()) == partner
    assert generate_partners(100, seed=3, validate=True) == ten_thousand[:100]


def test_four_quarters_with_consistent_figures(ten_thousand: list[Partner]) -> None:
    for partner in ten_thousand:
        assert [r.quarter for r in partner.history] == list(QUARTERS)
        window = partner.history
        assert window[-1].annual_pipeline_usd == sum(r.new_pipeline_usd for r in window)
        assert partner.annual_pipeline_usd == window[-1].annual_pipeline_usd
        assert partner.certified_individuals == window[-1].certified_individuals


def test_spread_covers_types_tiers_regions_industries(ten_thousand: list[Partner]) -> None:
    assert {p.partner_type for p in ten_thousand} == set(PartnerType)
    assert {p.region for p in ten_thousand} == {"NA", "EMEA", "APAC", "LATAM"}
    assert {p.industry for p in ten_thousand} == set(vocabulary().industries)
    tiers = Counter(p.tier for p in ten_thousand)
    assert set(tiers) == set(Tier)
    # a pyramid: many registered partners, few platinum ones
    assert tiers[Tier.REGISTERED] > tiers[Tier.SILVER] > tiers[Tier.GOLD] > tiers[Tier.PLATINUM]
    assert tiers[Tier.PLATINUM] >= 200


def test_scores_and_reviews_are_realistic(ten_thousand: list[Partner]) -> None:
    sample = ten_thousand[:3000]
    bands = Counter(score_partner_record(p).band.value for p in sample)
    assert min(bands.get(b, 0) for b in ("priority", "secondary", "opportunistic")) >= 100
    actions = Counter(review_tier(p, date(2026, 9, 30)).action.value for p in sample)
    assert set(actions) == {"promote", "hold", "warn", "demote", "exit"}
    assert actions["hold"] > len(sample) / 2


def test_descriptions_are_mostly_distinct(ten_thousand: list[Partner]) -> None:
    distinct = len({p.description for p in ten_thousand})
    assert distinct >= 0.99 * len(ten_thousand)
    assert len({p.name for p in ten_thousand}) >= 0.9 * len(ten_thousand)


def test_n_out_of_range_is_an_error_naming_n() -> None:
    with pytest.raises(FrameworkError) as info:
        generate_partners(-1)
    assert info.value.field == "n"
    assert generate_partners(0) == []


def test_csv_round_trip_through_the_loader(tmp_path: Path) -> None:
    partners = generate_partners(250, seed=11)
    assert write_csv(partners, tmp_path / "partners.csv") == 250
    assert write_quarters_csv(partners, tmp_path / "quarters.csv") == 250 * len(QUARTERS)
    loaded = load_partners_csv(tmp_path / "partners.csv", tmp_path / "quarters.csv")
    assert loaded == partners


def test_write_csv_streams_from_the_iterator(tmp_path: Path) -> None:
    count = write_csv(iter_partners(1000, seed=5), tmp_path / "stream.csv")
    assert count == 1000
    lines = (tmp_path / "stream.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("partner_id,name,partner_type,tier,")
    assert lines[-1].startswith("S-0001000,")
