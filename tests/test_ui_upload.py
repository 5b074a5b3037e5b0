"""A partner file dropped in the chat goes through the store's importer; the report is shown."""

from __future__ import annotations

from pathlib import Path

import pytest

import ui  # noqa: F401  (points Chainlit's app root at ui/ before chainlit is imported)
from knowledge.settings import Settings
from ui import upload

HEADER = ("partner_id,name,partner_type,tier,region,industry,description,icp_overlap,"
          "market_influence,practice_alignment,partnership_appetite,revenue_potential")
GOOD = "P-9001,Good Row Ltd,boutique,registered,EMEA,retail,Fine,60,60,60,60,60"
BAD = "P-9002,Bad Score Ltd,spaceship,registered,EMEA,retail,Bad,140,60,60,60,60"


@pytest.fixture(autouse=True)
def _keep_ui_clean() -> None:
    try:  # chainlit made an empty <app root>/.files on import
        (Path(ui.__file__).parent / ".files").rmdir()
    except OSError:
        pass


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
    report, rejected = upload.run_import(upload_file(tmp_path, GOOD, BAD), "crm export.csv",
                                         Untouchable())
    assert rejected
    text = upload.report_markdown(report, rejected)
    assert text.startswith("**Import of `crm_export.csv`: rejected, nothing changed**")
    assert "rows: 2" in text and "imported" not in text
    assert "| 3 | P-9002 | partner_type |" in text
    assert "| 3 | P-9002 | icp_overlap |" in text


def test_a_good_file_is_imported_into_a_real_store(tmp_path: Path) -> None:
    from knowledge.store import Store

    store = Store.open(Settings(data_dir=tmp_path / "data"))
    report, rejected = upload.run_import(upload_file(tmp_path, GOOD), "partners.csv", store)
    assert not rejected
    assert report.added == 1 and report.imported == 1
    assert store.get_partner("P-9001") is not None
    text = upload.report_markdown(report, rejected)
    assert "`partners.csv`: done" in text and "added: 1" in text


def test_file_level_problems_raise_framework_errors(tmp_path: Path) -> None:
    from tools.errors import FrameworkError

    empty = tmp_path / "upload"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FrameworkError):
        upload.run_import(empty, "empty.csv", Untouchable())


def test_safe_name_keeps_the_extension() -> None:
    assert upload.safe_name("../../etc/partners list.xlsx") == "partners_list.xlsx"
    assert upload.safe_name("...") == "partners.csv"
