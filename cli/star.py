"""The ``star`` command: the STAR assessment from a file or flags (``tools.star``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    JsonFlag,
    emit,
    load_mapping,
    make_table,
    out_console,
    user_errors,
)
from tools.star import DIMENSIONS, StarResult, assess_star


def _show_star(result: StarResult) -> None:
    table = make_table(f"STAR assessment{': ' + result.partner if result.partner else ''}",
                   "dimension", "score")
    for dim in DIMENSIONS:
        table.add_row(dim, str(result.scores[dim]))
    out_console.print(table)
    out_console.print(f"Overall: {result.overall:.1f}, verdict: {result.verdict.value}")
    out_console.print(f"Weakest dimension: {result.weakest_dimension}")
    out_console.print(f"Reason: {result.reason}")
    for flag in result.red_flags:
        out_console.print(f"Red flag: {flag.code} ({flag.dimension}): {flag.message}")


def star(
    file: Annotated[Path | None, typer.Argument(
        help="JSON/YAML with the four dimensions as {score, evidence}.")] = None,
    partner: Annotated[str | None, typer.Option(help="Candidate partner name.")] = None,
    strategic_fit: Annotated[str | None, typer.Option(help="Score 1-5.")] = None,
    strategic_fit_evidence: Annotated[str | None, typer.Option(help="Evidence.")] = None,
    trust_and_culture: Annotated[str | None, typer.Option(help="Score 1-5.")] = None,
    trust_and_culture_evidence: Annotated[str | None, typer.Option(help="Evidence.")] = None,
    asset_complementarity: Annotated[str | None, typer.Option(help="Score 1-5.")] = None,
    asset_complementarity_evidence: Annotated[str | None, typer.Option(help="Evidence.")]
    = None,
    relationship_economics: Annotated[str | None, typer.Option(help="Score 1-5.")] = None,
    relationship_economics_evidence: Annotated[str | None, typer.Option(help="Evidence.")]
    = None,
    as_json: JsonFlag = False,
) -> None:
    """STAR assessment from a file or flags: overall, verdict, weakest dimension, red flags."""
    flags = {
        "strategic_fit": (strategic_fit, strategic_fit_evidence),
        "trust_and_culture": (trust_and_culture, trust_and_culture_evidence),
        "asset_complementarity": (asset_complementarity, asset_complementarity_evidence),
        "relationship_economics": (relationship_economics, relationship_economics_evidence),
    }
    with user_errors():
        data: dict[str, Any] = load_mapping(file) if file else {}
        for dim, (value, evidence) in flags.items():
            if value is not None or evidence is not None:
                entry = dict(data.get(dim) or {})
                if value is not None:
                    entry["score"] = value
                if evidence is not None:
                    entry["evidence"] = evidence
                data[dim] = entry
        if partner is not None:
            data["partner"] = partner
        result = assess_star(data)
    emit(result, as_json, lambda: _show_star(result))


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.command("star")(star)
