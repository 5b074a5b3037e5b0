"""``partnerpilot eval``: run the YAML eval suites through the agent and grade the answers."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agent.core import Agent
from cli.common import emit, err_console, fail, out_console, user_errors, whole_number
from evals.cases import load_suites
from evals.judge import make_judge
from evals.promptfoo import DEFAULT_URL, write_export
from evals.report import print_summary, write_reports
from evals.results import compare, load_baseline
from evals.results import write_baseline as save_baseline
from evals.runner import run_suites
from evals.seeding import seeded_agents
from knowledge.indexing import ensure_index
from knowledge.settings import get_settings
from knowledge.store import Store
from tools.errors import shown

BACKENDS = ("auto", "offline", "openai", "local")


def _settings(backend: str | None) -> Any:
    settings = get_settings()
    if backend is not None:
        if backend not in BACKENDS:
            fail(f"backend: must be one of {', '.join(BACKENDS)} (got {shown(backend)})")
        settings = settings.model_copy(update={"backend": backend})
    return settings


def _progress_runner(total: int, quiet: bool) -> tuple[Any, Any]:
    progress = Progress(TextColumn("[bold]eval[/]"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[last]}"), TimeElapsedColumn(),
                        console=err_console, disable=quiet, transient=False)
    task = progress.add_task("cases", total=total, last="")

    def on_done(result: Any) -> None:
        mark = "ok" if result.passed else "FAIL"
        progress.update(task, advance=1, last=f"{mark} {result.case_id}")

    return progress, on_done


def _run(suite: list[str] | None, backend: str | None, jobs: int, timeout: float,
         case: list[str] | None, judge: bool, datasets: Path | None, quiet: bool) -> Any:
    suites = load_suites(suite or None, datasets)
    settings = _settings(backend)
    judge_fn = None
    if judge:
        judge_fn = make_judge(settings)
    store = Store.open(settings)
    ensure_index(store)
    probe = Agent.from_settings(settings, store=store)
    name, model = probe.backend_name, getattr(probe.backend, "model", None)
    probe.close()

    def factory() -> Agent:
        return Agent.from_settings(settings, store=store)

    def wanted(item: Any) -> bool:
        return not case or any(fnmatch.fnmatch(item.id, pattern) for pattern in case)

    total = sum(1 for s in suites for c in s.cases if wanted(c))
    if total == 0:
        fail("case: no case matches " + ", ".join(case or []))
    progress, on_done = _progress_runner(total, quiet)
    with progress:
        return run_suites(suites, factory, backend=name, model=model, jobs=jobs,
                          timeout_s=timeout, judge=judge_fn, on_done=on_done,
                          case_filter=wanted,
                          seed=lambda partners: seeded_agents(settings, partners))


def _export(export: tuple[str, Path], suite: list[str] | None, datasets: Path | None,
            url: str, as_json: bool) -> None:
    runner, folder = export
    if runner != "promptfoo":
        fail(f"export: the only runner is promptfoo (got {shown(runner)})")
    with user_errors():
        done = write_export(load_suites(suite or None, datasets), folder, url)
    summary = {"exported": len(done.exported), "partly_mapped": len(done.partly),
               "not_exported": sorted(done.skipped), "files": [str(p) for p in done.paths]}
    emit(summary, as_json, lambda: out_console.print(
        f"exported {len(done.exported)} cases to {done.paths[0]} ({len(done.skipped)} not "
        f"exported, {len(done.partly)} partly mapped: see {done.paths[2]})", markup=False))


def register(app: typer.Typer) -> None:
    """Add ``partnerpilot eval`` to the root app."""
    @app.command("eval")
    def eval_command(
        suite: Annotated[list[str] | None, typer.Option(
            "--suite", "-s", help="Suite to run (repeatable); default all.")] = None,
        backend: Annotated[str | None, typer.Option(
            help="offline, openai, local or auto (default: from settings).")] = None,
        jobs: Annotated[int, typer.Option(parser=whole_number(1, 32),
                                          help="Cases run in parallel.")] = 1,
        report: Annotated[Path | None, typer.Option(
            help="Folder for report.json, report.md, report.html and junit.xml.")] = None,
        baseline: Annotated[Path | None, typer.Option(
            help="Baseline JSON: fail on any case that passed there and fails now.")] = None,
        write_baseline: Annotated[Path | None, typer.Option(
            help="Write this run's outcomes as a baseline file.")] = None,
        fail_under: Annotated[float | None, typer.Option(
            min=0.0, max=1.0, help="Fail when the overall pass rate is below this.")] = None,
        timeout: Annotated[float, typer.Option(min=0.1, help="Per-case timeout, s.")] = 60.0,
        case: Annotated[list[str] | None, typer.Option(
            help="Only cases whose id matches this glob (repeatable).")] = None,
        judge: Annotated[bool, typer.Option(
            help="Add the LLM-as-judge grader (needs a configured model).")] = False,
        datasets: Annotated[Path | None, typer.Option(
            help="Folder of dataset YAML files (default: the packaged suites).")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
        export: Annotated[tuple[str, Path] | None, typer.Option(
            "--export", help="Write the suites for another runner instead of running them: "
            "`--export promptfoo DIR`.")] = None,
        serve_url: Annotated[str, typer.Option(
            help="The `partnerpilot serve` URL an export calls.")] = DEFAULT_URL,
    ) -> None:
        """Run the eval suites through the agent and grade every answer.

        Exit status: 0 when every gate holds, 1 when --fail-under or --baseline is missed,
        2 for bad input.
        """
        if export is not None:
            _export(export, suite, datasets, serve_url, as_json)
            return
        with user_errors():
            base = load_baseline(baseline) if baseline is not None else None
            result = _run(suite, backend, jobs, timeout, case, judge, datasets, as_json)
            result.fail_under = fail_under
            if base is not None and baseline is not None:
                result.baseline = compare(result, base, str(baseline))
            paths = write_reports(result, report) if report is not None else []
            if write_baseline is not None:
                save_baseline(result, write_baseline)
        summary: dict[str, Any] = result.summary()
        summary["reports"] = [str(p) for p in paths]
        if result.baseline is not None:
            summary["regressions"] = [c.case_id for c in result.baseline.regressions]
            summary["improvements"] = [c.case_id for c in result.baseline.improvements]
        summary["failed"] = [c.case_id for c in result.cases if not c.passed]

        def human() -> None:
            print_summary(result, out_console)
            for path in paths:
                out_console.print(f"wrote {path}", markup=False)

        emit(summary, as_json, human)
        if result.threshold_missed:
            err_console.print(f"error: pass rate {result.total.rate:.1%} is under "
                              f"--fail-under {fail_under:.1%}", markup=False)
        if result.baseline is not None and result.baseline.missed:
            err_console.print(f"error: {len(result.baseline.regressions)} regression(s) "
                              f"against {baseline}", markup=False)
        if result.threshold_missed or (result.baseline is not None and result.baseline.missed):
            raise typer.Exit(1)

