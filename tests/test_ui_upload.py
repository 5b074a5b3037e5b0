"""The UI renders the typed upload result of ``agent.uploads`` and holds no import logic."""

from __future__ import annotations

from pathlib import Path

import pytest

import ui  # noqa: F401  (points Chainlit's app root at ui/ before chainlit is imported)
from agent.uploads import UploadResult
from knowledge.importer import ImportReport
from knowledge.row_import import ImportIssue
from ui import upload


@pytest.fixture(autouse=True)
def _keep_ui_clean() -> None:
    try:  # chainlit made an empty <app root>/.files on import
        (Path(ui.__file__).parent / ".files").rmdir()
    except OSError:
        pass


def issue(row: int, field: str, reason: str) -> ImportIssue:
    return ImportIssue(source="partners", row=row, partner_id="P-9002", field=field,
                       reason=reason)


def test_a_rejected_file_shows_the_row_report_and_no_write_counts() -> None:
    report = ImportReport(file="/tmp/x/crm_export.csv", rows=2, valid=1, issues=[
        issue(3, "partner_type", "Input should be 'gsi' | 'isv'"),
        issue(3, "icp_overlap", "less than or equal to 100")])
    text = upload.report_markdown(UploadResult(name="crm_export.csv", outcome="rejected",
                                               report=report))
    assert text.startswith("**Import of `crm_export.csv`: rejected, nothing changed**")
    assert "rows: 2" in text and "imported" not in text
    # cells from the file are escaped Markdown text (a pipe stays a pipe, not a new column)
    assert "| 3 | P-9002 | partner\\_type | Input should be 'gsi' \\| 'isv' |" in text
    assert "| 3 | P-9002 | icp\\_overlap |" in text


def test_an_imported_file_shows_the_counts() -> None:
    report = ImportReport(file="partners.csv", rows=1, valid=1, imported=1, added=1)
    text = upload.report_markdown(UploadResult(name="partners.csv", outcome="imported",
                                               report=report))
    assert "`partners.csv`: done" in text and "added: 1" in text


def test_a_long_report_is_cut_with_a_count() -> None:
    issues = [issue(n, "name", "Field required") for n in range(2, 2 + upload.MAX_REPORT_ROWS + 5)]
    report = ImportReport(file="big.csv", rows=40, issues=issues)
    text = upload.report_markdown(UploadResult(name="big.csv", outcome="rejected",
                                               report=report))
    assert "5 more problems not shown." in text
    assert text.count("| P-9002 |") == upload.MAX_REPORT_ROWS


def test_a_refused_file_says_why() -> None:
    text = upload.report_markdown(UploadResult(name="notes.txt", outcome="refused",
                                               error="only CSV or XLSX partner files"))
    assert text == ("I could not import `notes.txt`: only CSV or XLSX partner files. "
                    "Nothing changed.")
