"""Run eval cases through the same entry point as the UI and grade what comes back.

Each case gets a fresh :class:`~agent.session.Session`; a multi-turn case feeds its turns
in order. Cases run in parallel on ``jobs`` worker threads. Agents come from a pool: a
worker takes one, runs a case, and returns it, so no two cases share an agent at the same
time. A case that overruns its timeout is abandoned (its thread and agent are left to
finish on their own; the pool builds a fresh agent when it runs short).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime
from typing import Any, Protocol

from agent.events import FollowUp, ToolCall, ToolResult
from agent.session import Session
from evals.cases import Case, Suite
from evals.graders import grade_turn
from evals.records import Grade, TurnRecord
from evals.results import CaseResult, RunReport
from tools.errors import FrameworkError
from tools.partners import Partner

DEFAULT_TIMEOUT_S = 60.0


class AgentLike(Protocol):
    """What the runner needs from an agent: ``agent.core.Agent`` satisfies it."""

    def stream(self, message: str, session: Session) -> Iterator[Any]:
        """Answer one message, yielding events."""
        ...


AgentFactory = Callable[[], AgentLike]
Judge = Callable[[Case, list[TurnRecord]], Grade | None]


class AgentPool:
    """Agents handed out one case at a time; built lazily by ``factory``."""

    def __init__(self, factory: AgentFactory) -> None:
        self._factory = factory
        self._idle: queue.SimpleQueue[AgentLike] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.built = 0

    def take(self) -> AgentLike:
        """An idle agent, or a new one."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                self.built += 1
            return self._factory()

    def give_back(self, agent: AgentLike) -> None:
        """Return an agent after a case finished in time."""
        self._idle.put(agent)

    def close(self) -> None:
        """Close the idle agents that have a ``close`` method."""
        while True:
            try:
                agent = self._idle.get_nowait()
            except queue.Empty:
                return
            closer = getattr(agent, "close", None)
            if callable(closer):
                closer()


def _play(case: Case, agent: AgentLike, turns: list[TurnRecord], deadline: float) -> None:
    """Feed the case's turns to the agent, appending each turn's record as it goes."""
    session = Session()
    for spec in case.turn_specs():
        record = TurnRecord(user=spec.user)
        turns.append(record)
        start = time.perf_counter()
        for event in agent.stream(spec.user, session):
            now = time.perf_counter()
            if record.first_event_s is None:
                record.first_event_s = now - start
            record.events.append(event)
            record.elapsed_s = now - start
            if now > deadline:
                record.timed_out = True
                return
        record.elapsed_s = time.perf_counter() - start


def _grade_case(case: Case, turns: list[TurnRecord], judge: Judge | None) -> list[Grade]:
    grades: list[Grade] = []
    history: list[str] = []
    for index, (spec, turn) in enumerate(zip(case.turn_specs(), turns, strict=False)):
        grades.extend(grade_turn(turn, spec.expect, index, history))
        history.append(turn.user)
        # An earlier turn's tool results ground a later answer ("why?"), as the agent's own
        # guard has it (agent.core.session_facts).
        history.extend(json.dumps(r.output, default=str) for r in turn.of(ToolResult))
    if len(turns) < len(case.turn_specs()):
        grades.append(Grade(grader="completed", passed=False, score=0.0, turn=len(turns),
                            detail="the case stopped before its last turn"))
    if judge is not None and turns:
        verdict = judge(case, turns)
        if verdict is not None:
            verdict.turn = len(turns) - 1
            grades.append(verdict)
    return grades


def run_case(case: Case, pool: AgentPool, timeout_s: float = DEFAULT_TIMEOUT_S,
             judge: Judge | None = None) -> CaseResult:
    """Run and grade one case within ``timeout_s`` seconds.

    Args:
        case: The case.
        pool: Where the agent comes from.
        timeout_s: Budget for all the case's turns.
        judge: Optional extra grader over the whole transcript (LLM-as-judge).
    """
    turns: list[TurnRecord] = []
    failure: list[str] = []
    agent = pool.take()
    start = time.perf_counter()
    deadline = start + timeout_s

    def target() -> None:
        try:
            _play(case, agent, turns, deadline)
        except Exception as exc:  # a crashing agent is a failed case, not a crashed run
            failure.append(f"{type(exc).__name__}: {exc}")

    worker = threading.Thread(target=target, name=f"eval-{case.id}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    elapsed = time.perf_counter() - start
    timed_out = worker.is_alive() or any(t.timed_out for t in turns)
    if worker.is_alive():
        if turns:
            turns[-1].timed_out = True
        failure.append(f"timed out after {timeout_s:g}s")
    else:
        pool.give_back(agent)
    snapshot = [t.model_copy(deep=True) for t in list(turns)]
    if timed_out and snapshot and not snapshot[-1].timed_out:
        snapshot[-1].timed_out = True
    grades = _grade_case(case, snapshot, judge)
    if failure and not timed_out:
        grades.append(Grade(grader="completed", passed=False, score=0.0, detail=failure[0]))
    passed = all(g.passed for g in grades if g.counted) and not failure
    expected = case.expect.tools[0] if case.expect and case.expect.tools else None
    return CaseResult(case_id=case.id, suite=case.suite, passed=passed, turns=snapshot,
                      grades=grades, error=failure[0] if failure else None,
                      elapsed_s=elapsed, tags=list(case.tags), expected_tool=expected,
                      routed=routed_tool(snapshot[-1]) if snapshot else None)


def routed_tool(turn: TurnRecord) -> str | None:
    """The tool a turn chose: its first call, else the tool whose inputs it asked for.

    A clarifying question between two tools shows as ``(clarify)``; no call and no question
    as None.
    """
    called = turn.of(ToolCall)
    if called:
        return str(called[0].name)
    asked = turn.of(FollowUp)
    if asked:
        return str(asked[0].tool) if asked[0].tool else "(clarify)"
    return None


def run_suites(
    suites: list[Suite],
    factory: AgentFactory,
    *,
    backend: str,
    model: str | None = None,
    jobs: int = 1,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    judge: Judge | None = None,
    on_done: Callable[[CaseResult], None] | None = None,
    case_filter: Callable[[Case], bool] | None = None,
    seed: Callable[[list[Partner]], AgentFactory] | None = None,
) -> RunReport:
    """Run every case of ``suites`` and return the report (cases in dataset order).

    Args:
        suites: What to run.
        factory: Builds an agent (called at most once per concurrently running case).
        backend: Backend name for the report.
        model: Model name for the report.
        jobs: Worker threads.
        timeout_s: Per-case timeout.
        judge: Optional LLM-as-judge grader.
        on_done: Called after each case (progress bars).
        case_filter: Only cases for which it returns True.
        seed: Builds the agents of a suite that brings its own partners
            (:func:`evals.seeding.seeded_agents`); such a suite cannot run without it.

    Raises:
        FrameworkError: Naming ``suite`` when a suite brings partners and there is no seed.
    """
    cases = [c for s in suites for c in s.cases if case_filter is None or case_filter(c)]
    report = RunReport(started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                       backend=backend, model=model,
                       suites=[s.suite for s in suites if any(c.suite == s.suite for c in cases)],
                       jobs=jobs, timeout_s=timeout_s, judge=judge is not None)
    pools = {"": AgentPool(factory)}
    for suite in suites:
        if suite.partners and any(c.suite == suite.suite for c in cases):
            if seed is None:
                raise FrameworkError("suite", "brings its own partners; run it with "
                                     "`partnerpilot eval`", suite.suite)
            pools[suite.suite] = AgentPool(seed(suite.partners))
    results: dict[str, CaseResult] = {}
    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="eval") as ex:
            futures = {ex.submit(run_case, case, pools.get(case.suite, pools[""]), timeout_s,
                                 judge): case
                       for case in cases}
            for future in as_completed(futures):
                result = future.result()
                results[result.case_id] = result
                if on_done is not None:
                    on_done(result)
    finally:
        for pool in pools.values():
            pool.close()
    report.cases = [results[c.id] for c in cases]
    report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    return report

