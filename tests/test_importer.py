"""Importing partner files: CRM headers, formats, history, and every kind of bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.importer import ImportRejected, import_file, parse_partners
from knowledge.settings import Settings
from knowledge.store import Store
from knowledge.tables import MB
from tools.errors import FrameworkError

CRM_HEADER = ("Account ID,Account Name,Partner Type,Partner Tier,Billing Region,Industry,"
              "Description,ICP Overlap,Market Influence,Practice Alignment,Partnership Appetite,"
              "Revenue Potential,Annual Pipeline (USD),Certified Individuals,Dedicated Practice,"
              "Owner")
GOOD_ROWS = [
    "A-1,Harbour Health,Global SI,Gold Partner,EMEA,healthcare,Hospital cloud work,"
    "80,70,60,50,40,\"$1,200,000\",12,Yes,Kim",
    "A-2,Ledgerline,ISV,silver,NA,financial services,Banking analytics,60,60,60,60,60,"
    "300000,3,no,Lee",
]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def crm_csv(tmp_path: Path, *extra_rows: str) -> Path:
    return write(tmp_path / "crm.csv", "\n".join([CRM_HEADER, *GOOD_ROWS, *extra_rows]) + "\n")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(Settings(data_dir=tmp_path / "data"))


def test_crm_headers_are_mapped_and_cells_coerced(store: Store, tmp_path: Path) -> None:
    report = import_file(store, crm_csv(tmp_path))
    assert (report.rows, report.imported, report.added, report.skipped) == (2, 2, 2, 0)
    assert report.ignored_columns == ["Owner"]
    harbour = store.get_partner("A-1")
    assert harbour is not None
    assert (harbour.partner_type.value, harbour.tier.value) == ("gsi", "gold")
    assert harbour.annual_pipeline_usd == 1_200_000 and harbour.dedicated_practice is True
    assert store.get_partner("A-2").dedicated_practice is False


def test_importing_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    path = crm_csv(tmp_path)
    import_file(store, path)
    before = store.all_partners()
    again = import_file(store, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert store.all_partners() == before


def test_xlsx_import(store: Store, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Record ID", "Company Name", "Type", "Tier", "Region", "Vertical",
                  "ICP Overlap", "Market Influence", "Practice Alignment",
                  "Partnership Appetite", "Revenue Potential", "Dedicated Practice"])
    sheet.append(["X-1", "Sheet Co", "reseller", "Platinum", "APAC", "retail",
                  90.0, 90, 90, 90, 90, True])
    book.save(tmp_path / "crm.xlsx")
    report = import_file(store, tmp_path / "crm.xlsx")
    assert report.imported == 1
    sheet_co = store.get_partner("X-1")
    assert sheet_co.icp_overlap == 90 and sheet_co.tier.value == "platinum"


def test_json_with_nested_history(store: Store, tmp_path: Path) -> None:
    record = {"partner_id": "J-1", "name": "Json Partners", "partner_type": "advisor",
              "region": "LATAM", "industry": "energy", "icp_overlap": 50,
              "market_influence": 50, "practice_alignment": 50, "partnership_appetite": 50,
              "revenue_potential": 50,
              "history": [{"quarter": "Q2 2026", "annual_pipeline_usd": 10,
                           "certified_individuals": 1},
                          {"quarter": "2026-Q1", "annual_pipeline_usd": 5,
                           "certified_individuals": 1}]}
    path = write(tmp_path / "p.json", json.dumps({"partners": [record]}))
    import_file(store, path)
    stored = store.get_partner("J-1")
    assert [q.quarter for q in stored.history] == ["2026-Q1", "2026-Q2"]


def test_companion_history_file_and_orphan_rows(store: Store, tmp_path: Path) -> None:
    quarters = write(tmp_path / "q.csv", "\n".join([
        "partner_id,quarter,annual_pipeline_usd,certified_individuals,dedicated_practice,"
        "new_pipeline_usd",
        "A-1,2026-Q1,900000,10,true,100000",
        "A-1,2026-Q2,1200000,12,true,300000",
        "ZZ-9,2026-Q2,1,1,false,0",
    ]) + "\n")
    with pytest.raises(ImportRejected) as caught:
        import_file(store, crm_csv(tmp_path), history=quarters)
    issue = caught.value.report.issues[0]
    assert (issue.source, issue.row, issue.partner_id) == ("history", 4, "ZZ-9")
    assert store.counts()["partners"] == 0
    report = import_file(store, crm_csv(tmp_path), history=quarters, skip_invalid=True)
    assert report.imported == 2
    assert [q.new_pipeline_usd for q in store.get_partner("A-1").history] == [1e5, 3e5]


def test_mapping_file_for_unusual_headers(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "Kundennummer,Firma,Art,Gebiet,Branche,s1,s2,s3,s4,s5\n"
                 "K-1,Firma Eins,boutique,EMEA,retail,70,70,70,70,70\n")
    mapping = write(tmp_path / "map.yaml", "columns:\n  Kundennummer: partner_id\n"
                    "  Firma: name\n  Art: partner_type\n  Gebiet: region\n  Branche: industry\n"
                    "  s1: icp_overlap\n  s2: market_influence\n  s3: practice_alignment\n"
                    "  s4: partnership_appetite\n  s5: revenue_potential\n")
    assert import_file(store, path, mapping=mapping).imported == 1
    assert store.get_partner("K-1").name == "Firma Eins"
    bad = write(tmp_path / "bad.yaml", "Firma: company_name\n")
    with pytest.raises(FrameworkError, match="unknown field 'company_name'"):
        import_file(store, path, mapping=bad)


BAD_ROWS = {
    "wrong type": ("A-3,Bad Types,gsi,gold,EMEA,retail,,eighty,70,60,50,40,1,1,no,x",
                   "icp_overlap", "valid integer"),
    "out of range": ("A-3,Too High,gsi,gold,EMEA,retail,,180,70,60,50,40,1,1,no,x",
                     "icp_overlap", "less than or equal to 100"),
    "duplicate id": ("A-1,Second Harbour,gsi,gold,EMEA,retail,,80,70,60,50,40,1,1,no,x",
                     "partner_id", "duplicate id 'A-1', first seen in row 2"),
    "unknown type": ("A-3,Alien,martian,gold,EMEA,retail,,80,70,60,50,40,1,1,no,x",
                     "partner_type", "Input should be"),
    "bad boolean": ("A-3,Maybe,gsi,gold,EMEA,retail,,80,70,60,50,40,1,1,maybe,x",
                    "dedicated_practice", "valid boolean"),
    "missing value": ("A-3,,gsi,gold,EMEA,retail,,80,70,60,50,40,1,1,no,x",
                      "name", "is required"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_row_rejects_whole_file_and_reports_it(store: Store, tmp_path: Path,
                                                    case: str) -> None:
    import_file(store, write(tmp_path / "seed.csv", CRM_HEADER + "\n" + GOOD_ROWS[1] + "\n"))
    before = store.all_partners()
    row, field, reason = BAD_ROWS[case]
    with pytest.raises(ImportRejected) as caught:
        import_file(store, crm_csv(tmp_path, row), report_path=tmp_path / "report.json")
    issues = caught.value.report.issues
    assert [(i.row, i.field) for i in issues] == [(4, field)]
    assert reason in issues[0].reason
    assert "nothing was imported" in str(caught.value) and "--skip-invalid" in str(caught.value)
    assert store.all_partners() == before
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved["issues"][0]["row"] == 4


def test_skip_invalid_imports_good_rows_and_writes_report(store: Store, tmp_path: Path) -> None:
    path = crm_csv(tmp_path, BAD_ROWS["out of range"][0], BAD_ROWS["duplicate id"][0])
    report = import_file(store, path, skip_invalid=True)
    assert (report.rows, report.imported, report.skipped) == (4, 2, 2)
    assert store.counts()["partners"] == 2
    saved = json.loads(Path(report.report_file).read_text())
    assert [(i["row"], i["field"]) for i in saved["issues"]] == [
        (4, "icp_overlap"), (5, "partner_id")]


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def big_file(path: Path) -> Path:
    with open(path, "wb") as handle:
        handle.write(CRM_HEADER.encode() + b"\n")
        handle.truncate(50 * MB)
    return path


FILE_ERRORS = {
    "empty.csv": (lambda p: write(p, ""), "is empty"),
    "header-only.csv": (lambda p: write(p, CRM_HEADER + "\n"), "has no data rows"),
    "missing-columns.csv": (lambda p: write(p, "Account ID,Account Name\nA-1,X\n"),
                            "missing required column(s): Partner Type, Region, Industry"),
    "binary.csv": (lambda p: write_bytes(p, b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 50),
                   "looks like a binary file"),
    "fake.xlsx": (lambda p: write(p, "not a zip"), "is not an XLSX workbook"),
    "latin1.csv": (lambda p: write_bytes(p, CRM_HEADER.encode() + b"\nA-1,Caf\xe9\n"),
                   "is not UTF-8 text"),
    "broken.json": (lambda p: write(p, "[{"), "is not valid JSON"),
    "scalar.json": (lambda p: write(p, "42"), "JSON must be a list"),
    "partners.parquet": (lambda p: write(p, "x"), "unsupported format .parquet"),
    "huge.csv": (big_file, "50.0 MB, over the 20 MB limit"),
    "absent.csv": (lambda p: p, "file not found"),
}


@pytest.mark.parametrize("name", sorted(FILE_ERRORS))
def test_bad_files_get_one_clear_error_and_leave_store_unchanged(
        store: Store, tmp_path: Path, name: str) -> None:
    import_file(store, crm_csv(tmp_path))
    before = store.all_partners()
    make, message = FILE_ERRORS[name]
    path = make(tmp_path / name)
    with pytest.raises(FrameworkError) as caught:
        import_file(store, path)
    assert message in str(caught.value)
    assert store.all_partners() == before


def test_json_items_that_are_not_objects_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", json.dumps([1, {"partner_id": "J"}]))
    partners, report = parse_partners(path)
    assert partners == []
    assert report.issues[0].row == 1 and "not a JSON object" in report.issues[0].reason
    assert {i.field for i in report.issues if i.row == 2} >= {"name", "icp_overlap"}


def test_size_limit_is_configurable(store: Store, tmp_path: Path) -> None:
    path = crm_csv(tmp_path)
    with pytest.raises(FrameworkError, match=r"crm.csv is \d+ bytes, over the 100 bytes limit"):
        import_file(store, path, max_bytes=100)
    assert import_file(store, path, max_bytes=None).imported == 2


@pytest.mark.parametrize(("cell", "value"), [("1.2M", 1_200_000), ("$500K", 500_000),
                                             ("\"2,000,000\"", 2_000_000),
                                             ("1.2 million", 1_200_000)])
def test_money_cells_read_as_the_cli_reads_them(tmp_path: Path, cell: str, value: float) -> None:
    row = ("A-9,Nine Ltd,ISV,silver,NA,retail,Retail analytics,60,60,60,60,60,"
           f"{cell},3,no,Lee")
    partners, report = parse_partners(crm_csv(tmp_path, row))
    assert report.issues == []
    assert {p.partner_id: p.annual_pipeline_usd for p in partners}["A-9"] == value


def test_a_money_cell_that_is_not_an_amount_names_the_field(tmp_path: Path) -> None:
    row = "A-9,Nine Ltd,ISV,silver,NA,retail,Retail analytics,60,60,60,60,60,lots,3,no,Lee"
    _, report = parse_partners(crm_csv(tmp_path, row))
    assert [(i.row, i.field) for i in report.issues] == [(4, "annual_pipeline_usd")]
