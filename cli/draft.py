"""``partnerpilot draft KIND``: build a document from a YAML/JSON file and flags, render it.

Inputs merge in this order, later winning: the ``--input`` file, the kind's handy flags
(e.g. ``--company``), then ``--set key=value`` pairs (dotted keys reach nested fields,
e.g. ``--set economics.fee_pct=10``). Without ``--out`` the Markdown is printed; with it the
file is written (DOCX or Markdown by extension) and its path printed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import fail, user_errors, whole_number
from cli.deck import draft_board_deck
from knowledge.files import SyntaxProblem, load_fields, parse_text
from knowledge.settings import get_settings
from tools.documents import DOCUMENT_KINDS, get_kind, render_docx, render_markdown
from tools.errors import FrameworkError
from tools.text import slugify

draft_app = typer.Typer(
    name="draft",
    help="Draft partnership documents (thesis, brief, scorecard, term sheet, 90-day plan, "
         "governance playbook, OKRs, board documents) as Markdown or DOCX, and the board "
         "deck as PPTX.",
    no_args_is_help=True,
)

InputOpt = Annotated[Path | None, typer.Option(
    "--input", "-i", help="YAML or JSON file with the document's fields.")]
SetOpt = Annotated[list[str] | None, typer.Option(
    "--set", "-s", help="Set one field: key=value (dotted keys for nested fields).")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Write to this file (.md or .docx) and print its path.")]
FormatOpt = Annotated[str | None, typer.Option(
    "--format", "-f", help="md or docx (default: from --out, else md).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print kind, model, markdown and path.")]
CompanyOpt = Annotated[str | None, typer.Option("--company", help="Our company name.")]
PartnerOpt = Annotated[str | None, typer.Option("--partner", help="The partner company.")]
YAML_SCALARS = (int, float, list, dict)


def load_input(path: Path | None) -> dict[str, Any]:
    """Read the ``--input`` file (YAML or JSON) into a dict.

    Raises:
        FrameworkError: When the file is not YAML/JSON or not a mapping of fields.
    """
    if path is None:
        return {}
    return load_fields(path, "--input")


def _scalar(raw: str, field: str) -> Any:
    """Parse a --set value: numbers, lists and true/false are typed, everything else is text.

    Raises:
        FrameworkError: Naming ``field`` for a value nested too deep or a too long integer.
    """
    try:
        value = parse_text(raw, field)
    except SyntaxProblem:
        return raw
    if isinstance(value, bool):
        return value if raw.strip().lower() in ("true", "false") else raw
    return value if isinstance(value, YAML_SCALARS) else raw


def apply_set(data: dict[str, Any], pair: str) -> None:
    """Apply one ``key=value`` pair to ``data`` in place (dotted keys create nested dicts).

    Raises:
        FrameworkError: Naming ``--set`` when the pair has no ``=`` or an empty key.
    """
    key, sep, raw = pair.partition("=")
    parts = [part.strip() for part in key.split(".")]
    if not sep or not all(parts):
        raise FrameworkError("--set", "must be key=value, e.g. company=Acme", pair)
    node: Any = data
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise FrameworkError(f"--set {key}", "does not name a nested field", pair)
        node = node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = _scalar(raw, f"--set {key}")
    elif isinstance(node, dict):
        node[last] = _scalar(raw, f"--set {key}")
    else:
        raise FrameworkError(f"--set {key}", "does not name a nested field", pair)


def _format(out: Path | None, fmt: str | None) -> str:
    if fmt is not None:
        if fmt.lower() not in ("md", "docx"):
            raise FrameworkError("--format", "must be md or docx", fmt)
        return fmt.lower()
    if out is None:
        return "md"
    suffix = out.suffix.lower()
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix == ".docx":
        return "docx"
    raise FrameworkError("--out", "must end in .md or .docx (or pass --format)", str(out))


def _default_out(kind: str, data: dict[str, Any], fmt: str) -> Path:
    name = "-".join(slugify(str(data[key])) for key in ("company", "partner") if data.get(key))
    return Path(get_settings().data_dir) / "documents" / f"{kind}-{name or 'draft'}.{fmt}"


def run_draft(kind: str, input_path: Path | None, flags: dict[str, Any], sets: list[str] | None,
              out: Path | None, fmt: str | None, as_json: bool) -> None:
    """Merge inputs, build and render the document, then print or write it."""
    with user_errors():
        spec = get_kind(kind)
        data = load_input(input_path)
        data.update({key: value for key, value in flags.items()
                     if value is not None and value != []})
        for pair in sets or []:
            apply_set(data, pair)
        chosen = _format(out, fmt)
        doc = spec.builder(data)
        markdown = render_markdown(doc)
        path = out
        if path is None and chosen == "docx":
            path = _default_out(spec.name, data, chosen)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if chosen == "docx":
                path.write_bytes(render_docx(doc))
            else:
                path.write_text(markdown, encoding="utf-8")
    if as_json:
        payload = {"kind": spec.name, "model": doc.model_dump(mode="json"),
                   "markdown": markdown, "path": str(path) if path else None}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    elif path is not None:
        typer.echo(f"wrote {path}")
    else:
        typer.echo(markdown, nl=False)


@draft_app.command("thesis")
def draft_thesis(
    input_path: InputOpt = None,
    company: CompanyOpt = None,
    share: Annotated[float | None, typer.Option(
        "--share", help="Partner-led share of total ARR, percent.")] = None,
    years: Annotated[int | None, typer.Option(
        "--years", parser=whole_number(1, 100), help="Years to reach it.")] = None,
    partner_type: Annotated[list[str] | None, typer.Option(
        "--partner-type", help="A kind of partner (repeat for more).")] = None,
    icp: Annotated[str | None, typer.Option("--icp", help="Ideal customer profile.")] = None,
    market: Annotated[list[str] | None, typer.Option(
        "--market", help="A target market (repeat for more).")] = None,
    model: Annotated[list[str] | None, typer.Option(
        "--model", help="A partnership model to prioritize (repeat for more).")] = None,
    north_star: Annotated[str | None, typer.Option(
        "--north-star", help="The north-star metric.")] = None,
    sets: SetOpt = None, out: OutOpt = None, fmt: FormatOpt = None, as_json: JsonOpt = False,
) -> None:
    """Draft a partnership thesis statement."""
    flags = {"company": company, "partner_led_share_pct": share, "years": years,
             "partner_types": partner_type, "icp": icp, "markets": market,
             "prioritized_models": model, "north_star_metric": north_star}
    run_draft("thesis", input_path, flags, sets, out, fmt, as_json)


@draft_app.command("term-sheet")
def draft_term_sheet(
    input_path: InputOpt = None,
    company: CompanyOpt = None,
    partner: PartnerOpt = None,
    model: Annotated[str | None, typer.Option(
        "--model", help="Partnership model (referral, reseller, co_sell, ...).")] = None,
    fee_pct: Annotated[float | None, typer.Option(
        "--fee-pct", help="Fee or margin, percent; must be in the model's range.")] = None,
    sets: SetOpt = None, out: OutOpt = None, fmt: FormatOpt = None, as_json: JsonOpt = False,
) -> None:
    """Draft a partnership term sheet (operating model, economics, governance, IP, exit)."""
    flags: dict[str, Any] = {"company": company, "partner": partner, "model": model}
    sets = list(sets or [])
    if fee_pct is not None:
        sets.insert(0, f"economics.fee_pct={fee_pct}")
    run_draft("term-sheet", input_path, flags, sets, out, fmt, as_json)


def _simple(kind: str, with_partner: bool, doc: str) -> None:
    """Register a draft command whose only handy flags are --company (and --partner)."""
    spec = DOCUMENT_KINDS[kind]

    def command(input_path: InputOpt = None, company: CompanyOpt = None,
                partner: PartnerOpt = None, sets: SetOpt = None, out: OutOpt = None,
                fmt: FormatOpt = None, as_json: JsonOpt = False) -> None:
        if partner is not None and not with_partner:
            fail(f"--partner: is not a field of a {spec.title.lower()}")
        run_draft(kind, input_path, {"company": company, "partner": partner}, sets, out,
                  fmt, as_json)

    command.__doc__ = doc
    draft_app.command(kind)(command)


_simple("brief", False, "Draft a strategy brief; runs the build vs partner vs acquire rules.")
_simple("scorecard", False, "Draft a partner scorecard: attractiveness and STAR per candidate.")
_simple("operating-plan", True, "Draft a joint 90-day operating plan.")
_simple("governance-playbook", False, "Draft a governance playbook: RACI, cadence, escalation.")
_simple("okrs", False, "Draft partnership OKRs (leading and lagging key results).")
_simple("board-dashboard", False, "Draft the board dashboard: KPIs against targets, ROI, risk.")
_simple("landscape-map", False, "Draft the partner landscape map (tiers A, B and C).")
_simple("competitor-map", False, "Draft the competitor partner ecosystem map.")
_simple("roadmap", False, "Draft the four-quarter partnership roadmap.")
_simple("relationship-map", False, "Draft the executive relationship (sponsor) map.")
_simple("value-canvas", True, "Draft the value canvas; checks the term sheet's value capture.")
draft_app.command("board-deck")(draft_board_deck)


def register(app: typer.Typer) -> None:
    """Add the ``draft`` command group to the root app."""
    app.add_typer(draft_app, name="draft")
