"""Competitor partner ecosystems: imported like partners, kept in a SQLite table beside the store.

A CSV, XLSX or JSON file of competitor partnerships (one row: competitor, partner, model,
perceived strength, exclusive, why it works, partner type) is read with the same table
reader as partner files, its headers matched case- and punctuation-insensitively (with the
usual CRM spellings built in and a YAML ``--mapping`` for the rest). Every row is validated
by :class:`tools.documents.competitors.CompetitorPartnership`; a file with any bad row is
rejected whole and the table is untouched, unless ``skip_invalid`` imports the good rows.
Rows are written in one transaction to ``<data_dir>/competitors.sqlite3``, keyed by
competitor and partner (names compared without case, punctuation or legal suffix); the
import date is kept as the map's refresh date.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from knowledge.importer import DEFAULT_MAX_BYTES, TYPE_ALIASES, ImportReport
from knowledge.row_import import (
    FALSE,
    TRUE,
    ImportIssue,
    RowsRejected,
    gate,
    load_header_mapping,
    match_headers,
    require_columns,
    row_issues,
    start_report,
)
from knowledge.tables import NOT_OBJECT, read_table
from tools.documents.competitors import CompetitorPartnership, name_key

DB_NAME = "competitors.sqlite3"
SAMPLE_CSV = "competitor_partners.csv"
FIELDS = tuple(CompetitorPartnership.model_fields)
REQUIRED = [n for n, info in CompetitorPartnership.model_fields.items() if info.is_required()]
ALIASES: dict[str, tuple[str, ...]] = {
    "competitor": ("competitor name", "competitor", "rival", "vendor", "competing vendor"),
    "partner": ("partner", "partner name", "account name", "partner company", "company"),
    "model": ("model", "partnership model", "partner model", "relationship type",
              "type of partnership"),
    "strength": ("strength", "perceived strength", "relationship strength", "strength rating"),
    "exclusive": ("exclusive", "exclusivity", "is exclusive", "locked"),
    "why": ("why", "why it works", "why effective", "rationale", "notes"),
    "partner_type": ("partner type", "type", "partner category", "category"),
}
SCHEMA = """
CREATE TABLE IF NOT EXISTS competitor_partnerships (
    competitor_key TEXT NOT NULL,
    partner_key TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (competitor_key, partner_key)
);
CREATE TABLE IF NOT EXISTS competitor_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class CompetitorImport(BaseModel):
    """What a competitor import read and wrote (the partner import's report, plus the date)."""

    report: ImportReport
    refreshed: str


def sample_path() -> Path:
    """The bundled sample competitor partnerships (``knowledge/data``)."""
    return Path(str(resources.files("knowledge.data").joinpath(SAMPLE_CSV)))


def db_path(data_dir: Path | str) -> Path:
    """Where the competitor table lives for a data folder."""
    return Path(data_dir) / DB_NAME


@contextmanager
def _connect(data_dir: Path | str) -> Iterator[sqlite3.Connection]:
    folder = Path(data_dir)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    connection = sqlite3.connect(db_path(folder), timeout=10)
    try:
        connection.executescript(SCHEMA)
        yield connection
    finally:
        connection.close()


def _coerce(field: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    low = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    if field == "exclusive" and low in TRUE | FALSE:
        return low in TRUE
    if field == "partner_type":
        return TYPE_ALIASES.get(low, low.replace(" ", "_"))
    if field == "strength":
        return low
    return value.strip()


def parse_competitors(path: Path, mapping: Path | None = None,
                      max_bytes: int | None = DEFAULT_MAX_BYTES
                      ) -> tuple[list[CompetitorPartnership], ImportReport]:
    """Read and validate every row; nothing is written.

    Raises:
        FrameworkError: For problems with the file as a whole (missing, too large,
            unsupported, empty, missing required columns, bad mapping).
    """
    columns_map = load_header_mapping(mapping, FIELDS, "competitor")
    table = read_table(Path(path), max_bytes, what="file")
    columns = match_headers(table.headers, columns_map, FIELDS, ALIASES)
    require_columns(table, columns, REQUIRED)
    report = start_report(ImportReport, Path(path), table, columns)
    good: list[CompetitorPartnership] = []
    seen: dict[tuple[str, str], int] = {}
    for row, raw in table.rows:
        if NOT_OBJECT in raw:
            report.issues.append(ImportIssue(source="competitors", row=row, field="row",
                                             reason="is not a JSON object"))
            continue
        record = {columns[h]: _coerce(columns[h], v) for h, v in raw.items()
                  if h in columns and v is not None and not (isinstance(v, str)
                                                             and not v.strip())}
        try:
            item = CompetitorPartnership.model_validate(record)
        except ValidationError as exc:
            report.issues.extend(row_issues(exc, row, "competitors"))
            continue
        key = (name_key(item.competitor), name_key(item.partner))
        if key in seen:
            report.issues.append(ImportIssue(
                source="competitors", row=row, field="partner",
                reason=f"{item.competitor} and {item.partner} again, first in row {seen[key]}"))
            continue
        seen[key] = row
        good.append(item)
    report.valid = len(good)
    return good, report


def import_competitors(data_dir: Path | str, path: Path, mapping: Path | None = None,
                       skip_invalid: bool = False, refreshed: date | None = None,
                       max_bytes: int | None = DEFAULT_MAX_BYTES) -> CompetitorImport:
    """Validate a competitor file and write it to the table in one transaction.

    Args:
        data_dir: The data folder (the table is ``competitors.sqlite3`` in it).
        path: The CSV, XLSX or JSON file.
        mapping: Optional YAML header mapping.
        skip_invalid: Import the good rows instead of rejecting the file.
        refreshed: When the partnerships were researched (default: today).
        max_bytes: Refuse larger files (None: no limit).

    Raises:
        RowsRejected: When there are bad rows and ``skip_invalid`` is off.
        FrameworkError: For file-level problems, or when no row is valid.
    """
    rows, report = parse_competitors(path, mapping, max_bytes)
    gate(report, skip_invalid, None, Path(data_dir) / "reports", "competitors", RowsRejected)
    day = str(refreshed or date.today())
    with _connect(data_dir) as db, db:
        for item in rows:
            key = (name_key(item.competitor), name_key(item.partner))
            text = item.model_dump_json(exclude_none=True)
            old = db.execute("SELECT record FROM competitor_partnerships WHERE "
                             "competitor_key = ? AND partner_key = ?", key).fetchone()
            if old is None:
                report.added += 1
            elif old[0] == text:
                report.unchanged += 1
                continue
            else:
                report.updated += 1
            db.execute("INSERT OR REPLACE INTO competitor_partnerships VALUES (?, ?, ?)",
                       (*key, text))
        db.execute("INSERT OR REPLACE INTO competitor_meta VALUES ('refreshed', ?)", (day,))
    report.imported = report.added + report.updated + report.unchanged
    report.skipped = report.rows - report.imported
    return CompetitorImport(report=report, refreshed=day)


def load_competitors(data_dir: Path | str) -> tuple[list[CompetitorPartnership], date | None]:
    """Every stored competitor partnership (by competitor, then partner) and the refresh date."""
    if not db_path(data_dir).exists():
        return [], None
    with _connect(data_dir) as db:
        records = db.execute("SELECT record FROM competitor_partnerships "
                             "ORDER BY competitor_key, partner_key").fetchall()
        meta = db.execute("SELECT value FROM competitor_meta WHERE key = 'refreshed'"
                          ).fetchone()
    items = [CompetitorPartnership.model_validate(json.loads(r[0])) for r in records]
    return items, date.fromisoformat(meta[0]) if meta else None


def ensure_sample_competitors(data_dir: Path | str) -> int:
    """Load the sample competitor partnerships when the table is empty; the rows now held."""
    items, _ = load_competitors(data_dir)
    if items:
        return len(items)
    return import_competitors(data_dir, sample_path()).report.imported
