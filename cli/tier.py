"""The ``tier`` commands: the qualifying tier and the movement review (``tools.tiers``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    JsonFlag,
    emit,
    load_mapping,
    make_table,
    out_console,
    parse_date_flag,
    user_errors,
)
from tools.errors import FrameworkError
from tools.parsing import parse_usd
from tools.partners import Partner
from tools.tiers import TierCheck, TierReview, check_tier, review_tier

tier_app = typer.Typer(help="Partner tiers: qualifying tier and movement review.",
                       no_args_is_help=True)


def _show_check(result: TierCheck) -> None:
    out_console.print(f"Tier: {result.tier.value}")
    if result.next_tier is None:
        out_console.print("Next tier: none (top tier)")
    else:
        out_console.print(f"Next tier: {result.next_tier.value}, missing:")
        for item in result.missing:
            out_console.print(f"  - {item}")
    table = make_table(f"{result.tier.value.title()} tier", "benefits", "commitments")
    rows = max(len(result.benefits), len(result.commitments))
    for i in range(rows):
        table.add_row(result.benefits[i] if i < len(result.benefits) else "",
                      result.commitments[i] if i < len(result.commitments) else "")
    out_console.print(table)


@tier_app.command("check")
def tier_check(
    pipeline_usd: Annotated[str | None, typer.Option(
        help="Annual (trailing 12 months) pipeline: 500000, 500K, $1.2M.")] = None,
    certified: Annotated[str | None, typer.Option(help="Certified individuals.")] = None,
    dedicated_practice: Annotated[bool, typer.Option(
        help="The partner runs a dedicated practice or centre of excellence.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Qualifying tier for one quarter's figures, and what the next tier needs."""
    with user_errors():
        data: dict[str, Any] = {"dedicated_practice": dedicated_practice}
        if pipeline_usd is not None:
            data["annual_pipeline_usd"] = parse_usd(pipeline_usd, "pipeline_usd")
        if pipeline_usd is None or certified is None:
            name = "pipeline_usd" if pipeline_usd is None else "certified"
            raise FrameworkError(name, f"is required (pass --{name.replace('_', '-')})")
        data["certified_individuals"] = certified
        result = check_tier(data)
    emit(result, as_json, lambda: _show_check(result))


def _show_review(result: TierReview) -> None:
    to = result.to_tier.value if result.to_tier else "out of the program"
    out_console.print(f"Action: {result.action.value} ({result.from_tier.value} -> {to})")
    out_console.print(f"Reason: {result.reason}")
    out_console.print("Quarters considered: " + (", ".join(result.quarters_considered) or "none"))


@tier_app.command("review")
def tier_review(
    file: Annotated[Path, typer.Argument(
        help="JSON/YAML: a partner record, or {current_tier, tier_since?, history}.")],
    as_of: Annotated[str | None, typer.Option(help="Review date, YYYY-MM-DD (default today).")]
    = None,
    as_json: JsonFlag = False,
) -> None:
    """Apply the tier movement rules (promote, hold, warn, demote, exit) as of a date."""
    with user_errors():
        when = parse_date_flag(as_of, "as_of") if as_of else date.today()
        data = load_mapping(file)
        record: Any = Partner.model_validate(data) if "partner_id" in data else data
        result = review_tier(record, when)
    emit(result, as_json, lambda: _show_review(result))


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.add_typer(tier_app, name="tier")
