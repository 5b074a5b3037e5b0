"""Import an account list from CSV, XLSX or JSON (CRM exports welcome), all rows or none.

Like the partner importer (:mod:`knowledge.importer`): the same file limits
(:mod:`knowledge.tables`), headers matched case- and punctuation-insensitively with the
usual Salesforce/HubSpot names built in ("Account Name", "Website", "Type", "Company
Domain Name", "Lifecycle Stage", ...) and a YAML ``--mapping`` for the rest, every row
validated by :class:`tools.accounts.Account`, bad rows reported with their row number,
field and reason, and a file with any bad row rejected whole (the account map untouched)
unless ``skip_invalid``. A list replaces its owner's stored list in one transaction.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge.accounts import OURS, SAMPLE_LISTS, AccountBook
from knowledge.importer import DEFAULT_MAX_BYTES
from knowledge.row_import import (
    ImportIssue,
    RowReport,
    RowsRejected,
    gate,
    load_header_mapping,
    match_headers,
    norm,
    require_columns,
    row_issues,
    start_report,
    write_report,
)
from knowledge.tables import NOT_OBJECT, read_table
from tools.accounts import Account, AccountKind
from tools.errors import shown

FIELDS = ("account_id", "name", "domain", "kind")
#: Account field -> header spellings seen in CRM exports (compared after ``norm``).
ALIASES: dict[str, tuple[str, ...]] = {
    "account_id": ("id", "account id", "record id", "company id", "crm id", "account number",
                   "customer id", "salesforce id"),
    "name": ("account name", "company name", "company", "account", "customer",
             "customer name", "organisation", "organization", "organization name"),
    "domain": ("website", "web site", "web domain", "company domain name", "company domain",
               "url", "website url", "company website", "homepage"),
    "kind": ("type", "account type", "relationship", "status", "stage", "lifecycle stage",
             "customer status", "record type"),
}
#: What CRMs call each kind (after ``norm``).
KIND_WORDS: dict[str, AccountKind] = {
    **dict.fromkeys(("customer", "customers", "client", "closed won", "won", "active customer",
                     "current customer", "existing customer"), AccountKind.CUSTOMER),
    **dict.fromkeys(("prospect", "prospects", "lead", "target", "target account",
                     "marketing qualified lead", "sales qualified lead", "mql", "sql",
                     "evangelist", "subscriber"), AccountKind.PROSPECT),
    **dict.fromkeys(("opportunity", "opportunities", "open opportunity", "opp", "open opp",
                     "pipeline", "in progress", "negotiation", "proposal", "open"),
                    AccountKind.OPPORTUNITY),
}


class AccountImportReport(RowReport):
    """What an account import read, rejected and wrote."""

    owner: str
    label: str
    removed: int = 0
    by_kind: dict[str, int] = {}


class AccountImportRejected(RowsRejected):
    """The account list had bad rows and ``skip_invalid`` was off: nothing was imported."""


def load_account_mapping(path: Path | None) -> dict[str, str]:
    """A YAML mapping ``{"Your Header": field}`` (optionally under ``columns:``)."""
    return load_header_mapping(path, FIELDS, "account")


def map_account_headers(headers: list[str], mapping: dict[str, str]) -> dict[str, str]:
    """Header -> account field, for each header that names one (first one wins)."""
    return match_headers(headers, mapping, FIELDS, ALIASES)


def _record(raw: dict[str, Any], columns: dict[str, str], ours: bool) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for header, value in raw.items():
        field = columns.get(header)
        if field is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        if field == "kind" and isinstance(value, str):
            value = KIND_WORDS.get(norm(value), value.strip().lower())
        record[field] = value if isinstance(value, str) else str(value)
    if not ours:
        record.setdefault("kind", AccountKind.CUSTOMER)
    return record


def parse_accounts(path: Path, ours: bool, mapping: Path | None = None,
                   max_bytes: int | None = DEFAULT_MAX_BYTES
                   ) -> tuple[list[Account], AccountImportReport]:
    """Read and validate every row; nothing is written.

    Args:
        path: The CSV, XLSX or JSON file.
        ours: Our list (a kind column is required) or a partner's (kind defaults to
            customer).
        mapping: Optional YAML header mapping.
        max_bytes: Refuse larger files (None: no limit).

    Raises:
        FrameworkError: For problems with the file as a whole (see :func:`read_table`) or
            a missing name (or, for ours, kind) column.
    """
    columns_map = load_account_mapping(mapping)
    table = read_table(Path(path), max_bytes, what="file")
    columns = map_account_headers(table.headers, columns_map)
    require_columns(table, columns, ["name", "kind"] if ours else ["name"])
    report = start_report(AccountImportReport, Path(path), table, columns, owner="", label="")
    accounts: list[Account] = []
    seen: dict[str, int] = {}
    for row, raw in table.rows:
        if NOT_OBJECT in raw:
            report.issues.append(ImportIssue(source="accounts", row=row, field="row",
                                             reason=f"is not a JSON object (got "
                                             f"{raw[NOT_OBJECT]})"))
            continue
        record = _record(raw, columns, ours)
        ident = str(record.get("account_id", "")).strip()
        if ident and ident in seen:
            report.issues.append(ImportIssue(source="accounts", row=row, field="account_id",
                                             reason=f"duplicate id {shown(ident)}, first seen "
                                             f"in row {seen[ident]}"))
            continue
        if ident:
            seen[ident] = row
        if ours and "kind" not in record:
            report.issues.append(ImportIssue(source="accounts", row=row, field="kind",
                                             reason="is required for our accounts (customer, "
                                             "prospect or opportunity)"))
            continue
        try:
            accounts.append(Account.model_validate(record))
        except ValidationError as exc:
            report.issues.extend(row_issues(exc, row, "accounts"))
    report.valid = len(accounts)
    return accounts, report


def import_accounts(book: AccountBook, path: Path, owner: str, label: str,
                    mapping: Path | None = None, skip_invalid: bool = False,
                    max_bytes: int | None = DEFAULT_MAX_BYTES,
                    report_path: Path | None = None) -> AccountImportReport:
    """Validate an account list and make it ``owner``'s stored list (all rows or none).

    Args:
        book: The account map.
        path: The CSV, XLSX or JSON file.
        owner: ``ours`` or a partner id.
        label: How the list is named (``our accounts`` or the partner's name).
        mapping: Optional YAML header mapping.
        skip_invalid: Import the good rows instead of rejecting the file.
        max_bytes: Refuse larger files (None: no limit).
        report_path: Where to write the JSON row report (default with ``skip_invalid``
            and issues: ``<data_dir>/reports/accounts-<name>-<time>.json``).

    Raises:
        AccountImportRejected: When there are bad rows and ``skip_invalid`` is off.
        FrameworkError: For file-level problems, or when no row is valid.
    """
    accounts, report = parse_accounts(Path(path), owner == OURS, mapping, max_bytes)
    report.owner, report.label = owner, label
    report_path = gate(report, skip_invalid, report_path, book.path.parent / "reports",
                       "accounts", AccountImportRejected)
    changed = book.replace(owner, label, Path(path).name, accounts)
    report.imported = len(accounts)
    report.skipped = report.rows - report.imported
    report.added, report.removed, report.unchanged = (changed.added, changed.removed,
                                                      changed.unchanged)
    report.by_kind = {str(k): sum(1 for a in accounts if a.kind == k) for k in AccountKind
                      if any(a.kind == k for a in accounts)}
    if report_path is not None:
        write_report(report, report_path)
    return report


def sample_path(file: str) -> Path:
    """A shipped sample list (``knowledge/data/<file>``)."""
    return Path(str(resources.files("knowledge.data").joinpath(file)))


def load_sample_accounts(book: AccountBook) -> int:
    """Load the sample lists (:data:`SAMPLE_LISTS`) into an empty account map.

    Returns:
        How many lists were loaded (0 when the map already held a list: a user's lists are
        never overwritten).
    """
    if not book.is_empty():
        return 0
    for owner, (file, label) in SAMPLE_LISTS.items():
        import_accounts(book, sample_path(file), owner, label)
    return len(SAMPLE_LISTS)
