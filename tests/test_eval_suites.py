"""The CI gate: every deterministic eval suite on the offline backend, against the baseline.

A case that passes in ``evals/baseline.json`` and fails now is a regression and fails this
test. Regenerate the baseline after an intended change with::

    partnerpilot eval --backend offline --jobs 2 --write-baseline evals/baseline.json
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.cases import load_suites
from evals.report import write_reports
from evals.results import RunReport, compare, load_baseline
from evals.runner import ensure_index, run_suites

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "evals" / "baseline.json"
REGENERATE = "partnerpilot eval --backend offline --jobs 2 --write-baseline evals/baseline.json"


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunReport]:
    from agent.core import Agent
    from agent.settings import Settings
    from knowledge.store import Store

    data_dir = tmp_path_factory.mktemp("eval-data")
    settings = Settings(data_dir=data_dir, backend="offline")
    store = Store.open(settings)
    counts = ensure_index(store)
    assert counts["chunks"] > 0 and counts["partners"] > 0
    suites = [s for s in load_suites() if s.deterministic]
    report = run_suites(suites, lambda: Agent.from_settings(settings, store=store),
                        backend="offline", jobs=2, timeout_s=60)
    write_reports(report, data_dir / "report")
    yield report


def test_no_regression_against_the_baseline(offline_run: RunReport) -> None:
    diff = compare(offline_run, load_baseline(BASELINE), str(BASELINE))
    lines = [f"{c.case_id} ({c.suite}): {c.detail}" for c in diff.regressions]
    assert not lines, "regressions against evals/baseline.json:\n" + "\n".join(lines)


def test_baseline_covers_exactly_the_cases_that_ran(offline_run: RunReport) -> None:
    diff = compare(offline_run, load_baseline(BASELINE), str(BASELINE))
    stale = [c.case_id for c in diff.new + diff.missing]
    assert not stale, f"baseline is stale for {stale}; regenerate it: {REGENERATE}"


def test_every_case_completed_without_error_or_timeout(offline_run: RunReport) -> None:
    broken = [f"{c.case_id}: {g.detail}" for c in offline_run.cases for g in c.grades
              if g.grader == "completed" and not g.passed]
    assert not broken, "\n".join(broken)
    assert all(c.error is None for c in offline_run.cases)


def test_offline_answers_never_state_ungrounded_numbers(offline_run: RunReport) -> None:
    baseline = load_baseline(BASELINE)["cases"]
    new_failures = [
        f"{c.case_id}: {g.detail}" for c in offline_run.cases for g in c.grades
        if g.grader == "grounded_numbers" and not g.passed
        and "grounded_numbers" not in baseline.get(c.case_id, {}).get("failed", [])
    ]
    assert not new_failures, "\n".join(new_failures)
