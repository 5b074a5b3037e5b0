"""What every import of rows from a file shares: headers, row issues, the report, all or nothing.

The partner, account-list and competitor importers each read a table with
:func:`knowledge.tables.read_table`, match its headers to their model's fields
(:func:`match_headers`, with a YAML mapping from :func:`load_header_mapping`), validate each
row and collect :class:`ImportIssue` rows, then pass the report through :func:`gate`: a file
with a bad row is refused whole unless ``skip_invalid``, a file with no valid row is
refused, and a row report that cannot be written fails before anything is stored.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from knowledge.files import load_data
from knowledge.tables import Table
from tools.errors import FrameworkError, describe_error, shown

#: Cell spellings read as yes / no.
TRUE = {"yes", "y", "true", "t", "1", "x", "on"}
FALSE = {"no", "n", "false", "f", "0", "off", ""}


def norm(header: str) -> str:
    """Lowercase words: ``"Annual Pipeline (USD)"`` -> ``"annual pipeline usd"``."""
    return re.sub(r"[^a-z0-9$]+", " ", str(header).lower().replace("_", " ")).strip()


class ImportIssue(BaseModel):
    """One problem in one row.

    Args:
        source: The file the row is in (``partners``, ``history``, ``accounts``, ...).
        row: Row number (spreadsheet row, header = 1; JSON record position from 1).
        partner_id: The row's partner id, when it has one.
        field: The field at fault.
        reason: What is wrong.
    """

    source: str = "partners"
    row: int
    partner_id: str = ""
    field: str
    reason: str


class RowReport(BaseModel):
    """What an import read, rejected and wrote (each importer adds its own counts)."""

    file: str
    rows: int = 0
    valid: int = 0
    imported: int = 0
    skipped: int = 0
    added: int = 0
    unchanged: int = 0
    columns: dict[str, str] = {}
    ignored_columns: list[str] = []
    issues: list[ImportIssue] = []
    report_file: str | None = None


R = TypeVar("R", bound=RowReport)


class RowsRejected(FrameworkError):
    """The file had bad rows and ``skip_invalid`` was off: nothing was imported."""

    def __init__(self, report: RowReport) -> None:
        self.report = report
        bad = len({(i.source, i.row) for i in report.issues})
        first = report.issues[0]
        where = f"{first.source} row {first.row}" if first.source == "history" else \
            f"row {first.row}"
        super().__init__(Path(report.file).name, (
            f"{bad} bad row(s) of {report.rows}; nothing was imported (first: {where}, "
            f"{first.field}: {first.reason}); fix them or use --skip-invalid"))


def load_header_mapping(path: Path | None, fields: Collection[str], noun: str) -> dict[str, str]:
    """A YAML mapping ``{"Your Header": field}`` (optionally under ``columns:``), checked.

    Args:
        path: The YAML file, or None for no mapping.
        fields: The fields a header may map to.
        noun: What the fields belong to, for the message ("partner", "account", ...).
    """
    if path is None:
        return {}
    data = load_data(Path(path), "mapping")
    if isinstance(data, dict) and isinstance(data.get("columns"), dict):
        data = data["columns"]
    if not isinstance(data, dict):
        raise FrameworkError("mapping", f"must map column headers to {noun} fields", str(path))
    for header, field in data.items():
        if field not in fields:
            raise FrameworkError("mapping", f"{shown(header)} maps to unknown field "
                                 f"{shown(field)}; fields are {', '.join(sorted(fields))}")
    return {norm(h): str(f) for h, f in data.items()}


def match_headers(headers: list[str], mapping: Mapping[str, str], fields: Collection[str],
                  aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Header -> field for each header that names one of ``fields`` (the first one wins).

    A header matches a field's own name, one of its CRM ``aliases`` or the user's
    ``mapping``, all compared after :func:`norm`.
    """
    lookup = {norm(f): f for f in fields}
    for field, names in aliases.items():
        if field in fields:
            lookup.update({norm(n): field for n in names})
    lookup.update(mapping)
    out: dict[str, str] = {}
    for header in headers:
        target = lookup.get(norm(header))
        if target is not None and target in fields and target not in out.values():
            out[header] = target
    return out


def require_columns(table: Table, columns: Mapping[str, str], required: list[str],
                    label: Mapping[str, str] | None = None) -> None:
    """Refuse a table (not JSON) that lacks a column for a required field.

    Args:
        table: The table read.
        columns: Its header map.
        required: The fields that need a column.
        label: How a field is named to the user (default: the field's name).
    """
    missing = [f for f in required if f not in columns.values()]
    if missing and not table.is_json:
        names = ", ".join((label or {}).get(f, f) for f in missing)
        raise FrameworkError("columns", f"missing required column(s): {names} "
                             f"(found: {', '.join(table.headers) or 'none'})")


def start_report(kind: type[R], path: Path, table: Table, columns: dict[str, str],
                 **extra: object) -> R:
    """A report of ``kind`` with the file's row count and which headers were used."""
    return kind(file=str(path), rows=len(table.rows), columns=columns,
                ignored_columns=[h for h in table.headers if h not in columns], **extra)


def row_issues(exc: ValidationError, row: int, source: str,
               partner_id: str = "") -> list[ImportIssue]:
    """A row's validation errors as issues, each naming its field and the value given."""
    out = []
    for err in exc.errors():
        field, reason, given = describe_error(err)
        if given is not None:
            reason = f"{reason} (got {shown(given)})"
        out.append(ImportIssue(source=source, row=row, partner_id=partner_id, field=field,
                               reason=reason))
    return out


def write_report(report: RowReport, path: Path) -> None:
    """Write the JSON row report (and remember where)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    report.report_file = str(path)
    path.write_text(report.model_dump_json(indent=2), encoding="utf-8")


def gate(report: RowReport, skip_invalid: bool, report_path: Path | None, reports_dir: Path,
         prefix: str, rejected: type[RowsRejected] = RowsRejected) -> Path | None:
    """Decide, before anything is stored, whether the import goes ahead.

    Args:
        report: The validated file's report.
        skip_invalid: Import the good rows instead of refusing the file.
        report_path: Where the user asked the report to go, or None.
        reports_dir: Where a skip-invalid report goes by default.
        prefix: The default report's name prefix (``import``, ``accounts``, ...).
        rejected: The refusal to raise.

    Returns:
        Where the report is written (already written once, so an unwritable path fails
        here), or None.

    Raises:
        RowsRejected: There are bad rows and ``skip_invalid`` is off.
        FrameworkError: No row is valid.
    """
    if report.issues and report_path is None and skip_invalid:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        report_path = reports_dir / f"{prefix}-{Path(report.file).stem}-{stamp}.json"
    if report.issues and not skip_invalid:
        if report_path is not None:
            write_report(report, report_path)
        raise rejected(report)
    if not report.valid:
        raise FrameworkError(Path(report.file).name, "no valid rows to import")
    if report_path is not None:  # rewritten with the counts once the import is done
        write_report(report, report_path)
    return report_path
