"""The ``board`` commands: the dashboard, the landscape, competitor ecosystems and sponsors.

Each command fills its document from the partner store where the input leaves it out, then
prints it as Markdown, or writes it (``--out PATH.md|PATH.docx``), or prints JSON (the same
output as ``partnerpilot draft``: ``kind``, ``model``, ``markdown``, ``path``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import JsonFlag, emit, err_console, out_console, parse_date_flag, user_errors
from cli.draft import FormatOpt, OutOpt, SetOpt, apply_set, load_input, run_draft
from knowledge import board
from knowledge.competitors import CompetitorImport, import_competitors, sample_path
from knowledge.row_import import RowsRejected
from knowledge.settings import get_settings
from knowledge.store import Store
from tools.errors import FrameworkError

board_app = typer.Typer(help="Board reporting: dashboard, landscape, competitor ecosystems, "
                             "executive sponsors.", no_args_is_help=True)
competitors_app = typer.Typer(help="Competitor partner ecosystems: import and map.",
                              no_args_is_help=True)
board_app.add_typer(competitors_app, name="competitors")

CompanyOpt = Annotated[str | None, typer.Option("--company", help="Our company name.")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="Date of the report, YYYY-MM-DD (default: today).")]


def _as_of(text: str | None) -> date:
    return date.today() if text is None else parse_date_flag(text, "--as-of")


def _partners() -> list[Any]:
    return Store.open(check_embedder=False).all_partners()


def _with_sets(data: dict[str, Any], sets: list[str] | None) -> dict[str, Any]:
    for pair in sets or []:
        apply_set(data, pair)
    return data


@board_app.command("dashboard")
def dashboard(
    file: Annotated[Path, typer.Argument(help="YAML/JSON: revenue, investment, KPI actuals.")],
    as_of: AsOfOpt = None, sets: SetOpt = None, out: OutOpt = None, fmt: FormatOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """KPIs against targets, ROI against the 300% goal, pipeline and risk, for the board.

    Partners (pipeline and risk profile) come from the store unless the file lists them.
    """
    with user_errors():
        day = _as_of(as_of)
        data = _with_sets(load_input(file), sets)
        data = board.dashboard_input(data, [] if data.get("partners") else _partners(), day)
    run_draft("board-dashboard", None, data, None, out, fmt, as_json)


@board_app.command("landscape")
def landscape(
    company: CompanyOpt = None, as_of: AsOfOpt = None,
    region: Annotated[str | None, typer.Option(help="Only partners in this region.")] = None,
    out: OutOpt = None, fmt: FormatOpt = None, as_json: JsonFlag = False,
) -> None:
    """The partner landscape: tier A strategic, B growth, C long tail, from the store."""
    with user_errors():
        data = board.landscape_input(_partners(), company, _as_of(as_of), region)
    run_draft("landscape-map", None, data, None, out, fmt, as_json)


@board_app.command("sponsors")
def sponsors(
    file: Annotated[Path, typer.Argument(help="YAML/JSON: company and pairings.")],
    out: OutOpt = None, fmt: FormatOpt = None, as_json: JsonFlag = False,
) -> None:
    """The executive relationship map: flags Platinum partners without a sponsor."""
    with user_errors():
        data = load_input(file)
        data = board.relationship_input(data, [] if data.get("partners") else _partners())
    run_draft("relationship-map", None, data, None, out, fmt, as_json)


@competitors_app.command("import")
def competitors_import(
    file: Annotated[Path | None, typer.Argument(help="CSV, XLSX or JSON file.")] = None,
    sample: Annotated[bool, typer.Option(
        "--sample", help="Import the bundled sample partnerships.")] = False,
    mapping: Annotated[Path | None, typer.Option(
        help="YAML mapping of your column headers to competitor fields.")] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the good rows and report the bad ones.")] = False,
    refreshed: Annotated[str | None, typer.Option(
        help="When the partnerships were researched, YYYY-MM-DD (default: today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Import competitor partnerships (all rows or none, unless --skip-invalid)."""
    with user_errors():
        if (file is None) == (not sample):
            raise FrameworkError("file", "give a file or --sample (not both)")
        path = sample_path() if sample else Path(str(file))
        day = None if refreshed is None else parse_date_flag(refreshed, "--refreshed")
        try:
            result = import_competitors(get_settings().data_dir, path, mapping, skip_invalid,
                                        day)
        except RowsRejected as exc:
            _issues(exc.report.issues)
            raise
    emit(result, as_json, lambda: _show_import(result, path))


def _issues(issues: list[Any]) -> None:
    for issue in issues[:50]:
        err_console.print(f"row {issue.row}: {issue.field}: {issue.reason}", markup=False)


def _show_import(result: CompetitorImport, path: Path) -> None:
    r = result.report
    if r.issues:
        _issues(r.issues)
    out_console.print(f"imported {r.imported} of {r.rows} rows from {path.name}: {r.added} "
                      f"added, {r.updated} updated, {r.unchanged} unchanged, {r.skipped} "
                      f"skipped; refreshed {result.refreshed}", markup=False)


@competitors_app.command("map")
def competitors_map(
    company: CompanyOpt = None, as_of: AsOfOpt = None, out: OutOpt = None,
    fmt: FormatOpt = None, as_json: JsonFlag = False,
) -> None:
    """Competitors' signed partners; whom to recruit first and whom to flank."""
    with user_errors():
        data = board.competitor_input(get_settings().data_dir, _partners(), company,
                                      _as_of(as_of))
    run_draft("competitor-map", None, data, None, out, fmt, as_json)


def register(app: typer.Typer) -> None:
    """Add the ``board`` command group to the root app."""
    app.add_typer(board_app, name="board")
