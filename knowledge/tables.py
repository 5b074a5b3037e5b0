"""Read a CSV, XLSX or JSON file into header + numbered rows, refusing what is not a table.

File-level problems (missing, too large, binary, not UTF-8, unsupported, empty) raise
:class:`tools.errors.FrameworkError` before anything else happens.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.errors import FrameworkError

MB = 1024 * 1024
NOT_OBJECT = "__not_an_object__"
SNIFF_BYTES = 8192


@dataclass
class Table:
    """Headers and ``(row number, {header: value})`` rows of one file."""

    headers: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    is_json: bool = False


def _size(n: int, fmt: str) -> str:
    return f"{n / MB:{fmt}} MB" if n >= MB // 10 else f"{n:,} bytes"


def _check_file(path: Path, max_bytes: int | None, what: str) -> int:
    if not path.exists():
        raise FrameworkError(what, "file not found", str(path))
    if path.is_dir():
        raise FrameworkError(what, "is a folder, not a file", str(path))
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise FrameworkError(
            what, f"{path.name} is {_size(size, '.1f')}, over the {_size(max_bytes, 'g')} limit "
            "(split it, or raise the limit with --max-size-mb)")
    if size == 0:
        raise FrameworkError(what, f"{path.name} is empty")
    return size


def _text(path: Path, what: str) -> str:
    raw = path.read_bytes()
    if b"\0" in raw[:SNIFF_BYTES]:
        raise FrameworkError(what, f"{path.name} looks like a binary file, not "
                             f"{path.suffix.lstrip('.').upper() or 'text'}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FrameworkError(what, f"{path.name} is not UTF-8 text (byte {exc.start})") from None


def _read_csv(path: Path, what: str) -> Table:
    text = _text(path, what)
    sample = text[:SNIFF_BYTES]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise FrameworkError(what, f"{path.name} is not valid CSV: {exc}") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise FrameworkError(what, f"{path.name} has no header row")
    headers = [h.strip() for h in rows[0]]
    table = Table(headers)
    for n, cells in enumerate(rows[1:], start=2):
        table.rows.append((n, dict(zip(headers, cells, strict=False))))
    return table


def _read_xlsx(path: Path, what: str) -> Table:
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        raise FrameworkError(what, f"{path.name} is not an XLSX workbook")
    from openpyxl import load_workbook  # lazy: ~0.3-1.5 s, only XLSX files need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise FrameworkError(what, f"{path.name} cannot be read as XLSX: {exc}") from None
    try:
        sheet = book.worksheets[0]
        table: Table | None = None
        for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if table is None:
                table = Table([str(c).strip() if c is not None else "" for c in cells])
                continue
            table.rows.append((n, dict(zip(table.headers, cells, strict=False))))
    finally:
        book.close()
    if table is None:
        raise FrameworkError(what, f"{path.name} has no header row")
    return table


def _read_json(path: Path, what: str) -> Table:
    try:
        data = json.loads(_text(path, what))
    except json.JSONDecodeError as exc:
        raise FrameworkError(what, f"{path.name} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("partners"), list):
        data = data["partners"]
    if not isinstance(data, list):
        raise FrameworkError(what, "JSON must be a list of partner objects "
                             "(or an object with a \"partners\" list)")
    headers: dict[str, None] = {}
    table = Table([], is_json=True)
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            table.rows.append((n, {NOT_OBJECT: json.dumps(item)[:60]}))
            continue
        headers.update(dict.fromkeys(str(k) for k in item))
        table.rows.append((n, {str(k): v for k, v in item.items()}))
    table.headers = list(headers)
    return table


def read_table(path: Path, max_bytes: int | None, what: str = "file") -> Table:
    """Read ``path`` (``.csv``/``.tsv``/``.txt``, ``.xlsx``, ``.json``) into a :class:`Table`.

    Args:
        path: The file.
        max_bytes: Refuse files larger than this (None: no limit).
        what: The name errors use for this input (``file``, ``history``).

    Raises:
        FrameworkError: Missing, too large, empty, binary, undecodable, unsupported or
            without data rows.
    """
    path = Path(path)
    _check_file(path, max_bytes, what)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        table = _read_csv(path, what)
    elif suffix in {".xlsx", ".xlsm"}:
        table = _read_xlsx(path, what)
    elif suffix == ".json":
        table = _read_json(path, what)
    else:
        raise FrameworkError(what, f"{path.name}: unsupported format {suffix or '(none)'}; "
                             "use .csv, .xlsx or .json")
    if not table.rows:
        raise FrameworkError(what, f"{path.name} has no data rows")
    return table
