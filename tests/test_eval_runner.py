from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agent.events import FinalAnswer, FollowUp, ToolCall, ToolResult
from agent.session import Session
from cli.main import app
from evals.cases import Case, Suite, load_suites
from evals.results import compare, load_baseline, write_baseline
from evals.runner import AgentPool, run_case, run_suites
from tools.errors import FrameworkError


class ScriptedAgent:
    """A stand-in agent that answers from a fixed table: the runner's mechanics are under
    test here, not the planner (tests/test_eval_suites.py runs the real agent)."""

    instances = 0
    lock = threading.Lock()

    def __init__(self) -> None:
        with ScriptedAgent.lock:
            ScriptedAgent.instances += 1
        self.busy = False
        self.sessions: list[str] = []

    def stream(self, message: str, session: Session) -> Iterator[Any]:
        assert not self.busy, "an agent was shared by two cases at once"
        self.busy = True
        try:
            self.sessions.append(session.session_id)
            session.add_turn("user", message)
            yield from self._answer(message, session)
        finally:
            self.busy = False

    def _answer(self, message: str, session: Session) -> Iterator[Any]:
        if message == "sleep":
            time.sleep(3)
        if message == "crash":
            raise RuntimeError("planner exploded")
        if message == "score a partner":
            session.pending = None
            yield FollowUp(question="What are the five criteria?")
            return
        if message.startswith("icp"):
            asked_before = len(session.turns) > 1
            yield ToolCall(call_id="1", name="score_partner", input={"icp_overlap": 80})
            yield ToolResult(call_id="1", name="score_partner",
                             output={"result": {"score": 77.5, "band": "priority"}})
            text = "Score 77.5, priority." if asked_before else "Score 77.5 (no context)."
            yield FinalAnswer(text=text, backend="scripted")
            return
        yield FinalAnswer(text=f"echo: {message}", backend="scripted")


def suite(*cases: dict[str, Any], name: str = "demo") -> Suite:
    return Suite.model_validate({"suite": name, "cases": list(cases)})


SCORE = {"id": "score", "message": "icp 80", "expect": {
    "tools": ["score_partner"], "result": {"score_partner": {"score": 77.5}},
    "facts": ["77.5"]}}
MULTI = {"id": "multi", "turns": [
    {"user": "score a partner", "expect": {"follow_up": True}},
    {"user": "icp 80"}], "expect": {"facts": ["priority"]}}
WRONG = {"id": "wrong", "message": "hello", "expect": {"facts": ["goodbye"]}}


def test_case_file_format_and_validation(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(yaml.safe_dump({"cases": [SCORE, MULTI]}))
    suites = load_suites(directory=tmp_path)
    assert suites[0].suite == "one" and [c.id for c in suites[0].cases] == ["score", "multi"]
    specs = suites[0].cases[1].turn_specs()
    assert specs[0].expect is not None and specs[0].expect.follow_up is True
    assert specs[1].expect is not None and specs[1].expect.facts == ["priority"]
    (tmp_path / "two.yaml").write_text(yaml.safe_dump({"cases": [SCORE]}))
    with pytest.raises(FrameworkError, match="used twice"):
        load_suites(directory=tmp_path)
    with pytest.raises(FrameworkError, match="unknown"):
        load_suites(["nope"], directory=tmp_path)
    (tmp_path / "two.yaml").write_text(yaml.safe_dump({"cases": [{"id": "x"}]}))
    with pytest.raises(FrameworkError, match="message"):
        load_suites(directory=tmp_path)
    (tmp_path / "two.yaml").write_text(
        yaml.safe_dump({"cases": [{"id": "x", "message": "m", "expect": {"fact": ["a"]}}]}))
    with pytest.raises(FrameworkError, match=r"two.yaml: cases\.0\.expect\.fact"):
        load_suites(directory=tmp_path)


def test_packaged_datasets_are_valid_and_large_enough() -> None:
    suites = load_suites()
    cases = [c for s in suites for c in s.cases]
    assert len(cases) >= 120
    assert {"grounded", "tools", "drafting", "retrieval", "multiturn", "refusal"} <= {
        s.suite for s in suites}
    assert all(c.turn_specs()[-1].expect is not None for c in cases)


def test_multi_turn_cases_share_one_fresh_session_per_case() -> None:
    report = run_suites([suite(SCORE, MULTI, WRONG)], ScriptedAgent, backend="scripted")
    by_id = {c.case_id: c for c in report.cases}
    assert by_id["multi"].passed, by_id["multi"].grades
    assert [t.user for t in by_id["multi"].turns] == ["score a partner", "icp 80"]
    assert by_id["score"].passed
    assert not by_id["wrong"].passed and by_id["wrong"].failed_graders == ["facts"]
    assert [c.case_id for c in report.cases] == ["score", "multi", "wrong"]
    assert report.total.passed == 2 and report.by_suite()["demo"].total == 3


def test_parallel_run_matches_serial_and_never_shares_an_agent() -> None:
    cases = [dict(SCORE, id=f"s{i}") for i in range(12)] + [dict(MULTI, id=f"m{i}")
                                                             for i in range(12)]
    serial = run_suites([suite(*cases)], ScriptedAgent, backend="scripted", jobs=1)
    ScriptedAgent.instances = 0
    parallel = run_suites([suite(*cases)], ScriptedAgent, backend="scripted", jobs=4)
    assert [(c.case_id, c.passed) for c in parallel.cases] == [
        (c.case_id, c.passed) for c in serial.cases]
    assert ScriptedAgent.instances <= 4  # at most one agent per worker, reused across 24 cases
    assert parallel.total.passed == 24


def test_timeout_fails_the_case_and_the_run_goes_on() -> None:
    slow = {"id": "slow", "message": "sleep"}
    report = run_suites([suite(slow, SCORE)], ScriptedAgent, backend="scripted",
                        timeout_s=0.5, jobs=1)
    by_id = {c.case_id: c for c in report.cases}
    assert not by_id["slow"].passed
    assert by_id["slow"].error == "timed out after 0.5s"
    assert by_id["score"].passed


def test_crashing_agent_is_a_failed_case() -> None:
    pool = AgentPool(ScriptedAgent)
    result = run_case(Case(id="c", message="crash"), pool, timeout_s=5)
    assert not result.passed and "planner exploded" in (result.error or "")


def test_judge_grade_is_counted() -> None:
    from evals.graders import Grade

    def judge(case: Case, turns: list[Any]) -> Grade:
        return Grade(grader="judge", passed=False, score=0.25, detail="2/5: vague")

    report = run_suites([suite(SCORE)], ScriptedAgent, backend="scripted", judge=judge)
    assert report.judge and report.cases[0].failed_graders == ["judge"]


def test_baseline_regressions_improvements_new_and_missing(tmp_path: Path) -> None:
    first = run_suites([suite(SCORE, WRONG, dict(SCORE, id="gone"))], ScriptedAgent,
                       backend="scripted")
    path = tmp_path / "baseline.json"
    write_baseline(first, path)
    saved = load_baseline(path)
    assert saved["cases"]["wrong"] == {"suite": "demo", "passed": False, "failed": ["facts"]}
    fixed_wrong = dict(WRONG, expect={"facts": ["hello"]})
    broken_score = dict(SCORE, expect={"facts": ["99.9"]})
    second = run_suites([suite(broken_score, fixed_wrong, dict(SCORE, id="fresh"))],
                        ScriptedAgent, backend="scripted")
    diff = compare(second, saved, str(path))
    assert [c.case_id for c in diff.regressions] == ["score"]
    assert "facts" in diff.regressions[0].detail
    assert [c.case_id for c in diff.improvements] == ["wrong"]
    assert [c.case_id for c in diff.new] == ["fresh"]
    assert [c.case_id for c in diff.missing] == ["gone"]
    assert diff.missed


def test_load_baseline_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FrameworkError, match="not found"):
        load_baseline(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"suites": {}}))
    with pytest.raises(FrameworkError, match="cases"):
        load_baseline(bad)


@pytest.mark.parametrize(("args", "message"), [
    (["eval", "--suite", "no-such-suite"], "suite: is unknown"),
    (["eval", "--baseline", "missing-baseline.json"], "baseline: file not found"),
    (["eval", "--jobs", "0"], "--jobs"),
    (["eval", "--fail-under", "1.5"], "--fail-under"),
    (["eval", "--suite", "refusal", "--judge"], "judge: needs a model"),
    (["eval", "--backend", "gpt"], "backend: must be one of"),
])
def test_cli_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
