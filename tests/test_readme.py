"""Every `$` line of the README's console blocks runs, in order, in one fresh data folder.

The lines shown under a command must appear (whitespace-normalised) in what it printed, and
its exit status must be 0, or the status named by a trailing ``# exits N`` comment.

The commands run through the console entry point (``cli.main.main``) inside the test
process, with the README's argv and a clean environment: a new process per command cost
about 3 s of imports and a model load each, and proved nothing the entry-point test below
does not (it runs the installed ``partnerpilot`` script as a real process).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
import yaml

from cli.main import app, main

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass
class Example:
    command: str
    expected_status: int
    expected_lines: list[str] = field(default_factory=list)


def parse_readme(text: str) -> list[Example]:
    examples: list[Example] = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                command = line[2:]
                status = 0
                match = re.search(r"\s+#\s*exits\s+(\d+)\s*$", command)
                if match:
                    status = int(match.group(1))
                    command = command[: match.start()]
                examples.append(Example(command.strip(), status))
            elif line.strip() and examples and line.strip() != "...":
                examples[-1].expected_lines.append(line.strip())
    return examples


EXAMPLES = parse_readme((ROOT / "README.md").read_text(encoding="utf-8"))


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


INTERACTIVE = {"chat"}  # waits for keyboard input: no README example can run it


def test_every_dollar_line_is_an_example_and_every_command_is_shown() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    dollar_lines = [line for line in readme.splitlines() if line.startswith("$ ")]
    assert [f"$ {e.command}" for e in EXAMPLES] == [
        re.sub(r"\s+#\s*exits\s+\d+\s*$", "", line) for line in dollar_lines]
    assert all(example.command.startswith("partnerpilot ") for example in EXAMPLES)
    shown = {example.command.split()[1] for example in EXAMPLES}
    commands = set(typer.main.get_command(app).commands)
    assert commands - INTERACTIVE <= shown, "README shows no example of some commands"


def test_readme_parser_reads_status_and_output() -> None:
    parsed = parse_readme("```console\n$ partnerpilot x --y  # exits 2\nerror: y\n```\n")
    assert parsed == [Example("partnerpilot x --y", 2, ["error: y"])]


@pytest.fixture(scope="module")
def readme_env(tmp_path_factory: pytest.TempPathFactory,
               warm_cache: Callable[[Path], Path]) -> dict[str, str]:
    """One fresh data folder that every README command shares, in README order.

    Its embedding cache is the session store's (the same model's vectors of the same texts),
    so ``partnerpilot index`` builds a new store without embedding the corpus again; the
    session store itself was built from nothing.
    """
    env = dict(os.environ)
    data_dir = warm_cache(tmp_path_factory.mktemp("readme") / "data")
    env["PARTNERPILOT_DATA_DIR"] = str(data_dir)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "PARTNERPILOT_BACKEND"):
        env.pop(key, None)
    return env


def run_in_process(argv: list[str], env: dict[str, str],
                   monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run ``argv`` through the console entry point: (exit status, stdout + stderr)."""
    for key in set(os.environ) - set(env):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys, "argv", argv)
    monkeypatch.chdir(ROOT)  # the README's paths are relative to the checkout
    out, err = io.StringIO(), io.StringIO()
    status: int = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main()
        except SystemExit as exc:
            status = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return status, out.getvalue() + "\n" + err.getvalue()


@pytest.mark.slow  # the whole README in order: an index, an eval suite, the planner
@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{i:02d}-{e.command[:60]}"
                                                   for i, e in enumerate(EXAMPLES, 1)])
def test_readme_command(example: Example, readme_env: dict[str, str],
                        monkeypatch: pytest.MonkeyPatch) -> None:
    status, printed = run_in_process(shlex.split(example.command), readme_env, monkeypatch)
    assert status == example.expected_status, (
        f"exit {status}, README says {example.expected_status}\n{printed[-4000:]}")
    output = _normalise(printed)
    missing = [line for line in example.expected_lines if _normalise(line) not in output]
    assert not missing, f"missing {missing!r} in\n{output[-3000:]}"


def test_the_installed_script_runs_a_readme_example(readme_env: dict[str, str]) -> None:
    """The console script as a user runs it: a real process, the README's first score."""
    example = next(e for e in EXAMPLES if e.command.startswith("partnerpilot score "))
    proc = subprocess.run(shlex.split(example.command), cwd=ROOT, env=readme_env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == example.expected_status, proc.stderr[-2000:]
    output = _normalise(proc.stdout + "\n" + proc.stderr)
    assert example.expected_lines
    assert all(_normalise(line) in output for line in example.expected_lines)


# -- "Use it from other tools": the snippets outside console blocks ---------------------
def tools_section() -> dict[str, list[str]]:
    """The fenced blocks of the README's "Use it from other tools" section, by language."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use it from other tools", 1)[1].split("\n## ", 1)[0]
    blocks: dict[str, list[str]] = {}
    for lang, body in re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S):
        blocks.setdefault(lang, []).append(body)
    return blocks


def test_every_snippet_of_the_tools_section_is_handled() -> None:
    """Each block is run below, run in console form above, or (promptfoo) by its own test."""
    blocks = tools_section()
    assert set(blocks) == {"console", "sh", "python", "yaml", "json"}
    sh = blocks["sh"]
    assert sh[0].strip() == "partnerpilot serve --port 8000"  # started by the test below
    assert sh[1].lstrip().startswith("curl ")  # run below
    assert "npx promptfoo eval" in sh[2]  # run by tests/test_promptfoo_bridge.py (slow)
    assert len(sh) == 3 and len(blocks["python"]) == 1


@pytest.mark.slow
@pytest.mark.server  # a real `partnerpilot serve`, as the README starts it
def test_tools_section_snippets_run_against_a_real_server(
        indexed_dir: Path, tmp_path: Path) -> None:
    from serve_server import copy_store, serve_env, start  # test helpers, not the package

    blocks = tools_section()
    data = copy_store(indexed_dir, tmp_path / "data")
    key = "readme-snippet-key"
    shown = shlex.split(blocks["sh"][0])
    assert shown[:2] == ["partnerpilot", "serve"] and shown[-2] == "--port"
    server = start(shown[1:-2], serve_env(data, f"readme={key}"), tmp_path / "serve.log",
                   "/healthz")
    try:
        env = {**serve_env(data), "PARTNERPILOT_API_KEY": key}
        port = server.url.rsplit(":", 1)[1]
        python = blocks["python"][0].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        ran = subprocess.run([sys.executable, "-c", python], env=env, capture_output=True,
                             text=True, timeout=300)
        assert ran.returncode == 0, ran.stderr
        assert "**Sources**" in ran.stdout and ran.stdout.strip().endswith("tier-movement")
        curl = blocks["sh"][1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        ran = subprocess.run(["bash", "-c", curl], env=env, capture_output=True, text=True,
                             timeout=300)
        assert ran.returncode == 0 and ran.stdout.rstrip().endswith("data: [DONE]"), ran.stderr
        assert "Gold" in ran.stdout and "check_tier" in ran.stdout
        open_webui, librechat = yaml.safe_load_all(blocks["yaml"][0])
        assert open_webui["OPENAI_API_BASE_URL"].endswith(":8000/v1")
        (endpoint,) = librechat["endpoints"]["custom"]
        with urllib.request.urlopen(urllib.request.Request(
                server.url + "/v1/models", headers={"Authorization": f"Bearer {key}"})) as got:
            served = [m["id"] for m in json.loads(got.read())["data"]]
        assert endpoint["models"]["default"] == served
        assert endpoint["baseURL"].endswith(":8000/v1")
        desktop = json.loads(blocks["json"][0])["mcpServers"]["partnerpilot"]
        assert [desktop["command"], *desktop["args"]] == ["partnerpilot", "mcp"]  # as tested
    finally:                                                # in tests/test_mcp_server.py
        server.stop()
