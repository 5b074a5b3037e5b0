"""Red team, hostile partner files (issue 12, items 5, 8 and 9): bounded, decoded, clean.

Each test builds the hostile file the red-team run used (or its mechanism at a smaller
scale) and checks the importer refuses it with one clear message before the cost is paid,
or reads it correctly, and that the store is left exactly as it was.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.importer import ImportRejected, import_file, parse_partners
from knowledge.settings import Settings
from knowledge.store import Store
from knowledge.tables import LIMITS, Limits, read_table
from tools.errors import FrameworkError

HEADER = ["partner_id", "name", "partner_type", "region", "industry", "description",
          "icp_overlap", "market_influence", "practice_alignment", "partnership_appetite",
          "revenue_potential"]
ROW = ["P-1", "Harbour Health", "gsi", "EMEA", "healthcare", "Hospital cloud work",
       "80", "70", "60", "50", "40"]


def csv_text(*rows: list[str]) -> str:
    return "\n".join(",".join(r) for r in (HEADER, *rows)) + "\n"


def workbook(path: Path, *rows: list[object]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (HEADER, *rows):
        sheet.append(list(row))
    book.save(path)
    return path


def rewrite_sheet(path: Path, edit: object) -> Path:
    """Rewrite ``xl/worksheets/sheet1.xml`` of a workbook with ``edit(xml) -> xml``."""
    out = path.with_name("edited-" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data)  # type: ignore[operator]
            dst.writestr(info.filename, data)
    return out


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(Settings(data_dir=tmp_path / "data"))


def refused(store: Store, path: Path, *pattern: str) -> str:
    """Import ``path``; it must be refused as a whole with a message matching ``pattern``."""
    before = store.all_partners()
    with pytest.raises(FrameworkError) as caught:
        import_file(store, path)
    message = str(caught.value)
    for part in pattern:
        assert re.search(part, message), message
    assert len(message) < 400
    assert store.all_partners() == before
    return message


# --- item 5: XLSX (and CSV/JSON) bounded by more than size on disk --------------------------

def test_xlsx_that_unpacks_past_the_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    # 40 MB of XML padding compresses to ~40 KB: the shape of the 1.3 MB file that took 161 s
    base = workbook(tmp_path / "base.xlsx", ROW)
    bomb = rewrite_sheet(base, lambda xml: xml.replace(
        b"<sheetData>", b"<sheetData>" + b" " * (40 * 1024 * 1024)))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(FrameworkError, match=r"unpacks to 40\.\d MB, over the 32 MB limit"):
        read_table(bomb, None, limits=Limits(max_unpacked_bytes=32 * 1024 * 1024))


def test_default_limits_are_named_and_a_workbook_bomb_is_refused(store: Store,
                                                                 tmp_path: Path) -> None:
    assert (LIMITS.max_rows, LIMITS.max_columns, LIMITS.max_cell_chars) == (50_000, 500, 32_767)
    base = workbook(tmp_path / "base.xlsx", ROW)
    bomb = rewrite_sheet(base, lambda xml: xml.replace(
        b"<sheetData>", b"<sheetData>" + b" " * (LIMITS.max_unpacked_bytes + 1)))
    refused(store, bomb, r"unpacks to 64\.0 MB, over the 64 MB limit")


def test_xlsx_with_a_cell_a_million_rows_down_stops_at_the_row_limit(store: Store,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "far.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(ROW)
    sheet.cell(row=1_000_000, column=1, value="x")
    book.save(path)
    refused(store, path, r"more than 50,000 data rows", "split it")


def test_xlsx_whose_dimension_claims_every_column_is_read_at_its_real_width(
        tmp_path: Path) -> None:
    path = rewrite_sheet(workbook(tmp_path / "wide.xlsx", ROW), lambda xml: re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml))
    table = read_table(path, None)
    assert [row for _, row in table.rows] == [dict(zip(HEADER, ROW, strict=True))]


def test_xlsx_cell_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "long.xlsx", ROW[:5] + ["y" * 5000] + ROW[6:])
    with pytest.raises(FrameworkError, match=r"row 2, description: the cell holds 5,000 "
                                             r"characters, over the limit of 4,000"):
        read_table(path, None, limits=Limits(max_cell_chars=4000))


def test_csv_cell_over_excels_limit_is_refused(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(csv_text(ROW[:5] + ["d" * 40_000] + ROW[6:]), encoding="utf-8")
    refused(store, path, r"row 2, description: the cell holds 40,000 characters, over the "
                         r"limit of 32,767")


def test_csv_with_a_15_mb_field_gives_a_short_message(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(csv_text(ROW[:5] + ["d" * 15_000_000] + ROW[6:]), encoding="utf-8")
    refused(store, path, r"row 2: a cell holds more than 32,767 characters")


def test_csv_and_json_wider_or_longer_than_the_limits_are_refused(store: Store,
                                                                  tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(HEADER + [f"x{i}" for i in range(600)]) + "\n"
                    + ",".join(ROW + ["1"] * 600) + "\n", encoding="utf-8")
    refused(store, wide, r"has more than 500 columns \(the limit\)")
    rows = tmp_path / "rows.json"
    rows.write_text("[" + ",".join(["{}"] * 50_001) + "]", encoding="utf-8")
    refused(store, rows, r"has 50,001 records, over the limit of 50,000")


# --- item 9: UTF-16 CSV (Excel's "Unicode text") ---------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_csv_are_read(store: Store, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.csv"
    text = csv_text(ROW[:1] + ["Zürich Ærø Consulting"] + ROW[2:])
    path.write_bytes(text.encode(encoding))
    report = import_file(store, path)
    assert (report.rows, report.imported) == (1, 1)
    found = store.get_partner("P-1")
    assert found is not None and found.name == "Zürich Ærø Consulting"


def test_broken_utf16_names_the_encoding(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(csv_text(ROW).encode("utf-16") + b"\x00\xd8")  # a lone high surrogate
    with pytest.raises(FrameworkError, match=r"broken\.csv is not UTF-16 text .*save it "
                                             r"as UTF-8"):
        parse_partners(path)


# --- item 8: control characters are never stored ---------------------------------------------

def test_nul_byte_in_a_cell_is_rejected_with_the_field_named(store: Store,
                                                             tmp_path: Path) -> None:
    # past the 8 KB binary sniff, so only the text type can catch it
    path = tmp_path / "nul.csv"
    filler = [[f"P-{n}", "Filler", "gsi", "EMEA", "healthcare", "f" * 90] + ROW[6:]
              for n in range(100, 200)]
    path.write_text(csv_text(*filler, ROW[:1] + ["Acme\x00Corp"] + ROW[2:]), encoding="utf-8")
    before = store.all_partners()
    with pytest.raises(ImportRejected) as caught:
        import_file(store, path)
    [issue] = caught.value.report.issues
    assert (issue.row, issue.field) == (102, "name")
    assert issue.reason.startswith("contains the control character U+0000 at position 5")
    assert store.all_partners() == before


def test_line_breaks_in_single_line_fields_are_made_one_line(store: Store,
                                                             tmp_path: Path) -> None:
    path = tmp_path / "breaks.json"
    path.write_text('[{"partner_id": "P-1", "name": "Acme\\n# Injected heading", '
                    '"partner_type": "gsi", "region": "EMEA\\r\\n", '
                    '"industry": "health\\u2028care", "description": "line one\\r\\nline two", '
                    '"icp_overlap": 1,'
                    ' "market_influence": 1, "practice_alignment": 1,'
                    ' "partnership_appetite": 1, "revenue_potential": 1}]', encoding="utf-8")
    import_file(store, path)
    found = store.get_partner("P-1")
    assert found is not None
    assert (found.name, found.region, found.industry) == ("Acme # Injected heading", "EMEA",
                                                          "health care")
    assert found.description == "line one\nline two"


# --- item 6: a small upload cannot become a huge chat message --------------------------------

def test_small_xlsx_upload_of_long_bad_cells_gives_a_short_report(store: Store,
                                                                  tmp_path: Path) -> None:
    from agent.uploads import import_upload
    from ui.upload import report_markdown

    long_text = "z" * 30_000  # one shared string, referenced by every row: a tiny file
    rows = [[f"P-{n}", "N", "gsi", "EMEA", "x", long_text, *ROW[6:]] for n in range(400)]
    path = workbook(tmp_path / "small.xlsx", *rows)
    assert path.stat().st_size < 100_000
    result = import_upload(path, "small.xlsx", store)
    assert result.outcome == "rejected" and result.report is not None
    assert len(result.report.issues) == 400
    assert all(len(issue.reason) < 250 for issue in result.report.issues)
    assert "(30,000 characters)" in result.report.issues[0].reason
    assert len(report_markdown(result)) < 12_000
    assert store.all_partners() == []
