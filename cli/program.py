"""The ``program`` commands: quality rules, the gap matrix, horizons and the targets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import JsonFlag, emit, load_mapping, make_table, out_console, user_errors
from tools.errors import FrameworkError
from tools.gaps import gap_matrix
from tools.horizons import classify_horizon
from tools.parsing import format_usd
from tools.program import ProgramCheck, check_program
from tools.targets import ProgramTargets, program_targets

program_app = typer.Typer(help="Program level: quality-rule checks and targets.",
                          no_args_is_help=True)


def _show_program(result: ProgramCheck) -> None:
    table = make_table("Quality rules", "rule", "passed", "finding")
    for f in result.findings:
        table.add_row(f"{f.rule_id} {f.rule}", "yes" if f.passed else "NO", f.message)
    out_console.print(table)
    failed = [f.rule_id for f in result.findings if not f.passed]
    out_console.print("All quality rules pass" if not failed
                      else "Failed rules: " + ", ".join(failed))


@program_app.command("check")
def program_check(
    file: Annotated[Path, typer.Argument(help="JSON/YAML program description.")],
    strict: Annotated[bool, typer.Option(help="Exit with status 1 when a rule fails.")]
    = False,
    as_json: JsonFlag = False,
) -> None:
    """Check a program description against the framework's quality rules."""
    with user_errors():
        result = check_program(load_mapping(file))
    emit(result, as_json, lambda: _show_program(result))
    if strict and not result.passed:
        raise typer.Exit(1)


@program_app.command("gaps")
def program_gaps(
    file: Annotated[Path, typer.Argument(
        help="JSON/YAML: gaps [{dimension, importance 1-5, capability 1-5}], "
             "relationship_closes [dimensions].")],
    as_json: JsonFlag = False,
) -> None:
    """Score the strategic gap matrix and name the top three gaps."""
    with user_errors():
        result = gap_matrix(load_mapping(file))

    def human() -> None:
        table = make_table("Strategic gap matrix", "dimension", "importance", "capability", "gap")
        for r in result.rows:
            table.add_row(r.dimension.value, str(r.importance), str(r.capability), str(r.gap))
        out_console.print(table)
        out_console.print("Top three gaps: " + (", ".join(d.value for d in result.top_three)
                                                 or "none"))
        if result.relationship_closes_top_gap is not None:
            verdict = "yes" if result.relationship_closes_top_gap else "no (do not pursue)"
            out_console.print(f"Relationship closes a top-three gap: {verdict}")

    emit(result, as_json, human)


@program_app.command("horizon")
def program_horizon(
    months: Annotated[str | None, typer.Option(help="Months until P&L impact.")] = None,
    co_innovation: Annotated[bool, typer.Option(help="A co-innovation bet.")] = False,
    joint_ip: Annotated[bool, typer.Option(help="Creates joint IP or a JV.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Place a relationship on horizon 1 (P&L in 12-18 months) or horizon 2 (3-5 years)."""
    with user_errors():
        if months is None:
            raise FrameworkError("months", "is required (pass --months)")
        result = classify_horizon({"months_to_pnl_impact": months,
                                   "co_innovation": co_innovation, "joint_ip": joint_ip})

    def human() -> None:
        out_console.print(f"Horizon: {result.horizon.value} ({result.reason})")

    emit(result, as_json, human)


def _show_targets(result: ProgramTargets) -> None:
    phases = make_table("Phase targets", "phase", "months", "revenue via partners",
                    "active partnerships")
    for p in result.phases:
        phases.add_row(f"{p.phase} {p.name}", p.months, f"{p.revenue_share_pct}%",
                       f"{p.active_partnerships_min}+")
    out_console.print(phases)
    kpis = make_table("Operational KPIs", "kpi", "target")
    for k in result.kpis:
        sign = ">=" if k.direction == "at_least" else "<="
        shown = format_usd(k.target) if k.unit == "USD" else \
            f"{k.target:g}{k.unit if k.unit != 'days' else ' days'}"
        kpis.add_row(k.name, f"{sign} {shown}")
    out_console.print(kpis)
    for p in result.phases:
        out_console.print(f"Phase {p.phase}: {p.revenue_share_pct}% of revenue through "
                          f"partnerships, {p.active_partnerships_min}+ active partnerships")


@program_app.command("targets")
def program_targets_command(as_json: JsonFlag = False) -> None:
    """Show the phase targets and the operational KPI targets."""
    result = program_targets()
    emit(result, as_json, lambda: _show_targets(result))


def register(app: typer.Typer) -> None:
    """Add the ``program`` command group to the root app."""
    app.add_typer(program_app, name="program")
