"""Competitor ecosystems imported like partners: header mapping, all rows or none, row report."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from knowledge.board import competitor_input
from knowledge.competitors import (
    db_path,
    ensure_sample_competitors,
    import_competitors,
    load_competitors,
    sample_path,
)
from knowledge.row_import import RowsRejected
from knowledge.sample import load_sample_partners
from tools.documents.competitors import build_competitor_map
from tools.errors import FrameworkError

CRM = ("Competitor Name,Partner Name,Partnership Model,Perceived Strength,Exclusivity,"
       "Why It Works,Partner Type,Owner\n"
       "Vantage,Harbor Advisory,Referral,Weak,no,Occasional referrals,Consultancy,ann\n"
       "Vantage,Corrigan Global,co-sell,STRONG,yes,Shared quota,Global SI,bob\n")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_crm_headers_are_mapped_and_values_coerced(tmp_path: Path) -> None:
    result = import_competitors(tmp_path / "data", write(tmp_path, "crm.csv", CRM),
                                refreshed=date(2026, 10, 1))
    report = result.report
    assert (report.rows, report.added, report.imported) == (2, 2, 2)
    assert report.ignored_columns == ["Owner"]
    items, refreshed = load_competitors(tmp_path / "data")
    assert refreshed == date(2026, 10, 1)
    corrigan = next(i for i in items if i.partner == "Corrigan Global")
    assert corrigan.exclusive and corrigan.strength == "strong"
    assert corrigan.model.value == "co_sell" and corrigan.partner_type.value == "gsi"


def test_a_bad_row_rejects_the_whole_file_and_leaves_the_table(tmp_path: Path) -> None:
    data = tmp_path / "data"
    import_competitors(data, write(tmp_path, "good.csv", CRM))
    before = db_path(data).read_bytes()
    bad = CRM + "Vantage,Lakeside,barter,weak,no,,,\nQuorra,,reseller,huge,no,,,\n"
    with pytest.raises(RowsRejected) as info:
        import_competitors(data, write(tmp_path, "bad.csv", bad))
    issues = info.value.report.issues
    assert [(i.row, i.field) for i in issues] == [(4, "model"), (5, "partner"), (5, "strength")]
    assert "nothing was imported" in str(info.value)
    assert db_path(data).read_bytes() == before
    assert len(load_competitors(data)[0]) == 2


def test_skip_invalid_imports_the_good_rows(tmp_path: Path) -> None:
    bad = CRM + "Vantage,Lakeside,barter,weak,no,,,\n"
    result = import_competitors(tmp_path / "d", write(tmp_path, "x.csv", bad),
                                skip_invalid=True)
    assert (result.report.imported, result.report.skipped) == (2, 1)


def test_reimport_counts_unchanged_and_updated(tmp_path: Path) -> None:
    data = tmp_path / "d"
    import_competitors(data, write(tmp_path, "a.csv", CRM))
    changed = CRM.replace("Occasional referrals", "Fewer referrals")
    report = import_competitors(data, write(tmp_path, "b.csv", changed)).report
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)


def test_duplicate_pair_is_a_row_issue(tmp_path: Path) -> None:
    dup = CRM + "VANTAGE,Harbor Advisory Inc.,reseller,weak,no,,,\n"
    with pytest.raises(RowsRejected) as info:
        import_competitors(tmp_path / "d", write(tmp_path, "dup.csv", dup))
    assert info.value.report.issues[0].row == 4
    assert "first in row 2" in info.value.report.issues[0].reason


def test_missing_required_column_and_bad_mapping(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError) as info:
        import_competitors(tmp_path / "d", write(tmp_path, "m.csv", "Competitor,Partner\nA,B\n"))
    assert info.value.field == "columns" and "model" in info.value.problem
    mapping = write(tmp_path, "map.yaml", "Rival: nonsense\n")
    with pytest.raises(FrameworkError) as info:
        import_competitors(tmp_path / "d", write(tmp_path, "c.csv", CRM), mapping=mapping)
    assert info.value.field == "mapping"
    assert not db_path(tmp_path / "d").exists()


def test_mapping_file_names_own_headers(tmp_path: Path) -> None:
    text = "Rival,Firm,How,Power\nVantage,Harbor,referral,weak\n"
    mapping = write(tmp_path, "map.yaml",
                    "columns:\n  Rival: competitor\n  Firm: partner\n  How: model\n"
                    "  Power: strength\n")
    result = import_competitors(tmp_path / "d", write(tmp_path, "own.csv", text),
                                mapping=mapping)
    assert result.report.imported == 1


def test_sample_covers_stored_partners_and_feeds_the_map(tmp_path: Path) -> None:
    assert ensure_sample_competitors(tmp_path) == 12
    assert ensure_sample_competitors(tmp_path) == 12  # only into an empty table
    partners = load_sample_partners()
    stored = {p.name for p in partners}
    items, _ = load_competitors(tmp_path)
    assert sum(i.partner in stored for i in items) == 10
    doc = build_competitor_map(competitor_input(tmp_path, partners, "Northwind",
                                                date(2026, 12, 1)))
    assert sorted(doc.locked) == ["Brantwood Kessler LLP", "Delmont Haverly Group",
                                  "Halcyon Bridge Consulting", "Orrin Velasco Systems"]
    assert len(doc.recruit_first) == 10
    assert sample_path().name == "competitor_partners.csv"


def test_map_without_import_names_competitors(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError) as info:
        competitor_input(tmp_path, [], None, date(2026, 12, 1))
    assert info.value.field == "competitors"


def test_table_is_sqlite_beside_the_store(tmp_path: Path) -> None:
    import_competitors(tmp_path, write(tmp_path, "c.csv", CRM))
    with sqlite3.connect(db_path(tmp_path)) as db:
        assert db.execute("SELECT COUNT(*) FROM competitor_partnerships").fetchone() == (2,)
