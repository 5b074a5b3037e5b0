"""The ``score`` command: partner attractiveness from five criteria (``tools.scoring``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    JsonFlag,
    emit,
    load_mapping,
    make_table,
    out_console,
    parse_number_flag,
    user_errors,
)
from tools.errors import FrameworkError
from tools.scoring import CRITERIA, AttractivenessResult, score_partner


def _show_score(result: AttractivenessResult, values: dict[str, float]) -> None:
    table = make_table("Partner attractiveness", "criterion", "value", "weight %", "points")
    for key in CRITERIA:
        table.add_row(key, f"{values[key]:g}", f"{result.weights[key]:g}",
                      f"{result.contributions[key]:g}")
    out_console.print(table)
    out_console.print(f"Score: {result.score:.1f} ({result.band.value})")
    out_console.print(f"Weights: version {result.weights_version}")


def score(
    icp_overlap: Annotated[str | None, typer.Option(help="ICP client overlap, 0-100.")] = None,
    market_influence: Annotated[str | None, typer.Option(help="Market influence, 0-100.")] = None,
    practice_alignment: Annotated[
        str | None, typer.Option(help="Practice alignment, 0-100.")] = None,
    partnership_appetite: Annotated[
        str | None, typer.Option(help="Partnership appetite, 0-100.")] = None,
    revenue_potential: Annotated[
        str | None, typer.Option(help="Revenue potential, 0-100.")] = None,
    weights: Annotated[Path | None, typer.Option(
        help="JSON/YAML weights override: five criteria summing to 100.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Score a partner's attractiveness: five weighted criteria, a band, the contributions."""
    given = dict(zip(CRITERIA, (icp_overlap, market_influence, practice_alignment,
                                partnership_appetite, revenue_potential), strict=True))
    with user_errors():
        for key, value in given.items():
            if value is None:
                flag = "--" + key.replace("_", "-")
                raise FrameworkError(key, f"is required (pass {flag} 0-100)")
        values = {k: parse_number_flag(v, k) for k, v in given.items() if v is not None}
        override = load_mapping(weights) if weights else None
        result = score_partner(values, override)
    emit(result, as_json, lambda: _show_score(result, values))


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.command("score")(score)
