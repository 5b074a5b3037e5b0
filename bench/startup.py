"""CLI start-up benchmark: whole-process wall time of `partnerpilot` commands, side by side.

    python bench/startup.py --runs 15

Each case is a whole process started from scratch, exactly as a user starts it. The cases
run round-robin (one run of each, then the next round), so load on a shared machine falls
on all of them alike; ``python -c "import typer"`` is the floor any typer CLI pays. A run
counts only when it succeeds: exit status 0 and the expected text in its output. Failed
runs are counted and left out of the timings. The table shows, per case, the successful
runs, the failures, and the median, minimum and 90th percentile wall time in seconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCORE = ["score", "--icp-overlap", "80", "--market-influence", "70", "--practice-alignment",
         "75", "--partnership-appetite", "70", "--revenue-potential", "75"]

# Running any typer command also imports pydantic (typer._adapters) and click's machinery:
# the floor every `partnerpilot` command pays before our own code.
TYPER_APP = ("import typer\napp = typer.Typer()\n@app.command()\ndef hi(name: str = 'ok') -> None:"
             "\n    typer.echo(name)\napp()")


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str
    times: list[float] = field(default_factory=list)
    failures: int = 0
    last_error: str = ""


def tree_cases(label: str, tree: Path) -> list[Case]:
    """``score``, ``tier check`` and ``version`` run from the source tree ``tree``."""
    def run(*argv: str) -> list[str]:
        code = (f"import sys; sys.path.insert(0, {str(tree)!r}); "
                f"sys.argv = ['partnerpilot', *{list(argv)!r}]; from cli.main import main; main()")
        return [sys.executable, "-c", code]

    return [
        Case(f"{label}: version", run("version"), "0.1.0"),
        Case(f"{label}: score ...", run(*SCORE), "Score: 74.5 (secondary)"),
        Case(f"{label}: tier check ...",
             run("tier", "check", "--pipeline-usd", "1.7M", "--certified", "3"), "Tier: gold"),
    ]


def cases() -> list[Case]:
    cli = str(BIN / "partnerpilot")
    return [
        Case('python -c "import typer"', [sys.executable, "-c", "import typer"], ""),
        Case("a one-command typer app", [sys.executable, "-c", TYPER_APP], "ok"),
        Case("partnerpilot version", [cli, "version"], "0.1.0"),
        Case("partnerpilot score ...", [cli, *SCORE], "Score: 74.5 (secondary)"),
        Case("partnerpilot tier check ...",
             [cli, "tier", "check", "--pipeline-usd", "1.7M", "--certified", "3"],
             "Tier: gold"),
        Case("partnerpilot star FILE", [cli, "star", "examples/framework_star.yaml"],
             "Overall: 3.8, verdict: conditional"),
        Case("partnerpilot program targets", [cli, "program", "targets"],
             "Phase 1: 15% of revenue through partnerships"),
    ]


def run_once(case: Case, env: dict[str, str]) -> None:
    start = time.perf_counter()
    proc = subprocess.run(case.argv, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    elapsed = time.perf_counter() - start
    if proc.returncode == 0 and case.expect in proc.stdout:
        case.times.append(elapsed)
    else:
        case.failures += 1
        case.last_error = f"exit {proc.returncode}: {(proc.stderr or proc.stdout)[-300:]}"


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def table(all_cases: list[Case]) -> str:
    lines = ["| command | ok | failed | median s | min s | p90 s |",
             "| --- | --- | --- | --- | --- | --- |"]
    for case in all_cases:
        if case.times:
            stats = (f"{statistics.median(case.times):.3f} | {min(case.times):.3f} | "
                     f"{p90(case.times):.3f}")
        else:
            stats = "- | - | -"
        lines.append(f"| `{case.name}` | {len(case.times)} | {case.failures} | {stats} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Runs of each case.")
    parser.add_argument("--warmup", type=int, default=1, help="Untimed runs of each first.")
    parser.add_argument("--before", type=Path, help="Also time this source tree (e.g. "
                        "`git archive main | tar -x -C DIR`) beside this one, round-robin.")
    args = parser.parse_args()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "ANONYMIZED_TELEMETRY": "False"}
    all_cases = cases()
    if args.before:
        all_cases += tree_cases("before", args.before.resolve()) + tree_cases("after", ROOT)
    for _ in range(args.warmup):  # page cache and .pyc files, as a user's second run has
        for case in all_cases:
            run_once(case, env)
    for case in all_cases:
        case.times.clear()
        case.failures = 0
    for _ in range(args.runs):
        for case in all_cases:
            run_once(case, env)
    load = os.getloadavg()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node() or 'host'}: "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}, {args.runs} runs each")
    print(table(all_cases))
    for case in all_cases:
        if case.failures:
            print(f"{case.name}: last failure: {case.last_error}", file=sys.stderr)
    return 1 if any(c.failures for c in all_cases) else 0


if __name__ == "__main__":
    sys.exit(main())
