"""The results of an eval run, its summaries, and the comparison with a baseline file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from evals.records import Grade, TurnRecord
from tools.errors import FrameworkError

#: The routing column for a turn that called no tool and asked for no tool's inputs.
NO_TOOL = "(none)"


class CaseResult(BaseModel):
    """One case: its turns (events and timing), its grades and whether it passed."""

    case_id: str
    suite: str
    passed: bool
    turns: list[TurnRecord] = Field(default_factory=list)
    grades: list[Grade] = Field(default_factory=list)
    error: str | None = None
    elapsed_s: float = 0.0
    tags: list[str] = Field(default_factory=list)
    expected_tool: str | None = None
    routed: str | None = None

    @property
    def failed_graders(self) -> list[str]:
        """Names of the counted graders that failed, in order, without repeats."""
        names: list[str] = []
        for grade in self.grades:
            if grade.counted and not grade.passed and grade.grader not in names:
                names.append(grade.grader)
        return names


class Tally(BaseModel):
    """Passed out of total, with the rate."""

    passed: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        """Pass rate, 0-1 (1 when there is nothing to count)."""
        return self.passed / self.total if self.total else 1.0

    def add(self, ok: bool) -> None:
        """Count one outcome."""
        self.total += 1
        self.passed += int(ok)


class Change(BaseModel):
    """A case whose outcome differs from the baseline."""

    case_id: str
    suite: str
    kind: Literal["regression", "improvement", "new", "missing"]
    detail: str = ""


class BaselineDiff(BaseModel):
    """How a run compares with a baseline file, case by case."""

    baseline: str
    regressions: list[Change] = Field(default_factory=list)
    improvements: list[Change] = Field(default_factory=list)
    new: list[Change] = Field(default_factory=list)
    missing: list[Change] = Field(default_factory=list)

    @property
    def missed(self) -> bool:
        """True when some case that passed in the baseline fails now."""
        return bool(self.regressions)


class RunReport(BaseModel):
    """A whole eval run."""

    started_at: str
    finished_at: str = ""
    backend: str
    model: str | None = None
    suites: list[str]
    jobs: int = 1
    timeout_s: float
    judge: bool = False
    cases: list[CaseResult] = Field(default_factory=list)
    baseline: BaselineDiff | None = None
    fail_under: float | None = None

    def by_suite(self) -> dict[str, Tally]:
        """Cases passed per suite, in suite order."""
        tallies: dict[str, Tally] = {name: Tally() for name in self.suites}
        for case in self.cases:
            tallies.setdefault(case.suite, Tally()).add(case.passed)
        return tallies

    def by_grader(self) -> dict[str, dict[str, Tally]]:
        """Counted grades passed per suite and grader."""
        table: dict[str, dict[str, Tally]] = {}
        for case in self.cases:
            for grade in case.grades:
                if grade.counted:
                    table.setdefault(case.suite, {}).setdefault(grade.grader, Tally()).add(
                        grade.passed)
        return table

    @property
    def total(self) -> Tally:
        """Cases passed overall."""
        tally = Tally()
        for case in self.cases:
            tally.add(case.passed)
        return tally

    def latencies(self) -> list[float]:
        """Per-turn latencies, seconds."""
        return [t.elapsed_s for c in self.cases for t in c.turns]

    def routing(self) -> dict[str, dict[str, int]]:
        """Cases by expected tool (rows) and the tool the last turn chose (columns)."""
        table: dict[str, dict[str, int]] = {}
        for case in self.cases:
            if case.expected_tool is None:
                continue
            row = table.setdefault(case.expected_tool, {})
            chosen = case.routed or NO_TOOL
            row[chosen] = row.get(chosen, 0) + 1
        return dict(sorted(table.items()))

    def routing_tally(self) -> Tally:
        """Cases whose last turn chose (or asked for the inputs of) the expected tool."""
        tally = Tally()
        for case in self.cases:
            if case.expected_tool is not None:
                tally.total += 1
                tally.passed += int(case.routed == case.expected_tool)
        return tally

    def summary(self) -> dict[str, Any]:
        """The headline numbers, JSON-ready."""
        lat = sorted(self.latencies())
        return {
            "backend": self.backend,
            "model": self.model,
            "passed": self.total.passed,
            "total": self.total.total,
            "pass_rate": round(self.total.rate, 4),
            "suites": {name: {"passed": t.passed, "total": t.total, "pass_rate": round(t.rate, 4)}
                       for name, t in self.by_suite().items()},
            "latency_p50_s": round(lat[len(lat) // 2], 4) if lat else None,
            "latency_p95_s": round(lat[min(len(lat) - 1, int(len(lat) * 0.95))], 4)
            if lat else None,
        }

    @property
    def threshold_missed(self) -> bool:
        """True when the overall pass rate is under ``fail_under``."""
        return self.fail_under is not None and self.total.rate < self.fail_under


def baseline_data(report: RunReport) -> dict[str, Any]:
    """What a baseline file holds: per-case outcomes and per-suite rates.

    Timings are left out, so the file only changes when an outcome does.
    """
    summary = {k: v for k, v in report.summary().items() if not k.startswith("latency")}
    return {
        "backend": report.backend,
        "summary": summary,
        "cases": {c.case_id: {"suite": c.suite, "passed": c.passed,
                              "failed": c.failed_graders} for c in report.cases},
    }


def write_baseline(report: RunReport, path: Path) -> None:
    """Write ``report`` as a baseline file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(baseline_data(report), indent=2, sort_keys=True) + "\n",
                    encoding="utf-8")


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a baseline file.

    Raises:
        FrameworkError: When it is missing or not a baseline.
    """
    if not path.is_file():
        raise FrameworkError("baseline", "file not found", str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise FrameworkError("baseline", f"is not JSON ({exc.msg})", str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("cases"), dict):
        raise FrameworkError("baseline", "has no 'cases' mapping", str(path))
    return data


def compare(report: RunReport, baseline: dict[str, Any], name: str) -> BaselineDiff:
    """Case-by-case comparison of a run with a baseline (only suites that ran are compared)."""
    diff = BaselineDiff(baseline=name)
    before: dict[str, Any] = baseline["cases"]
    ran_suites = set(report.suites)
    now = {c.case_id: c for c in report.cases}
    for case in report.cases:
        old = before.get(case.case_id)
        if old is None:
            diff.new.append(Change(case_id=case.case_id, suite=case.suite, kind="new",
                                   detail="passed" if case.passed else "failed"))
        elif old.get("passed") and not case.passed:
            diff.regressions.append(Change(case_id=case.case_id, suite=case.suite,
                                           kind="regression",
                                           detail="now fails: " + ", ".join(case.failed_graders)))
        elif not old.get("passed") and case.passed:
            diff.improvements.append(Change(case_id=case.case_id, suite=case.suite,
                                            kind="improvement", detail="now passes"))
    for case_id, old in before.items():
        if case_id not in now and old.get("suite") in ran_suites:
            diff.missing.append(Change(case_id=case_id, suite=str(old.get("suite")),
                                       kind="missing", detail="in the baseline, not in this run"))
    return diff
