"""Uploads: a partner file goes through the importer and comes back as a typed result."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.uploads import UploadResult, import_upload, safe_name
from knowledge.settings import Settings
from knowledge.store import Store

HEADER = ("partner_id,name,partner_type,tier,region,industry,description,icp_overlap,"
          "market_influence,practice_alignment,partnership_appetite,revenue_potential,"
          "annual_pipeline_usd")
GOOD = "P-9001,Good Row Ltd,boutique,registered,EMEA,retail,Fine,60,60,60,60,60,1.2M"
BAD = "P-9002,Bad Score Ltd,spaceship,registered,EMEA,retail,Bad,140,60,60,60,60,0"


class Untouchable:
    """A store that fails the test if the importer writes to it."""

    data_dir = "."

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the store was touched ({name}) for a rejected file")


def upload_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "chainlit-upload-id"  # Chainlit keeps uploads without an extension
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_bad_file_is_rejected_whole_and_the_store_is_not_touched(tmp_path: Path) -> None:
    result = import_upload(upload_file(tmp_path, GOOD, BAD), "crm export.csv",
                           Untouchable())  # type: ignore[arg-type]
    assert result.outcome == "rejected" and result.name == "crm_export.csv"
    assert result.report is not None and result.report.rows == 2
    assert {(i.row, i.field) for i in result.report.issues} >= {
        (3, "partner_type"), (3, "icp_overlap")}


def test_a_good_file_is_imported_into_a_real_store(tmp_path: Path) -> None:
    store = Store.open(Settings(data_dir=tmp_path / "data"))
    result = import_upload(upload_file(tmp_path, GOOD), "partners.csv", store)
    assert result.outcome == "imported", result.error
    assert result.report is not None and result.report.added == 1
    partner = store.get_partner("P-9001")
    assert partner is not None and partner.annual_pipeline_usd == 1_200_000


@pytest.mark.parametrize(("name", "text", "error"), [
    ("empty.csv", "", "empty"),
    ("notes.txt", "hello", "drop a CSV or an Excel workbook (.xlsx)"),
])
def test_file_level_problems_are_refused_not_raised(tmp_path: Path, name: str, text: str,
                                                    error: str) -> None:
    upload = tmp_path / "upload"
    upload.write_text(text, encoding="utf-8")
    result = import_upload(upload, name, Untouchable())  # type: ignore[arg-type]
    assert result == UploadResult(name=result.name, outcome="refused", error=result.error)
    assert error in (result.error or "")


def test_safe_name_keeps_the_extension() -> None:
    assert safe_name("../../etc/partners list.xlsx") == "partners_list.xlsx"
    assert safe_name("...") == "partners.csv"
