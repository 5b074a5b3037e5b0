"""Shared CLI plumbing: one clear line on stderr and exit status 2 for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from knowledge.files import load_fields
from tools.errors import FrameworkError, clip, from_validation_error

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]

#: Longest error line the CLI prints (messages echo values cut short already; this is the net).
MAX_MESSAGE_CHARS = 2000
#: Longest file name echoed in an error (a name over the file-system limit is the error).
MAX_PATH_CHARS = 200

# emoji=False: a ":fire:" in a partner's name prints as typed, and rich's 4,000-entry
# emoji table is not loaded on every command (about 70 ms of start-up).
err_console = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out_console = Console(highlight=False, soft_wrap=True, emoji=False)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit (2 = bad input); a runaway message is cut short."""
    err_console.print(f"error: {clip(message, MAX_MESSAGE_CHARS)}", markup=False)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the project's input errors into one line on stderr and exit status 2."""
    try:
        yield
    except FrameworkError as exc:
        fail(str(exc))
    except ValidationError as exc:
        fail(str(from_validation_error(exc)))
    except OSError as exc:  # not found, a folder, no permission, name too long, disk full
        name = getattr(exc, "filename", None)
        fail(f"{clip(str(name), MAX_PATH_CHARS) if name else 'file'}: {exc.strerror or exc}")


def emit(result: BaseModel | dict[str, Any] | list[Any], as_json: bool,
         human: Callable[[], None]) -> None:
    """Print ``result`` as JSON when ``--json`` was given, else call ``human`` to render it."""
    if as_json:
        data = result.model_dump(mode="json", by_alias=True) if isinstance(
            result, BaseModel) else result
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        human()


def make_table(title: str, *columns: str) -> Table:
    """A rich table with a left-aligned title and these columns."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    return table


def load_mapping(path: Path) -> dict[str, Any]:
    """A YAML or JSON file of fields named on the command line (errors name the path)."""
    return load_fields(path, str(path))


def parse_number_flag(text: str, field: str) -> float:
    """A plain number given on the command line, naming ``field`` on error."""
    try:
        return float(text)
    except ValueError:
        raise FrameworkError(field, "must be a number", text) from None


def parse_int_flag(text: str, field: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` given on the command line, naming ``field``.

    Parsed here rather than by typer's ``int`` type, whose error echoes the whole value back
    (a 5,000-digit argument gave a 5 KB error panel).
    """
    value = _whole(text, low, high)
    if value is None:
        raise FrameworkError(field, f"must be a whole number from {low} to {high}", text)
    return value


def _whole(text: str, low: int, high: int) -> int | None:
    """``text`` as a whole number from ``low`` to ``high``; None for anything else."""
    try:
        value = int(text.strip()) if len(text) <= 20 else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


def whole_number(low: int, high: int) -> Callable[[str | int], int]:
    """A typer ``parser`` for an int option from ``low`` to ``high``.

    typer's own ``int`` type echoes a runaway value back in its usage panel (a 5,000-digit
    ``--port`` gave a 5 KB error); this one says only the range, as ``--k`` does.
    """
    def integer(text: str | int) -> int:  # the name is the metavar typer shows: INTEGER
        value = text if isinstance(text, int) else _whole(text, low, high)  # int: the default
        if value is None:
            raise typer.BadParameter(f"must be a whole number from {low} to {high}")
        return value
    return integer


def parse_date_flag(text: str, field: str) -> date:
    """A ``YYYY-MM-DD`` date given on the command line, naming ``field`` on error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FrameworkError(field, "must be a date like 2026-09-30", text) from None
