"""Shared CLI plumbing: one clear line on stderr and exit status 2 for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from tools.errors import FrameworkError, from_validation_error

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
out_console = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit (2 = bad input)."""
    err_console.print(f"error: {message}", markup=False)
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
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        fail(f"{getattr(exc, 'filename', '') or 'file'}: {exc.strerror or exc}")


def emit(result: BaseModel | dict[str, Any] | list[Any], as_json: bool,
         human: Callable[[], None]) -> None:
    """Print ``result`` as JSON when ``--json`` was given, else call ``human`` to render it."""
    if as_json:
        data = result.model_dump(mode="json", by_alias=True) if isinstance(
            result, BaseModel) else result
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        human()
