"""``partnerpilot draft board-deck``: the quarterly board deck as a PPTX file.

The input file holds the dashboard's and the roadmap's fields; the landscape (and so the
portfolio pyramid) and, unless the file lists them, the dashboard's partners come from the
partner store. :mod:`cli.draft` adds the command to its group.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import load_mapping, parse_date_flag, user_errors
from knowledge import board
from knowledge.settings import get_settings
from knowledge.store import Store
from tools.documents.deck import build_board_deck, render_pptx
from tools.errors import FrameworkError
from tools.text import slugify


def draft_board_deck(
    input_path: Annotated[Path, typer.Option(
        "--input", "-i", help="YAML/JSON with dashboard and roadmap fields.")],
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the deck here (.pptx; default under the data folder).")]
    = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Date of the report, YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the deck's data and path.")]
    = False,
) -> None:
    """Write the board deck (PPTX): dashboard, KPIs, tier pyramid, landscape, roadmap."""
    with user_errors():
        day = date.today() if as_of is None else parse_date_flag(as_of, "--as-of")
        if out is not None and out.suffix.lower() != ".pptx":
            raise FrameworkError("--out", "must end in .pptx", str(out))
        data: dict[str, Any] = load_mapping(input_path)
        partners = Store.open(check_embedder=False).all_partners()
        dashboard = data.get("dashboard")
        if isinstance(dashboard, dict):
            data["dashboard"] = board.dashboard_input(dashboard, partners, day)
        company = dashboard.get("company") if isinstance(dashboard, dict) else None
        if "landscape" not in data:
            data["landscape"] = board.landscape_input(partners, company, day)
        deck = build_board_deck(data)
        path = out or (Path(get_settings().data_dir) / "documents"
                       / f"board-deck-{slugify(deck.dashboard.company)}.pptx")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render_pptx(deck))
    if as_json:
        typer.echo(json.dumps({"kind": "board-deck", "model": deck.model_dump(mode="json"),
                               "path": str(path)}, indent=2, ensure_ascii=False))
    else:
        typer.echo(f"wrote {path}")
