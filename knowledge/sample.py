"""The fictional sample partner set shipped with the package (``knowledge/data/*.csv``).

``partners.csv`` holds one row per partner (the ``Partner`` fields except ``history``);
``partner_quarters.csv`` holds the quarterly history. :func:`load_sample_partners` joins
them into validated :class:`tools.partners.Partner` records.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any

from tools.errors import FrameworkError, validate
from tools.partners import Partner

PARTNERS_CSV = "partners.csv"
QUARTERS_CSV = "partner_quarters.csv"
_CSV_FIRST_ROW = 2  # line number of the first data row, after the header


def sample_csv_paths() -> tuple[Path, Path]:
    """Paths of the two sample CSV files: ``(partners.csv, partner_quarters.csv)``."""
    folder = resources.files("knowledge.data")
    return Path(str(folder.joinpath(PARTNERS_CSV))), Path(str(folder.joinpath(QUARTERS_CSV)))


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """Read a CSV file with a header row; empty cells are dropped so model defaults apply."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            {key: value for key, value in row.items() if key and value not in (None, "")}
            for row in csv.DictReader(handle)
        ]


def join_partners(
    partner_rows: Iterable[dict[str, Any]],
    quarter_rows: Iterable[dict[str, Any]],
    *,
    source: str = "partners",
    quarters_source: str = "quarters",
    first_row: int = 0,
) -> list[Partner]:
    """Join flat partner rows with quarter rows (keyed by ``partner_id``) into Partners.

    Args:
        partner_rows: One mapping per partner, Partner fields except ``history``.
        quarter_rows: One mapping per quarter, ``partner_id`` plus QuarterRecord fields.
        source: Name of the partner rows, used in error messages.
        quarters_source: Name of the quarter rows, used in error messages.
        first_row: Number given to the first row in error messages (2 for a CSV line).

    Returns:
        Validated partners, in the order of ``partner_rows``, each with its history.

    Raises:
        FrameworkError: When a row is invalid, a partner id repeats, or a quarter row names
            an unknown partner; the field names the source and row.
    """
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for number, row in enumerate(quarter_rows, start=first_row):
        record = dict(row)
        pid = str(record.pop("partner_id", "")).strip()
        if not pid:
            raise FrameworkError(f"{quarters_source} row {number}: partner_id", "is required")
        history[pid].append(record)
    partners: list[Partner] = []
    seen: set[str] = set()
    for number, row in enumerate(partner_rows, start=first_row):
        pid = str(row.get("partner_id", "")).strip()
        try:
            partner = validate(Partner, {**row, "history": history.get(pid, [])})
        except FrameworkError as exc:
            where = f"{source} row {number}: {exc.field}"
            raise FrameworkError(where, exc.problem, exc.given) from None
        if partner.partner_id in seen:
            raise FrameworkError(f"{source} row {number}: partner_id", "appears twice", pid)
        seen.add(partner.partner_id)
        partners.append(partner)
    unknown = sorted(set(history) - seen)
    if unknown:
        raise FrameworkError(
            f"{quarters_source}: partner_id", f"names no partner in {source}", unknown[0]
        )
    return partners


def load_partners_csv(partners_csv: Path, quarters_csv: Path | None = None) -> list[Partner]:
    """Load partners from a flat partners CSV and an optional quarterly-history CSV.

    Args:
        partners_csv: CSV whose header holds Partner field names (no ``history``).
        quarters_csv: CSV whose header holds ``partner_id`` and QuarterRecord field names.

    Returns:
        Validated partners with their histories, in file order.

    Raises:
        FrameworkError: When a row is invalid; the message names the file, line and field.
    """
    quarter_rows = read_csv_rows(quarters_csv) if quarters_csv is not None else []
    return join_partners(
        read_csv_rows(partners_csv),
        quarter_rows,
        source=partners_csv.name,
        quarters_source=quarters_csv.name if quarters_csv is not None else "quarters",
        first_row=_CSV_FIRST_ROW,
    )


def load_sample_partners() -> list[Partner]:
    """The fictional sample partners (72 records with quarterly history up to 2026-Q3).

    Returns:
        Validated partners, ordered by partner id, each with its history oldest first.
    """
    with ExitStack() as stack:
        folder = resources.files("knowledge.data")
        partners = stack.enter_context(resources.as_file(folder.joinpath(PARTNERS_CSV)))
        quarters = stack.enter_context(resources.as_file(folder.joinpath(QUARTERS_CSV)))
        return load_partners_csv(Path(partners), Path(quarters))
