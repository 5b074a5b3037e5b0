"""Import partner records from CSV, XLSX or JSON (CRM exports welcome), all rows or none.

Headers are matched to :class:`tools.partners.Partner` fields case- and punctuation-
insensitively, with the usual Salesforce/HubSpot names ("Account Name", "Record ID",
"Billing Region", ...) built in and a YAML ``--mapping`` for anything else. Every row is
validated by ``Partner``; a bad row is reported with its row number (the spreadsheet row:
the header is row 1; for JSON, the record's position from 1), field and reason. By default
a file with any bad row is rejected whole and the store is untouched; with ``skip_invalid``
the good rows are imported and the report lists the rest. Quarterly history comes nested in
JSON (``history``) or from a companion CSV/XLSX with ``partner_id`` and ``quarter`` columns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from knowledge import audit
from knowledge.row_import import (
    FALSE,
    TRUE,
    ImportIssue,
    RowReport,
    RowsRejected,
    gate,
    load_header_mapping,
    match_headers,
    require_columns,
    row_issues,
    start_report,
    write_report,
)
from knowledge.tables import LIMITS, MB, NOT_OBJECT, Limits, read_table
from tools.errors import FrameworkError, shown
from tools.parsing import parse_amount
from tools.partners import Partner, QuarterRecord
from tools.vocab import CRITERIA

DEFAULT_MAX_BYTES = 20 * MB
ProgressFactory = Callable[[str, int], AbstractContextManager[Callable[[int], None]]]

#: Partner field -> header spellings seen in CRM exports (compared after :func:`norm`).
ALIASES: dict[str, tuple[str, ...]] = {
    "partner_id": ("id", "partner id", "account id", "record id", "company id", "account number"),
    "name": ("partner name", "account name", "company name", "company", "account", "partner"),
    "partner_type": ("type", "partner type", "account type", "partner category", "category"),
    "tier": ("partner tier", "tier level", "program tier", "partner level", "level"),
    "region": ("billing region", "region", "geo", "territory", "sales region", "country region"),
    "industry": ("industry", "vertical", "sector", "primary industry"),
    "description": ("description", "about", "company description", "account description",
                    "notes", "summary"),
    "icp_overlap": ("icp overlap", "icp client overlap", "icp score", "icp fit"),
    "market_influence": ("market influence", "influence", "market influence score"),
    "practice_alignment": ("practice alignment", "alignment", "practice alignment score"),
    "partnership_appetite": ("partnership appetite", "appetite", "partner appetite"),
    "revenue_potential": ("revenue potential", "revenue potential score"),
    "annual_pipeline_usd": ("annual pipeline", "annual pipeline usd", "annual pipeline $",
                            "pipeline", "pipeline usd", "ttm pipeline", "partner sourced pipeline"),
    "certified_individuals": ("certified individuals", "certifications", "certified people",
                              "certified consultants", "number of certified individuals"),
    "dedicated_practice": ("dedicated practice", "has dedicated practice", "coe",
                           "center of excellence", "centre of excellence"),
    "tier_since": ("tier since", "tier start", "tier start quarter"),
    "history": ("history", "quarters"),
}
QUARTER_FIELDS = ("partner_id", "quarter", "annual_pipeline_usd", "certified_individuals",
                  "dedicated_practice", "new_pipeline_usd")
QUARTER_KEYS = tuple(QuarterRecord.model_fields)
REQUIRED = [name for name, info in Partner.model_fields.items() if info.is_required()]
BOOL_FIELDS = {"dedicated_practice"}
INT_FIELDS = {*CRITERIA, "certified_individuals"}
MONEY_FIELDS = {"annual_pipeline_usd", "new_pipeline_usd"}
TYPE_ALIASES = {"big 4": "big4", "big four": "big4", "global si": "gsi",
                "global system integrator": "gsi", "system integrator": "gsi", "si": "gsi",
                "regional si": "regional_si", "regional system integrator": "regional_si",
                "var": "reseller", "value added reseller": "reseller", "tech": "technology",
                "technology partner": "technology", "consultancy": "boutique",
                "university": "academic"}


class ImportReport(RowReport):
    """What a partner import read, rejected and wrote."""

    history_file: str | None = None
    updated: int = 0


class ImportRejected(RowsRejected):
    """The partner file had bad rows and ``skip_invalid`` was off: nothing was imported."""


def header_label(field: str) -> str:
    """A partner field as a CRM export heads its column: ``icp_overlap`` -> ``ICP Overlap``."""
    words = {"id": "ID", "icp": "ICP", "usd": "USD"}
    return " ".join(words.get(w, w.capitalize()) for w in field.split("_"))


def map_headers(headers: list[str], mapping: dict[str, str],
                fields: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Header -> field for each header that maps to one of ``fields``."""
    return match_headers(headers, mapping, fields, ALIASES)


def _coerce(field: str, value: Any) -> Any:
    """Turn a CRM cell into what the model expects (the model still validates it)."""
    if isinstance(value, str):
        value = value.strip()
        low = value.lower()
        if field in BOOL_FIELDS and low in TRUE | FALSE:
            return low in TRUE
        amount = parse_amount(value) if field in MONEY_FIELDS else None
        if amount is not None:
            return amount  # "1.2M", "$500K", "1.2 million": as the CLI reads them
        if field in MONEY_FIELDS | INT_FIELDS:
            cleaned = re.sub(r"[$,\s]|usd", "", low)
            try:
                number = float(cleaned)
            except ValueError:
                return value
            return int(number) if field in INT_FIELDS and number.is_integer() else number
        if field == "partner_type":
            low = re.sub(r"\s+", " ", low.replace("-", " ").replace("_", " "))
            return TYPE_ALIASES.get(low, low.replace(" ", "_"))
        if field == "tier":
            return re.sub(r"\s*(partner|tier)$", "", low)
    if isinstance(value, float) and field in INT_FIELDS and value.is_integer():
        return int(value)
    return value


def to_record(raw: dict[str, Any], columns: dict[str, str]) -> dict[str, Any]:
    """Mapped, coerced field values of one row; empty cells are left out (defaults apply)."""
    record: dict[str, Any] = {}
    for header, value in raw.items():
        field = columns.get(header)
        if field is None or value is None or (isinstance(value, str) and not value.strip()):
            continue
        record[field] = _coerce(field, value)
    return record


def read_history(path: Path, mapping: dict[str, str], max_bytes: int | None,
                 limits: Limits = LIMITS,
                 ) -> tuple[dict[str, list[tuple[int, tuple[Any, ...]]]], list[ImportIssue]]:
    """Quarter rows grouped by partner id, and the issues of rows that are not quarters."""
    table = read_table(path, max_bytes, what="history", limits=limits)
    columns = map_headers(table.headers, mapping, QUARTER_FIELDS)
    missing = [f for f in QUARTER_FIELDS[:4] if f not in columns.values()]
    if missing and table.headers:
        raise FrameworkError("history", f"missing required column(s): {', '.join(missing)}")
    grouped: dict[str, list[tuple[int, tuple[Any, ...]]]] = {}
    issues: list[ImportIssue] = []
    for row, raw in table.rows:
        record = to_record(raw, columns)
        pid = str(record.pop("partner_id", "")).strip()
        try:
            quarter = QuarterRecord.model_validate(record).model_dump()
        except ValidationError as exc:
            issues.extend(row_issues(exc, row, "history", pid))
            quarter = None
        if not pid:
            issues.append(ImportIssue(source="history", row=row, field="partner_id",
                                      reason="is empty"))
        elif quarter is not None:  # a tuple: 400k quarters as dicts would be ~250 MB
            grouped.setdefault(pid, []).append((row, tuple(quarter.values())))
    return grouped, issues


@dataclass
class Scan:
    """A validated file, ready to stream: its rows, the header map, quarters, the report."""

    rows: list[tuple[int, dict[str, Any]]]
    columns: dict[str, str]
    quarters: dict[str, list[tuple[int, tuple[Any, ...]]]]
    report: ImportReport
    bad_ids: set[str] = dataclass_field(default_factory=set)

    def batches(self, size: int) -> Iterator[list[Partner]]:
        """The valid partners, validated again batch by batch (so none is held for long)."""
        batch: list[Partner] = []
        for partner in _valid_rows(self.rows, self.columns, self.quarters, [], {}):
            if partner.partner_id in self.bad_ids:
                continue
            batch.append(partner)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def scan_partners(
    path: Path, history: Path | None = None, mapping: Path | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES, limits: Limits = LIMITS,
) -> Scan:
    """Read and validate every row, keeping no partner; nothing is written.

    Raises:
        FrameworkError: For problems with the file as a whole (missing, too large, binary,
            unsupported, empty, missing required columns, bad mapping).
    """
    columns_map = load_header_mapping(mapping, {*Partner.model_fields, *QUARTER_FIELDS},
                                      "partner")
    table = read_table(path, max_bytes, what="file", limits=limits)
    columns = map_headers(table.headers, columns_map, list(Partner.model_fields))
    require_columns(table, columns, REQUIRED, {f: header_label(f) for f in REQUIRED})
    report = start_report(ImportReport, path, table, columns,
                          history_file=str(history) if history else None)
    quarters, issues = (read_history(history, columns_map, max_bytes, limits) if history
                        else ({}, []))
    seen: dict[str, int] = {}
    valid_ids = [p.partner_id for p in _valid_rows(table.rows, columns, quarters, issues, seen)]
    for pid, rows in quarters.items():
        if pid not in seen:
            issues.extend(ImportIssue(source="history", row=row, partner_id=pid,
                                      field="partner_id", reason="no partner with this id "
                                      "in the partners file") for row, _ in rows)
    bad_ids = {i.partner_id for i in issues if i.partner_id}
    report.issues = sorted(issues, key=lambda i: (i.source != "partners", i.row))
    report.valid = sum(1 for pid in valid_ids if pid not in bad_ids)
    return Scan(table.rows, columns, quarters, report, bad_ids)


def parse_partners(
    path: Path, history: Path | None = None, mapping: Path | None = None,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> tuple[list[Partner], ImportReport]:
    """Read and validate every row; nothing is written (see :func:`scan_partners`).

    Returns:
        The valid partners and a report whose ``issues`` list every bad row.
    """
    scan = scan_partners(path, history, mapping, max_bytes)
    return [p for batch in scan.batches(1000) for p in batch], scan.report


def _valid_rows(
    rows: list[tuple[int, dict[str, Any]]], columns: dict[str, str],
    quarters: dict[str, list[tuple[int, tuple[Any, ...]]]], issues: list[ImportIssue],
    seen: dict[str, int],
) -> Iterator[Partner]:
    """Each row that validates, as a partner; the others' problems go to ``issues``."""
    for row, raw in rows:
        if NOT_OBJECT in raw:
            issues.append(ImportIssue(row=row, field="row", reason="is not a JSON object "
                                      f"(got {raw[NOT_OBJECT]})"))
            continue
        record = to_record(raw, columns)
        pid = str(record.get("partner_id", "")).strip()
        if pid in seen:
            issues.append(ImportIssue(row=row, partner_id="", field="partner_id",
                                      reason=f"duplicate id {shown(pid)}, first seen in row "
                                             f"{seen[pid]}"))
            continue
        if pid:
            seen[pid] = row
        if pid in quarters and "history" not in record:
            record["history"] = [dict(zip(QUARTER_KEYS, q, strict=True))
                                 for _, q in quarters[pid]]
        try:
            yield Partner.model_validate(record)
        except ValidationError as exc:
            issues.extend(row_issues(exc, row, "partners", pid))


def import_file(
    store: Any, path: Path, history: Path | None = None, mapping: Path | None = None,
    skip_invalid: bool = False, max_bytes: int | None = DEFAULT_MAX_BYTES,
    report_path: Path | None = None, progress_factory: ProgressFactory | None = None,
    actor: audit.Actor | None = None,
    limits: Limits = LIMITS,
) -> ImportReport:
    """Validate a partner file and upsert it into ``store`` (see the module docstring).

    Args:
        store: A :class:`knowledge.store.Store`.
        path: The CSV, XLSX or JSON file.
        history: Optional companion quarters file.
        mapping: Optional YAML header mapping.
        skip_invalid: Import the good rows instead of rejecting the file.
        max_bytes: Refuse larger files (None: no limit).
        report_path: Where to write the JSON report (default with ``skip_invalid`` and
            issues: ``<data_dir>/reports/import-<name>-<time>.json``).
        progress_factory: ``(label, total) -> context manager yielding advance(n)``.
        actor: Who imports, for the audit trail (default: the local operator).
        limits: Rows, columns and cell bounds of each file (:class:`knowledge.tables.Limits`).

    Raises:
        ImportRejected: When there are bad rows and ``skip_invalid`` is off.
        FrameworkError: For file-level problems, when no row is valid, or when the audit
            database cannot be used (checked before the store changes).
    """
    scan = scan_partners(Path(path), history, mapping, max_bytes, limits)
    report = scan.report
    report_path = gate(report, skip_invalid, report_path, Path(store.data_dir) / "reports",
                       "import", ImportRejected)
    audit.prepare(store.settings)  # an unusable audit database stops the import here
    progress = progress_factory or _no_progress
    with progress("embedding partners", report.valid) as embedded, \
            progress("writing partners", report.valid) as written:
        result = store.upsert_stream(scan.batches(store.batch_size), progress=written,
                                     embed_progress=embedded)
    audit.record(store.settings, actor or audit.LOCAL,
                 audit.events_for(result.added_ids, result.updated_ids), Path(path).name)
    report.imported = result.added + result.updated + result.unchanged
    report.added, report.updated, report.unchanged = result.added, result.updated, \
        result.unchanged
    report.skipped = report.rows - report.imported
    if report_path is not None:
        write_report(report, report_path)
    return report


class _Null(AbstractContextManager[Callable[[int], None]]):
    def __enter__(self) -> Callable[[int], None]:
        return lambda n: None

    def __exit__(self, *exc: object) -> None:
        return None


def _no_progress(label: str, total: int) -> _Null:
    return _Null()
