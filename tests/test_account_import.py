"""Account lists: import (all or nothing, CRM headers, mapping, limits) and the SQLite map."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from knowledge.account_import import (
    AccountImportRejected,
    import_accounts,
    load_sample_accounts,
    parse_accounts,
)
from knowledge.accounts import OURS, SAMPLE_LISTS, AccountBook, mapped_icp
from knowledge.tables import Limits, read_table
from tools.errors import FrameworkError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_salesforce_headers_and_kinds_are_recognised(tmp_path: Path) -> None:
    path = _csv(tmp_path / "sf.csv", "Account ID,Account Name,Website,Type,Owner\n"
                "1,Acme Inc.,https://www.acme.com/,Closed Won,Ana\n"
                "2,Beta GmbH,,Lead,Bo\n3,Gamma Ltd,gamma.co.uk,Open Opportunity,Cy\n")
    accounts, report = parse_accounts(path, ours=True)
    assert [(a.account_id, a.domain, str(a.kind)) for a in accounts] == [
        ("1", "acme.com", "customer"), ("2", None, "prospect"),
        ("3", "gamma.co.uk", "opportunity")]
    assert report.columns == {"Account ID": "account_id", "Account Name": "name",
                              "Website": "domain", "Type": "kind"}
    assert report.ignored_columns == ["Owner"]


def test_partner_rows_default_to_customer_and_a_mapping_names_columns(tmp_path: Path) -> None:
    accounts, _ = parse_accounts(EXAMPLES / "accounts_partner_export.csv", ours=False,
                                 mapping=EXAMPLES / "accounts_mapping.yaml")
    assert len(accounts) == 6 and {str(a.kind) for a in accounts} == {"customer"}
    with pytest.raises(FrameworkError, match="columns: missing required column"):
        parse_accounts(EXAMPLES / "accounts_partner_export.csv", ours=False)
    bad = _csv(tmp_path / "m.yaml", "Client: company_size\n")
    with pytest.raises(FrameworkError, match="mapping: 'Client' maps to unknown field"):
        parse_accounts(EXAMPLES / "accounts_partner_export.csv", ours=False, mapping=bad)


def test_our_list_needs_a_kind_per_row(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="missing required column.*kind"):
        parse_accounts(_csv(tmp_path / "a.csv", "Name\nAcme\n"), ours=True)
    _, report = parse_accounts(_csv(tmp_path / "b.csv", "Name,Type\nAcme,\nBeta,partner\n"),
                               ours=True)
    assert [(i.row, i.field) for i in report.issues] == [(2, "kind"), (3, "kind")]
    assert "is required" in report.issues[0].reason
    assert "(got 'partner')" in report.issues[1].reason


def test_a_bad_file_leaves_the_map_exactly_as_it_was(tmp_path: Path) -> None:
    book = AccountBook(tmp_path / "data")
    import_accounts(book, EXAMPLES / "accounts_partner_export.csv", "P-0028", "Monteverde",
                    mapping=EXAMPLES / "accounts_mapping.yaml")
    before = (book.lists(), book.accounts("P-0028"), book.path.read_bytes())
    with pytest.raises(AccountImportRejected) as info:  # a partner's row needs no kind
        import_accounts(book, EXAMPLES / "accounts_bad_rows.csv", "P-0028", "Monteverde")
    assert str(info.value).startswith("accounts_bad_rows.csv: 1 bad row(s) of 4; nothing was "
                                      "imported (first: row 3, domain: is not a web domain")
    assert (book.lists(), book.accounts("P-0028"), book.path.read_bytes()) == before


def test_skip_invalid_imports_the_good_rows_and_writes_the_report(tmp_path: Path) -> None:
    book = AccountBook(tmp_path / "data")
    report = import_accounts(book, EXAMPLES / "accounts_bad_rows.csv", OURS, "our accounts",
                             skip_invalid=True, report_path=tmp_path / "r.json")
    assert (report.imported, report.skipped) == (2, 2)
    assert [a.name for a in book.accounts(OURS)] == ["Good Company Ltd", "Fine Prospect"]
    saved = json.loads((tmp_path / "r.json").read_text())
    assert [i["row"] for i in saved["issues"]] == [3, 4] and saved["imported"] == 2


def test_reimport_is_unchanged_and_replacing_counts_changes(tmp_path: Path) -> None:
    book = AccountBook(tmp_path / "data")
    first = tmp_path / "one.csv"
    _csv(first, "Name,Website\nAcme,acme.com\nBeta,beta.io\n")
    assert import_accounts(book, first, "P-1", "One").added == 2
    again = import_accounts(book, first, "P-1", "One")
    assert (again.added, again.removed, again.unchanged) == (0, 0, 2)
    _csv(first, "Name,Website\nAcme,acme.com\nGamma,gamma.io\n")
    changed = import_accounts(book, first, "P-1", "One")
    assert (changed.added, changed.removed, changed.unchanged) == (1, 1, 1)
    assert [a.name for a in book.accounts("P-1")] == ["Acme", "Gamma"]


def test_duplicate_ids_and_json_non_objects_are_row_issues(tmp_path: Path) -> None:
    _, report = parse_accounts(_csv(tmp_path / "d.csv", "ID,Name\n7,Acme\n7,Beta\n"),
                               ours=False)
    assert report.issues[0].field == "account_id" and "first seen in row 2" in \
        report.issues[0].reason
    path = tmp_path / "j.json"
    path.write_text(json.dumps([{"name": "Acme", "domain": "acme.com"}, 5]))
    accounts, report = parse_accounts(path, ours=False)
    assert len(accounts) == 1 and report.issues[0].field == "row"


def test_xlsx_lists_are_read(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Company Name", "Company Domain Name", "Lifecycle Stage"])
    sheet.append(["Acme Inc", "acme.com", "customer"])
    sheet.append(["Beta", None, "opportunity"])
    book.save(tmp_path / "h.xlsx")
    accounts, _ = parse_accounts(tmp_path / "h.xlsx", ours=True)
    assert [(a.name, str(a.kind)) for a in accounts] == [("Acme Inc", "customer"),
                                                         ("Beta", "opportunity")]


def test_file_limits_are_the_partner_importers(tmp_path: Path) -> None:
    path = _csv(tmp_path / "big.csv", "Name\n" + "x\n" * 5)
    with pytest.raises(FrameworkError, match="over the limit of 3"):
        read_table(path, None, limits=Limits(max_rows=3))
    with pytest.raises(FrameworkError, match="over the 10 bytes limit"):
        parse_accounts(path, ours=False, max_bytes=10)


def test_the_samples_load_once_and_never_over_a_users_lists(tmp_path: Path) -> None:
    book = AccountBook(tmp_path / "data")
    assert load_sample_accounts(book) == len(SAMPLE_LISTS)
    assert {i.owner for i in book.lists()} == set(SAMPLE_LISTS)
    assert load_sample_accounts(book) == 0
    icp = mapped_icp(tmp_path / "data", "P-0026", "Baltica Integrators")
    assert icp is not None and (icp.value, icp.matched, icp.targets) == (52, 12, 23)
    assert mapped_icp(tmp_path / "data", "P-0001", "x") is None
    assert mapped_icp(tmp_path / "nothing", "P-0026", "x") is None
    assert not (tmp_path / "nothing").exists()  # reading creates no account map


def test_the_account_map_is_private(tmp_path: Path) -> None:
    book = AccountBook(tmp_path / "data")
    assert book.path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
