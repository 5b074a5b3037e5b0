"""CLI start-up: a command imports only the module that registers it (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer

from cli.main import COMMANDS, app_for, full_app

SCORE = ["score", "--icp-overlap", "80", "--market-influence", "70", "--practice-alignment",
         "75", "--partnership-appetite", "70", "--revenue-potential", "75"]
HEAVY = ("chromadb", "langchain", "langchain_core", "openai", "torch", "sentence_transformers",
         "chainlit", "jinja2", "docx", "openpyxl", "yaml", "numpy", "knowledge.store",
         "agent", "evals", "ui", "tools.documents", "onnxruntime", "tokenizers",
         "rich._emoji_codes")
PROBE = """
import json, sys
sys.argv = ["partnerpilot", *json.loads(sys.argv[1])]
from cli.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = {heavy}
loaded = sorted({{m for m in sys.modules for h in heavy if m == h or m.startswith(h + ".")}})
print("LOADED=" + json.dumps(loaded), file=sys.stderr)
sys.exit(code)
"""


def names(app: typer.Typer) -> set[str]:
    return set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_has_its_module_in_the_table() -> None:
    assert names(full_app()) == set(COMMANDS) | {"version"}


def test_a_command_gets_an_app_with_only_its_own_module() -> None:
    assert names(app_for(["score", "--help"])) == {"score", "version"}
    assert names(app_for(["tier", "check"])) == {"tier", "version"}
    assert names(app_for(["version"])) == {"version"}
    assert names(app_for(["--help"])) == names(full_app())
    assert names(app_for(["no-such-command"])) == names(full_app())


@pytest.mark.parametrize(("argv", "expect"), [
    (SCORE, "Score: 74.5 (secondary)"),
    (["version"], "0.1.0"),
    (["tier", "check", "--pipeline-usd", "1.7M", "--certified", "3"], "Tier: gold"),
    (["program", "targets"], "Phase 1: 15% of revenue"),
])
def test_framework_commands_load_no_heavy_module(argv: list[str], expect: str) -> None:
    code = PROBE.format(heavy=json.dumps(HEAVY))
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(argv)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout
    loaded = json.loads(proc.stderr.rsplit("LOADED=", 1)[1])
    assert loaded == []
