"""Read a CSV, XLSX or JSON file into header + numbered rows, refusing what is not a table.

File-level problems (missing, too large, binary, not UTF-8, unsupported, empty, over a
limit) raise :class:`tools.errors.FrameworkError` before anything else happens.

A file is bounded by more than its size on disk: a 1 MB XLSX can unpack to gigabytes of
XML, and one cell can hold 15 MB. :class:`Limits` names every bound in one place
(:data:`LIMITS` holds the defaults); XLSX is checked before openpyxl opens it (unpacked
size) and while it streams (rows, columns, cell length), CSV and JSON after parsing (the
file size already bounds the parse). Text is UTF-8 (with or without BOM) or, with its byte
order mark, UTF-16/UTF-32 (Excel's "Unicode text" export).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.files import parse_text
from tools.errors import FrameworkError

MB = 1024 * 1024
NOT_OBJECT = "__not_an_object__"
SNIFF_BYTES = 8192
#: Byte order marks and their codecs (UTF-32 first: its LE mark starts like UTF-16's).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"))


@dataclass(frozen=True)
class Limits:
    """The bounds of one partner or history file, past its size on disk.

    Args:
        max_rows: Data rows (a partner program has hundreds to a few thousand partners).
        max_columns: Columns (CRM exports carry many; a partner has 17 fields).
        max_cell_chars: Characters in one cell: Excel's own cell limit, 32,767.
        max_unpacked_bytes: Bytes an XLSX may unpack to: its XML, about 1 KB per partner
            row, so 50,000 rows fit; openpyxl reads about 2,000 rows a second, and a 1 MB
            workbook of empty styled cells can unpack to gigabytes.
    """

    max_rows: int = 50_000
    max_columns: int = 500
    max_cell_chars: int = 32_767
    max_unpacked_bytes: int = 64 * MB


LIMITS = Limits()


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


def _utf16_without_bom(sample: bytes) -> str | None:
    """``utf-16-le``/``-be`` when every other byte of ``sample`` is zero (ASCII in UTF-16)."""
    even, odd = sample[0::2], sample[1::2]
    if len(sample) < 4 or len(sample) % 2:
        return None
    if odd.count(0) == len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) == len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _text(path: Path, what: str) -> str:
    raw = path.read_bytes()
    encoding = next((codec for bom, codec in BOMS if raw.startswith(bom)), None)
    sample = raw[:SNIFF_BYTES]
    encoding = encoding or _utf16_without_bom(sample[: len(sample) // 2 * 2])
    if encoding is None and b"\0" in sample:
        raise FrameworkError(what, f"{path.name} looks like a binary file, not "
                             f"{path.suffix.lstrip('.').upper() or 'text'}")
    encoding = encoding or "utf-8-sig"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = "UTF-8" if encoding == "utf-8-sig" else encoding.upper()
        advice = "" if name == "UTF-8" else "; save it as UTF-8"
        raise FrameworkError(what, f"{path.name} is not {name} text (byte {exc.start})"
                             f"{advice}") from None


def _too_many(what: str, path: Path, limit: int, noun: str, count: int | None = None
              ) -> FrameworkError:
    has = f"{count:,} {noun}, over the limit of {limit:,}" if count is not None else \
        f"more than {limit:,} {noun} (the limit)"
    return FrameworkError(what, f"{path.name} has {has}; split it into smaller files")


def _check_cells(cells: Any, row: int, headers: list[str], path: Path, what: str,
                 limits: Limits) -> None:
    """Refuse a row that is wider than the column limit or has an over-long cell."""
    if len(cells) > limits.max_columns and any(
            c is not None and str(c).strip() for c in list(cells)[limits.max_columns:]):
        raise _too_many(what, path, limits.max_columns, "columns")
    for n, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
            column = headers[n] if n < len(headers) and headers[n] else f"column {n + 1}"
            raise FrameworkError(
                what, f"{path.name} row {row}, {column[:60]}: the cell holds {len(cell):,} "
                f"characters, over the limit of {limits.max_cell_chars:,}")


class CsvRows:
    """The data rows of a CSV text, parsed again on each pass instead of held as dicts.

    A 100k-row import holds the file's text (tens of MB) rather than 100k row dicts (about
    ten times that); :func:`_read_csv` makes one checking pass first, so every error a
    read can raise is raised at read time, as before.
    """

    def __init__(self, text: str, dialect: Any, headers: list[str], count: int) -> None:
        self.text = text
        self.dialect = dialect
        self.headers = headers
        self.count = count

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for n, cells in enumerate(_nonblank(csv.reader(io.StringIO(self.text), self.dialect)),
                                  start=1):
            if n > 1:
                yield n, dict(zip(self.headers, cells, strict=False))


def _nonblank(reader: Any) -> Iterator[list[str]]:
    return (r for r in reader if any(cell.strip() for cell in r))


def _read_csv(path: Path, what: str, limits: Limits) -> Table:
    text = _text(path, what)
    sample = text[:SNIFF_BYTES]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    headers: list[str] | None = None
    count = 0
    try:
        for cells in _nonblank(reader):
            if headers is None:
                headers = [h.strip() for h in cells]
                _check_cells(cells, 1, headers, path, what, limits)
                continue
            count += 1
            if count > limits.max_rows:
                raise _too_many(what, path, limits.max_rows, "data rows",
                                count + sum(1 for _ in _nonblank(reader)))
            _check_cells(cells, count + 1, headers, path, what, limits)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own cap, 131,072
            raise FrameworkError(what, f"{path.name} row {reader.line_num}: a cell holds more "
                                 f"than {limits.max_cell_chars:,} characters, over the "
                                 "limit") from None
        raise FrameworkError(what, f"{path.name} is not valid CSV: {exc}") from None
    if headers is None:
        raise FrameworkError(what, f"{path.name} has no header row")
    table = Table(headers)
    # iterated like the list the other readers fill (len and iteration are all it offers)
    table.rows = CsvRows(text, dialect, headers, count)  # type: ignore[assignment]
    return table


def _check_unpacked(path: Path, what: str, limits: Limits) -> None:
    """Refuse a workbook whose parts unpack past the limit, before any XML is parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise FrameworkError(what, f"{path.name} cannot be read as XLSX: {exc}") from None
    if unpacked > limits.max_unpacked_bytes:
        raise FrameworkError(
            what, f"{path.name} unpacks to {_size(unpacked, '.1f')}, over the "
            f"{_size(limits.max_unpacked_bytes, 'g')} limit for a workbook; split it, or "
            "save it as CSV")


def _read_xlsx(path: Path, what: str, limits: Limits) -> Table:
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic != b"PK\x03\x04":
        raise FrameworkError(what, f"{path.name} is not an XLSX workbook")
    _check_unpacked(path, what, limits)
    from openpyxl import load_workbook  # lazy: ~0.3-1.5 s, only XLSX files need it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise FrameworkError(what, f"{path.name} cannot be read as XLSX: {exc}") from None
    try:
        sheet = book.worksheets[0]
        table: Table | None = None
        # a sheet whose dimension claims 16,384 columns pads every row to that width
        wide = (sheet.max_column or 0) > limits.max_columns + 1
        width = limits.max_columns + 1 if wide else None
        rows = sheet.iter_rows(values_only=True, max_col=width)
        for n, cells in enumerate(rows, start=1):
            if n > limits.max_rows + 1:  # + the header row; counts blank rows too (openpyxl
                # yields every row up to the last one with a cell, so this bounds the work)
                raise _too_many(what, path, limits.max_rows, "data rows")
            if cells.count(None) == len(cells):  # fast path: openpyxl fills gaps with these
                continue
            _check_cells(cells, n, table.headers if table else [], path, what, limits)
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            if table is None:
                headers = [str(c).strip() if c is not None else "" for c in cells]
                while headers and not headers[-1]:  # the padding of a too-wide dimension
                    headers.pop()
                table = Table(headers)
                continue
            table.rows.append((n, dict(zip(table.headers, cells, strict=False))))
    finally:
        book.close()
    if table is None:
        raise FrameworkError(what, f"{path.name} has no header row")
    return table


def _read_json(path: Path, what: str, limits: Limits) -> Table:
    data = parse_text(_text(path, what), what, as_json=True, subject=path.name, kind="JSON")
    if isinstance(data, dict) and isinstance(data.get("partners"), list):
        data = data["partners"]
    if not isinstance(data, list):
        raise FrameworkError(what, "JSON must be a list of partner objects "
                             "(or an object with a \"partners\" list)")
    if len(data) > limits.max_rows:
        raise _too_many(what, path, limits.max_rows, "records", len(data))
    headers: dict[str, None] = {}
    table = Table([], is_json=True)
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            table.rows.append((n, {NOT_OBJECT: json.dumps(item)[:60]}))
            continue
        keys = [str(k) for k in item]
        _check_cells(keys, n, [], path, what, limits)
        _check_cells(list(item.values()), n, keys, path, what, limits)
        headers.update(dict.fromkeys(keys))
        table.rows.append((n, {str(k): v for k, v in item.items()}))
    table.headers = list(headers)
    return table


def read_table(path: Path, max_bytes: int | None, what: str = "file",
               limits: Limits = LIMITS) -> Table:
    """Read ``path`` (``.csv``/``.tsv``/``.txt``, ``.xlsx``, ``.json``) into a :class:`Table`.

    Args:
        path: The file.
        max_bytes: Refuse files larger than this (None: no limit).
        what: The name errors use for this input (``file``, ``history``).
        limits: Rows, columns, cell length and unpacked size (see :class:`Limits`).

    Raises:
        FrameworkError: Missing, too large, empty, binary, undecodable, unsupported, over
            a limit or without data rows.
    """
    path = Path(path)
    _check_file(path, max_bytes, what)
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        table = _read_csv(path, what, limits)
    elif suffix in {".xlsx", ".xlsm"}:
        table = _read_xlsx(path, what, limits)
    elif suffix == ".json":
        table = _read_json(path, what, limits)
    else:
        raise FrameworkError(what, f"{path.name}: unsupported format {suffix or '(none)'}; "
                             "use .csv, .xlsx or .json")
    if not table.rows:
        raise FrameworkError(what, f"{path.name} has no data rows")
    return table
