"""Account mapping commands: ``accounts import``, ``accounts overlap`` and ``accounts list``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    JsonFlag,
    emit,
    err_console,
    fail,
    make_table,
    out_console,
    user_errors,
    whole_number,
)
from knowledge.account_import import AccountImportRejected, import_accounts
from knowledge.accounts import OURS, AccountBook
from knowledge.settings import get_settings
from tools.account_match import DEFAULT_LIMIT, AccountOverlap
from tools.errors import FrameworkError

ROW_LABELS = {"customer": "customers", "prospect": "prospects",
              "opportunity": "open opportunities"}
accounts_app = typer.Typer(help="Account mapping: import account lists, show the overlap.",
                           no_args_is_help=True)


def _book() -> AccountBook:
    return AccountBook(get_settings().data_dir)


def _deps() -> Any:
    from agent.toolset import Deps  # lazy: the agent layer (and the store) only when needed

    return Deps(get_settings())


def _partner(ref: str) -> tuple[str, str]:
    """A stored partner's id and name, by id or name (the agent's own lookup)."""
    from agent.tool_runs import resolve_partner  # lazy: opens the partner store

    partner = resolve_partner(ref, _deps())
    return partner.partner_id, partner.name


@accounts_app.command("import")
def import_list(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSON account list.")],
    ours: Annotated[bool, typer.Option("--ours", help="Our accounts (customers, prospects, "
                                       "open opportunities; needs a type column).")] = False,
    partner: Annotated[str | None, typer.Option(
        help="A stored partner (id or name) whose customer list this is.")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="YAML mapping of your column headers to account fields.")] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the good rows and report the bad ones.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the row report as JSON here.")]
    = None,
    max_size_mb: Annotated[float, typer.Option(help="Refuse files larger than this.")] = 20.0,
    as_json: JsonFlag = False,
) -> None:
    """Replace our list or a partner's list with FILE (all rows or none)."""
    if ours == (partner is not None):
        fail("owner: give either --ours or --partner ID")
    if not (math.isfinite(max_size_mb) and max_size_mb > 0):
        fail(f"--max-size-mb: must be a positive number of megabytes (got {max_size_mb})")
    with user_errors():
        owner, label = (OURS, "our accounts") if ours else _partner(str(partner))
        try:
            result = import_accounts(_book(), file, owner, label, mapping=mapping,
                                     skip_invalid=skip_invalid,
                                     max_bytes=int(max_size_mb * 1024 * 1024),
                                     report_path=report)
        except AccountImportRejected as exc:
            _print_issues(exc.report.issues)
            raise

    def human() -> None:
        if result.issues:
            _print_issues(result.issues)
        kinds = ", ".join(f"{n} {k}" for k, n in result.by_kind.items())
        out_console.print(
            f"imported {result.imported} of {result.rows} rows from {file.name} into "
            f"{label}: {result.added} added, {result.removed} removed, {result.unchanged} "
            f"unchanged, {result.skipped} skipped ({kinds})", markup=False)
        if result.report_file:
            out_console.print(f"row report: {result.report_file}", markup=False)

    emit(result, as_json, human)


def _print_issues(issues: list[Any]) -> None:
    table = make_table("rows with problems", "row", "field", "problem")
    for issue in issues[:50]:
        table.add_row(str(issue.row), issue.field, issue.reason)
    err_console.print(table)


@accounts_app.command("overlap")
def overlap(
    partner: Annotated[str, typer.Argument(help="A stored partner (id or name).")],
    counts_only: Annotated[bool, typer.Option(
        "--counts-only", help="Only the counts, not the matched accounts.")] = False,
    limit: Annotated[int, typer.Option(parser=whole_number(1, 100_000),
                                     help="Most matched accounts listed per row.")]
    = DEFAULT_LIMIT,
    as_json: JsonFlag = False,
) -> None:
    """The overlap matrix of our accounts x PARTNER's customers, and the ICP overlap."""
    from agent.registry import execute  # lazy: the agent layer, only for this command

    with user_errors():
        done = execute("account_overlap", {"partner": partner, "counts_only": counts_only,
                                           "limit": limit}, _deps())
        if done.error is not None:
            raise FrameworkError(*done.error.split(": ", 1))
    result = done.result
    assert isinstance(result, AccountOverlap)
    emit(result, as_json, lambda: _render(result))


def _render(result: AccountOverlap) -> None:
    out_console.print(f"Account map: {result.partner_name} ({result.partner_id}), "
                      f"{result.their_customers} of their customers x our "
                      f"{result.our_accounts} accounts", markup=False)
    table = make_table("overlap matrix", "our accounts", "accounts", "their customers",
                       "share")
    for row in result.rows:
        table.add_row(ROW_LABELS[row.kind], str(row.accounts), str(row.matched),
                      f"{row.share_pct:g}%")
    out_console.print(table)
    for row in result.rows:
        for m in row.matches:
            how = f"{m.method} {m.score:g}" if m.method == "fuzzy" else str(m.method)
            out_console.print(f"{row.kind}: {m.ours} = {m.theirs} ({how})", markup=False)
        if row.more:
            out_console.print(f"{row.kind}: and {row.more} more (raise --limit)", markup=False)
    out_console.print(result.icp.provenance, markup=False)


@accounts_app.command("list")
def list_lists(as_json: JsonFlag = False) -> None:
    """The stored account lists: ours and each partner's, with counts by kind."""
    lists = _book().lists()

    def human() -> None:
        if not lists:
            out_console.print("no account lists yet; partnerpilot accounts import FILE --ours")
        for info in lists:
            kinds = ", ".join(f"{n} {k}" for k, n in sorted(info.by_kind.items()))
            out_console.print(f"{info.owner}  {info.label}: {info.rows} accounts ({kinds}), "
                              f"from {info.source}", markup=False)

    emit([i.model_dump() for i in lists], as_json, human)


def register(app: typer.Typer) -> None:
    """Add the ``accounts`` command group."""
    app.add_typer(accounts_app, name="accounts")
