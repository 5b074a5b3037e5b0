"""Uploads: a partner file goes through the importer and comes back as a typed result."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.uploads import UploadResult, import_dropped, import_upload, safe_name, upload_kind
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


@pytest.mark.parametrize(("headers", "message", "expected"), [
    (["Account Name", "Website"], "these are Northwind Analytics' customers",
     ("partner_accounts", "Northwind Analytics")),
    (["Account Name", "Website"], "Here are the customers of Good Row Ltd.",
     ("partner_accounts", "Good Row Ltd")),
    (["Account Name", "Type"], "our accounts, fresh from the CRM", ("our_accounts", None)),
    (["Account Name", "Type"], "", ("our_accounts", None)),  # a kind column: ours
    (["Account Name", "Website"], "", ("partner_accounts", None)),  # whose: not said
    (HEADER.split(","), "Import these partners", ("partners", None)),
    (["Account ID", "Account Name", "ICP Overlap"], "", ("partners", None)),  # scores
])
def test_what_a_dropped_file_is(headers: list[str], message: str,
                                expected: tuple[str, str | None]) -> None:
    assert upload_kind(headers, message) == expected


def account_file(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / f"upload-{name}"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_account_lists_import_as_the_cli_does_and_answer_with_the_overlap(
        tmp_path: Path) -> None:
    from agent.toolset import Deps
    from knowledge.accounts import AccountBook

    settings = Settings(data_dir=tmp_path / "data")
    deps = Deps(settings)
    assert import_upload(upload_file(tmp_path, GOOD), "p.csv", deps.store).outcome == "imported"
    theirs = account_file(tmp_path, "theirs", "Account Name,Website", "Acme Bank,acme.com",
                          "Globex,globex.io")
    result, runs = import_dropped(theirs, "good-row.csv", deps,
                                  "These are Good Row Ltd's customers")
    assert result.outcome == "imported" and result.accounts is not None, result.error
    assert (result.accounts.owner, result.accounts.imported) == ("P-9001", 2)
    assert runs == []  # no list of ours yet: nothing to overlap with... until ours comes
    ours = account_file(tmp_path, "ours", "Account Name,Website,Type",
                        "Acme Bank plc,www.acme.com,Customer", "Initech,initech.com,Prospect")
    result, runs = import_dropped(ours, "crm.csv", deps, "")
    assert result.outcome == "imported" and result.accounts is not None
    assert result.accounts.owner == "ours" and result.accounts.by_kind == {
        "customer": 1, "prospect": 1}
    [run] = runs
    assert run.name == "account_overlap" and run.error is None
    rows = {r["kind"]: r["matched"] for r in run.output_data()["rows"]}
    assert rows["customer"] == 1  # Acme Bank, by its domain
    before = AccountBook(settings.data_dir).lists()
    bad = account_file(tmp_path, "bad", "Account Name,Website,Type", "Hooli,hooli.com,Customer",
                       "Umbrella,umbrella.com,Spaceship")
    result, runs = import_dropped(bad, "bad.csv", deps, "our accounts")
    assert result.outcome == "rejected" and runs == []
    assert result.accounts is not None and result.accounts.issues[0].row == 3
    assert AccountBook(settings.data_dir).lists() == before  # all or nothing
    result, _ = import_dropped(theirs, "who.csv", deps, "")
    assert result.outcome == "refused" and "whose" in (result.error or "")
