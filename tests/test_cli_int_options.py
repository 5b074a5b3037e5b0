"""Every whole-number option of the CLI refuses a bad value in one short line, naming the
option and its range and never echoing the value (typer's ``int`` echoed a 5,000-digit value
back in a 5 KB usage panel)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import full_app

RUNAWAY = "9" * 5000


def int_options() -> Iterator[tuple[list[str], Any]]:
    """(command path, option) for each option whose values are whole numbers (typer's own
    ``int`` type and :func:`cli.common.whole_number` are both named "integer")."""
    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        for name, sub in getattr(command, "commands", {}).items():  # a group (typer's click)
            yield from walk(sub, [*path, name])
        for param in command.params:
            if param.param_type_name == "option" and param.type.name == "integer":
                yield path, param
    yield from walk(typer.main.get_command(full_app()), [])


def typers_int(option: Any) -> bool:
    """Whether ``option`` parses with typer's ``int`` (the echoing one), not a parser."""
    return not hasattr(option.type, "func")


OPTIONS = list(int_options())


def test_the_cli_has_whole_number_options_and_none_uses_typers_int() -> None:
    names = {f"{' '.join(path)} {option.opts[0]}" for path, option in OPTIONS}
    assert {"serve --port", "serve --max-body", "eval --jobs"} <= names, names
    plain = [f"{' '.join(path)} {option.opts[0]}" for path, option in OPTIONS
             if typers_int(option)]
    assert plain == [], plain


@pytest.mark.parametrize(("path", "option"), OPTIONS,
                         ids=[f"{' '.join(p)} {o.opts[0]}" for p, o in OPTIONS])
@pytest.mark.parametrize("value", [RUNAWAY, "x", "-1", "0"])
def test_a_bad_whole_number_is_one_short_error_naming_the_option(
        path: list[str], option: Any, value: str) -> None:
    result = CliRunner().invoke(full_app(), [*path, option.opts[0], value])
    if result.exit_code == 0 or "must be a whole number" not in result.output:
        # "0" or "-1" may be in range for some option; then the command ran or stopped on
        # something else (a missing argument): never on this value, never echoing it
        assert value in ("0", "-1"), result.output
        return
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option.opts[0]}'" in result.output
    assert "9999999999" not in result.output and len(result.output) < 1000, result.output[:300]
