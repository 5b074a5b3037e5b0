"""docs/deploy.md's section on ``serve`` and ``mcp``: every command it writes exists, with the
options it writes, and the names it gives (environment variable, secret file, link lifetime)
are the code's. Cheap on purpose: no server is started (``tests/test_serve_api.py`` and
``tests/test_mcp_server.py`` run them; ``tests/test_deploy_guide.py`` runs the ``sh`` blocks).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.main import app
from ui.api.keys import ENV_VAR, KEYS_FILE
from ui.api.links import DEFAULT_LINK_TTL, SECRET_FILE

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "deploy.md"


def section() -> str:
    """The guide's section on the API and the MCP server."""
    text = GUIDE.read_text(encoding="utf-8")
    found = re.search(r"^## \d+\. The OpenAI-compatible API.*?(?=^## )", text, re.S | re.M)
    assert found, "docs/deploy.md has no section on the API and the MCP server"
    return found.group(0)


def commands(text: str) -> list[list[str]]:
    """Each ``partnerpilot ...`` command of the section's ``shell`` blocks, as words."""
    found: list[list[str]] = []
    for block in re.findall(r"^```shell\n(.*?)^```", text, re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == ["nohup"]:
                words = words[1:]
            if words[:1] == ["partnerpilot"]:
                found.append(words[1:words.index(">")] if ">" in words else words[1:])
    return found


def _resolve(words: list[str]) -> tuple[Any, list[str]]:
    """The (click) command ``words`` name, and its path; by duck type, as typer may carry
    its own copy of click."""
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    for word in words:
        if not hasattr(command, "commands") or word.startswith("-"):
            break
        sub = command.commands.get(word)
        if sub is None:
            break
        command, path = sub, [*path, word]
    return command, path


@pytest.mark.slow
def test_every_documented_command_and_option_exists() -> None:
    documented = commands(section())
    assert {tuple(_resolve(w)[1]) for w in documented} >= {
        ("keys", "add"), ("keys", "list"), ("serve",), ("mcp",)}
    runner = CliRunner()
    for words in documented:
        command, path = _resolve(words)
        assert path, f"not a partnerpilot command: {words}"
        options = {o for p in command.params for o in [*p.opts, *p.secondary_opts]}
        used = {w.split("=")[0] for w in words if w.startswith("--")}
        assert used <= options, f"partnerpilot {' '.join(path)}: no option {used - options}"
        helped = runner.invoke(app, [*path, "--help"])
        assert helped.exit_code == 0, helped.output


def test_the_names_in_the_section_are_the_code_s() -> None:
    text = section()
    assert f"export {ENV_VAR}=" in text
    assert f"$PARTNERPILOT_DATA_DIR/{SECRET_FILE}" in text
    assert f"$PARTNERPILOT_DATA_DIR/{KEYS_FILE}" in text
    assert DEFAULT_LINK_TTL == 7 * 24 * 3600 and "7 days by default" in text
