"""``partnerpilot eval --export promptfoo DIR``: the config against promptfoo's documented keys,
and (slow) the real promptfoo, pinned by ``tests/data/promptfoo/package-lock.json``, run on the
exported tools suite against a real ``partnerpilot serve``.

promptfoo is installed once into a cache folder (``tests/promptfoo_pin.py``); a session that
selects the live test starts that install in the background (``tests/conftest.py``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from promptfoo_pin import promptfoo_bin
from serve_server import Running, copy_store, serve_env, start
from typer.testing import CliRunner
from ui_server import BIN, ROOT

from cli.main import app
from evals.cases import load_suites
from evals.promptfoo import ASSERTS_FILE, CONFIG_FILE, README_FILE

# promptfoo's documented keys (https://promptfoo.dev/docs/configuration/reference)
TOP_KEYS = {"description", "prompts", "providers", "tests", "defaultTest", "outputPath", "env",
            "evaluateOptions", "scenarios", "sharing", "tags", "extensions", "metadata"}
TEST_KEYS = {"description", "vars", "assert", "metadata", "options", "threshold", "provider",
             "providerOutput"}
ASSERT_KEYS = {"type", "value", "threshold", "weight", "metric", "provider", "transform",
               "config"}
ASSERT_TYPES = {"icontains", "equals", "regex", "python"}
# https://promptfoo.dev/docs/providers/openai (the provider options this config uses)
OPENAI_CONFIG_KEYS = {"apiBaseUrl", "apiKeyEnvar", "apiKey", "temperature", "max_tokens"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("promptfoo") / "export"
    result = CliRunner().invoke(app, ["eval", "--export", "promptfoo", str(folder),
                                      "--serve-url", "http://127.0.0.1:9/v1"])
    assert result.exit_code == 0, result.output
    assert f"to {folder / CONFIG_FILE}" in result.output
    return folder


def _config(folder: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((folder / CONFIG_FILE).read_text(encoding="utf-8")))


def test_the_export_uses_only_promptfoos_documented_keys(exported: Path) -> None:
    config = _config(exported)
    assert set(config) <= TOP_KEYS and config["prompts"] == ["{{message}}"]
    (provider,) = config["providers"]
    assert provider["id"] == "openai:chat:partnerpilot-offline"
    assert set(provider["config"]) <= OPENAI_CONFIG_KEYS
    assert provider["config"]["apiBaseUrl"] == "http://127.0.0.1:9/v1"
    for test in config["tests"]:
        assert set(test) <= TEST_KEYS, test["description"]
        assert isinstance(test["vars"]["message"], str) and test["assert"]
        for check in test["assert"]:
            assert set(check) <= ASSERT_KEYS and check["type"] in ASSERT_TYPES
            if check["type"] == "python":
                path, _, function = check["value"].removeprefix("file://").partition(":")
                assert (exported / path).is_file() and function in ("facts", "tools")
    types = {c["type"] for t in config["tests"] for c in t["assert"]}
    assert types == ASSERT_TYPES - {"equals"} or types == ASSERT_TYPES


@pytest.mark.slow
def test_every_case_is_exported_or_listed_with_its_reason(exported: Path) -> None:
    config = _config(exported)
    readme = (exported / README_FILE).read_text(encoding="utf-8")
    exported_ids = {t["description"] for t in config["tests"]}
    for suite in load_suites():
        for case in suite.cases:
            assert case.id in exported_ids or f"- `{case.id}`: " in readme, case.id
            if case.turns:
                assert case.id not in exported_ids
                assert f"- `{case.id}`: multi-turn" in readme
    assert "- `tools-score-regional-si`: `args`, `result`" in readme


def test_the_python_assertions_grade_like_partnerpilot(exported: Path) -> None:
    spec = importlib.util.spec_from_file_location("pp_asserts", exported / ASSERTS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    output = ("Gold needs $2,000,000 of pipeline.\n\n**Sources**\n- Tiers > Gold (partner-tiers)"
              "\n\n**Computed by**\n- `search_framework`\n- `check_tier`")
    vars_ = {"expect": {"facts": ["$2M"], "forbidden": ["Gold (partner-tiers)"]}}
    assert module.facts(output, {"vars": vars_})["pass"] is True  # normalised; answer only
    assert module.facts(output, {"vars": {"expect": {"facts": ["$3M"]}}})["pass"] is False
    strict = {"tools": ["check_tier", "search_framework"], "trajectory": "strict"}
    assert module.tools(output, {"vars": {"expect": strict}})["pass"] is False
    assert module.tools(output, {"vars": {"expect": {**strict, "trajectory": "unordered"}}})[
        "pass"] is True


def test_an_unknown_export_runner_is_one_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--export", "deepeval", str(tmp_path)])
    assert result.exit_code == 2
    assert "export: the only runner is promptfoo (got 'deepeval')" in result.output


# -- the real promptfoo ------------------------------------------------------------------
@pytest.fixture(scope="module")
def served(indexed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = copy_store(indexed_dir, tmp_path_factory.mktemp("pf-serve") / "data")
    running = start(["serve"], serve_env(data, "promptfoo=pf-test-key"),
                    data.parent / "serve.log", "/healthz")
    yield running
    running.stop()


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.late  # the session installs promptfoo in the background meanwhile
def test_promptfoo_passes_as_many_tools_cases_as_partnerpilot_eval(
        served: Running, indexed_dir: Path, tmp_path: Path) -> None:
    binary = promptfoo_bin()
    folder = tmp_path / "export"
    env = serve_env(copy_store(indexed_dir, tmp_path / "eval-data"))
    proc = subprocess.run([str(BIN / "partnerpilot"), "eval", "--suite", "tools", "--json",
                           "--jobs", "2"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ours = json.loads(proc.stdout)
    passed = ours["suites"]["tools"]["passed"]
    exported_ok = subprocess.run(
        [str(BIN / "partnerpilot"), "eval", "--export", "promptfoo", str(folder),
         "--suite", "tools", "--serve-url", served.url + "/v1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert exported_ok.returncode == 0, exported_ok.stderr
    pf_env = {**os.environ, "PARTNERPILOT_API_KEY": "pf-test-key",
              "PROMPTFOO_PYTHON": sys.executable, "PROMPTFOO_DISABLE_TELEMETRY": "1",
              "PROMPTFOO_DISABLE_UPDATE": "1", "PROMPTFOO_CONFIG_DIR": str(tmp_path / "pfcfg")}
    run = subprocess.run([str(binary), "eval", "-c", CONFIG_FILE, "--no-cache",
                          "--max-concurrency", "4", "--no-progress-bar", "-o", "out.json"],
                         cwd=folder, env=pf_env, capture_output=True, text=True, timeout=1200)
    stats = json.loads((folder / "out.json").read_text())["results"]["stats"]
    assert stats["errors"] == 0, run.stdout[-3000:]
    assert stats["successes"] == passed, run.stdout[-3000:]
    assert stats["successes"] + stats["failures"] == len(_config(folder)["tests"])
