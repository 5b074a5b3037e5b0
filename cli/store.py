"""Store commands: ``index``, ``partners import/search/show`` and ``knowledge search``."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from agent.access import Action
from cli.common import emit, err_console, fail, out_console, parse_int_flag, user_errors
from cli.team import act
from knowledge import audit
from knowledge.account_import import load_sample_accounts
from knowledge.accounts import AccountBook
from knowledge.chunking import default_docs_dir, load_documents
from knowledge.importer import ImportRejected, import_file
from knowledge.records import score_and_band
from knowledge.sample import load_sample_partners
from knowledge.store import Store, WriteReport
from tools.errors import shown
from tools.partners import PartnerType, Tier
from tools.scoring import Band

partners_app = typer.Typer(help="Import, search and show partner records.", no_args_is_help=True)
knowledge_app = typer.Typer(help="Search the framework documents.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar with counts and rate on a terminal; silent otherwise."""
    if not sys.stderr.isatty() or total <= 0:
        yield lambda n: None
        return

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            return Text(f"{task.speed or 0:,.1f}/s")

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               RateColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda n: progress.advance(task, n)


def _open_store(check_embedder: bool = True) -> Any:
    store = Store.open(check_embedder=check_embedder)
    for note in store.recovered:
        err_console.print(f"note: {note}", markup=False)
    return store


def _sample_partners() -> list[Any]:
    return list(load_sample_partners())


def index(
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Re-embed everything aside, then switch (after changing the embedding "
        "model).")]
    = False,
    as_json: JsonOpt = False,
) -> None:
    """Index the framework documents; load the sample partners into an empty store."""
    with user_errors():
        actor = act(Action.REBUILD if rebuild else Action.IMPORT)
        store = _open_store(check_embedder=not rebuild)
        audit.prepare(store.settings)  # an unusable audit database stops the write here
        chunks = load_documents(default_docs_dir())
        source = "kept" if rebuild else "sample"
        loaded = None
        if rebuild:  # built aside and switched: a crash at any point loses nothing
            with progress_bar("embedding kept partners", store.counts()["partners"]) as advance:
                kept, docs = store.rebuild(chunks, embed_progress=advance)
            loaded = WriteReport(added=len(kept)) if kept else None
        else:
            with progress_bar("embedding passages", len(chunks)) as advance:
                docs = store.index_documents(chunks, progress=advance)
            if store.counts()["partners"] == 0:
                partners = _sample_partners()
                with progress_bar("embedding sample partners", len(partners)) as advance:
                    loaded = store.upsert_partners(partners, embed_progress=advance)
                audit.record(store.settings, actor, audit.events_for(
                    loaded.added_ids, loaded.updated_ids), "sample partners (index)")
            load_sample_accounts(AccountBook(store.data_dir))  # only into an empty account map
        if rebuild:
            audit.record(store.settings, actor, [("rebuilt", None)], "index --rebuild")
        counts = store.counts()
    result = {
        "documents": len({c.doc_id for c in chunks}), "passages": docs.model_dump(),
        "partners_loaded": loaded.model_dump() if loaded else None, "partners_source": source,
        "counts": counts, "rebuilt": rebuild,
    }

    def human() -> None:
        out_console.print(
            f"indexed {result['documents']} documents: {counts['chunks']} passages "
            f"({docs.added} added, {docs.updated} updated, {docs.unchanged} unchanged, "
            f"{docs.deleted} deleted)")
        if loaded:
            out_console.print(f"loaded {loaded.added + loaded.updated} {source} partners")
        out_console.print(f"partners in store: {counts['partners']}")

    emit(result, as_json, human)


@partners_app.command("import")
def import_partners(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSON file of partners.")],
    history: Annotated[Path | None, typer.Option(
        help="Companion quarters CSV (partner_id, quarter, ...).")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="YAML mapping of your column headers to partner fields.")] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the good rows and report the bad ones.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write the row report as JSON here.")]
    = None,
    max_size_mb: Annotated[float, typer.Option(help="Refuse files larger than this.")] = 20.0,
    as_json: JsonOpt = False,
) -> None:
    """Validate and upsert partners by partner_id (all rows or none, unless --skip-invalid)."""
    if not (math.isfinite(max_size_mb) and max_size_mb > 0):
        fail(f"--max-size-mb: must be a positive number of megabytes (got {max_size_mb})")
    with user_errors():
        actor = act(Action.IMPORT)
        store = _open_store()
        try:
            result = import_file(
                store, file, history=history, mapping=mapping, skip_invalid=skip_invalid,
                max_bytes=int(max_size_mb * 1024 * 1024), report_path=report,
                progress_factory=progress_bar, actor=actor,
            )
        except ImportRejected as exc:
            _print_issues(exc.report.issues)
            raise
    counts = store.counts()

    def human() -> None:
        if result.issues:
            _print_issues(result.issues)
        out_console.print(
            f"imported {result.imported} of {result.rows} rows from {file.name}: "
            f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.skipped} skipped")
        out_console.print(f"partners in store: {counts['partners']}")
        if result.report_file:
            out_console.print(f"row report: {result.report_file}", markup=False)

    emit(result, as_json, human)


def _print_issues(issues: list[Any]) -> None:
    table = Table("row", "field", "problem", title="rows with problems", title_justify="left")
    for issue in issues[:50]:
        table.add_row(str(issue.row), issue.field, issue.reason)
    err_console.print(table)
    if len(issues) > 50:
        err_console.print(f"... and {len(issues) - 50} more (see --report)")


def _check_choice(field: str, value: str | None, choices: list[str]) -> str | None:
    if value is None:
        return None
    wanted = value.strip().lower()
    if wanted not in choices:
        fail(f"{field}: must be one of {', '.join(choices)} (got {shown(value)})")
    return wanted


@partners_app.command("search")
def search_partners(
    query: Annotated[str, typer.Argument(help="What you are looking for, in words.")],
    tier: Annotated[str | None, typer.Option(help="registered, silver, gold or platinum.")]
    = None,
    partner_type: Annotated[str | None, typer.Option("--type", help="Partner type.")] = None,
    region: Annotated[str | None, typer.Option(help="Region, e.g. EMEA.")] = None,
    industry: Annotated[str | None, typer.Option(help="Industry.")] = None,
    band: Annotated[str | None, typer.Option(
        help="priority, secondary or opportunistic.")] = None,
    k: Annotated[str, typer.Option("--k", help="How many hits, 1-100.")] = "5",
    as_json: JsonOpt = False,
) -> None:
    """Semantic search over partners, with exact filters."""
    tier = _check_choice("tier", tier, [t.value for t in Tier])
    partner_type = _check_choice("type", partner_type, [t.value for t in PartnerType])
    band = _check_choice("band", band, [b.value for b in Band])
    with user_errors():
        hits = _open_store().search_partners(
            query, k=parse_int_flag(k, "k", 1, 100), tier=tier, partner_type=partner_type,
            region=region, industry=industry, band=band)

    def human() -> None:
        if not hits:
            out_console.print("no partners match")
            return
        for hit in hits:
            p = hit.partner
            out_console.print(
                f"{p.partner_id}  {p.name}  ({p.partner_type.value}, {p.tier.value}, {p.region}, "
                f"{p.industry})  score {hit.score:.1f} {hit.band}  distance {hit.distance:.3f}",
                markup=False)

    emit([hit.model_dump(mode="json") for hit in hits], as_json, human)


@partners_app.command("show")
def show_partner(
    partner: Annotated[str, typer.Argument(help="Partner id, or a name (fuzzy).")],
    as_json: JsonOpt = False,
) -> None:
    """Show one partner by id, or by name when no id matches."""
    with user_errors():
        store = _open_store()
        found = store.get_partner(partner)
        if found is None:
            close = store.find_partners_by_name(partner, limit=3)
            if close and close[0][1] >= 90:
                found = close[0][0]
            else:
                guesses = ", ".join(f"{p.name} ({p.partner_id})" for p, s in close if s >= 50)
                hint = f"; did you mean: {guesses}?" if guesses else ""
                fail(f"partner: no partner with id or name {shown(partner)}{hint}")
    emit(found, as_json, lambda: _render_partner(found))


def _render_partner(partner: Any) -> None:
    score, band = score_and_band(partner)
    table = Table(show_header=False, title=f"{partner.name} ({partner.partner_id})",
                  title_justify="left")
    rows = [("type", partner.partner_type.value), ("tier", partner.tier.value),
            ("region", partner.region), ("industry", partner.industry),
            ("attractiveness", f"{score:.1f} ({band})"),
            ("annual pipeline", f"${partner.annual_pipeline_usd:,.0f}"),
            ("certified individuals", str(partner.certified_individuals)),
            ("dedicated practice", "yes" if partner.dedicated_practice else "no"),
            ("tier since", partner.tier_since or "-"), ("description", partner.description)]
    for key, value in rows:
        table.add_row(key, value)
    out_console.print(table)
    if partner.history:
        hist = Table("quarter", "pipeline (TTM)", "new pipeline", "certified", "practice")
        for q in partner.history:
            hist.add_row(q.quarter, f"${q.annual_pipeline_usd:,.0f}",
                         f"${q.new_pipeline_usd:,.0f}", str(q.certified_individuals),
                         "yes" if q.dedicated_practice else "no")
        out_console.print(hist)


@knowledge_app.command("search")
def search_knowledge(
    query: Annotated[str, typer.Argument(help="Your question or keywords.")],
    k: Annotated[str, typer.Option("--k", help="How many passages, 1-50.")] = "5",
    as_json: JsonOpt = False,
) -> None:
    """Framework passages nearest to the query, with their citations."""
    with user_errors():
        passages = _open_store().search_knowledge(query, k=parse_int_flag(k, "k", 1, 50))

    def human() -> None:
        if not passages:
            out_console.print("no passages (run `partnerpilot index` first)")
        for p in passages:
            out_console.print(f"[{p.doc_id} > {p.section}] {p.title} (distance {p.distance:.3f})",
                              markup=False)
            out_console.print(p.text[:400] + ("..." if len(p.text) > 400 else ""), markup=False)
            out_console.print()

    emit([p.model_dump(mode="json") for p in passages], as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``index``, ``partners`` and ``knowledge`` to the root app."""
    app.command("index")(index)
    app.add_typer(partners_app, name="partners")
    app.add_typer(knowledge_app, name="knowledge")
