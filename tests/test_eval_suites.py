"""The CI gate: every deterministic eval suite on the offline backend, against the baseline.

A case that passes in ``evals/baseline.json`` and fails now is a regression and fails this
test. Regenerate the baseline after an intended change with::

    partnerpilot eval --backend offline --jobs 2 --write-baseline evals/baseline.json
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agent.core import Agent
from cli.main import app
from evals.cases import load_suites
from evals.report import write_reports
from evals.results import RunReport, compare, load_baseline
from evals.runner import run_suites
from evals.seeding import seeded_agents
from knowledge.settings import Settings, get_settings
from knowledge.store import Store

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "evals" / "baseline.json"
REGENERATE = "partnerpilot eval --backend offline --jobs 2 --write-baseline evals/baseline.json"


@pytest.fixture(scope="module")
def offline_run(indexed_store: Store, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[RunReport]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("eval-run"), backend="offline")
    store = indexed_store
    suites = [s for s in load_suites() if s.deterministic]
    report = run_suites(suites, lambda: Agent.from_settings(settings, store=store),
                        backend="offline", jobs=2, timeout_s=60,
                        seed=lambda partners: seeded_agents(settings, partners))
    write_reports(report, settings.data_dir / "report")
    yield report


@pytest.mark.slow  # runs every deterministic eval case (30-40 s)
def test_no_regression_against_the_baseline(offline_run: RunReport) -> None:
    diff = compare(offline_run, load_baseline(BASELINE), str(BASELINE))
    lines = [f"{c.case_id} ({c.suite}): {c.detail}" for c in diff.regressions]
    assert not lines, "regressions against evals/baseline.json:\n" + "\n".join(lines)


@pytest.mark.slow  # runs every deterministic eval case (30-40 s)
def test_baseline_covers_exactly_the_cases_that_ran(offline_run: RunReport) -> None:
    diff = compare(offline_run, load_baseline(BASELINE), str(BASELINE))
    stale = [c.case_id for c in diff.new + diff.missing]
    assert not stale, f"baseline is stale for {stale}; regenerate it: {REGENERATE}"


@pytest.mark.slow  # runs every deterministic eval case (30-40 s)
def test_every_case_completed_without_error_or_timeout(offline_run: RunReport) -> None:
    broken = [f"{c.case_id}: {g.detail}" for c in offline_run.cases for g in c.grades
              if g.grader == "completed" and not g.passed]
    assert not broken, "\n".join(broken)
    assert all(c.error is None for c in offline_run.cases)


@pytest.mark.slow  # runs every deterministic eval case (30-40 s)
def test_offline_answers_never_state_ungrounded_numbers(offline_run: RunReport) -> None:
    baseline = load_baseline(BASELINE)["cases"]
    new_failures = [
        f"{c.case_id}: {g.detail}" for c in offline_run.cases for g in c.grades
        if g.grader == "grounded_numbers" and not g.passed
        and "grounded_numbers" not in baseline.get(c.case_id, {}).get("failed", [])
    ]
    assert not new_failures, "\n".join(new_failures)


@pytest.mark.slow  # runs every deterministic eval case (30-40 s)
def test_cli_gates_exit_1_on_threshold_and_regression(
        indexed_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(indexed_copy))
    get_settings.cache_clear()
    cases = {"suite": "mini", "cases": [
        {"id": "mini-tier", "message": "Tier check: $650K pipeline and 3 certified people.",
         "expect": {"tools": ["check_tier"], "result": {"check_tier": {"tier": "gold"}}}},
        {"id": "mini-impossible", "message": "What weight does ICP overlap carry?",
         "expect": {"facts": ["a fact no answer contains: zebra-crossing-42"]}},
    ]}
    datasets = tmp_path / "datasets"
    datasets.mkdir()
    (datasets / "mini.yaml").write_text(yaml.safe_dump(cases))
    base = tmp_path / "base.json"
    runner = CliRunner()
    try:
        first = runner.invoke(app, ["eval", "--datasets", str(datasets), "--write-baseline",
                                    str(base), "--report", str(tmp_path / "r"), "--json"])
        assert first.exit_code == 0, first.output
        summary = json.loads(first.stdout)
        assert (summary["passed"], summary["total"]) == (1, 2)
        assert summary["failed"] == ["mini-impossible"]
        assert (tmp_path / "r" / "report.html").is_file()
        under = runner.invoke(app, ["eval", "--datasets", str(datasets), "--fail-under", "0.9"])
        assert under.exit_code == 1 and "under --fail-under" in under.output
        data = json.loads(base.read_text())
        data["cases"]["mini-impossible"]["passed"] = True
        base.write_text(json.dumps(data))
        gated = runner.invoke(app, ["eval", "--datasets", str(datasets), "--baseline", str(base)])
        assert gated.exit_code == 1
        assert "REGRESSION mini-impossible" in gated.output
    finally:
        get_settings.cache_clear()


def test_readme_pass_rate_table_matches_the_baseline() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- eval pass rates -->", "<!-- /eval pass rates -->"
    table = readme[readme.index(start) + len(start):readme.index(end)]
    rows = {cells[0]: (int(cells[1]), int(cells[2]))
            for line in table.strip().splitlines()[2:]
            if (cells := [c.strip() for c in line.strip("|").split("|")])}
    summary = load_baseline(BASELINE)["summary"]
    expected = {name: (s["passed"], s["total"]) for name, s in summary["suites"].items()}
    expected["all"] = (summary["passed"], summary["total"])
    assert rows == expected, "README pass rates differ from evals/baseline.json; copy the " \
        "suite table of report.md from the run that wrote the baseline"
