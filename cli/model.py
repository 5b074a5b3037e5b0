"""The ``model`` commands: the partnership models and the recommender (``tools.models``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.common import (
    JsonFlag,
    emit,
    make_table,
    out_console,
    user_errors,
)
from tools.models import PARTNERSHIP_MODELS, ModelRecommendation, recommend_model

model_app = typer.Typer(help="Partnership models and the model recommender.",
                        no_args_is_help=True)


def _show_models(result: ModelRecommendation) -> None:
    table = make_table("Recommended partnership models", "#", "model", "fit", "commitment",
                   "revenue mechanism", "why")
    for rec in result.recommendations:
        table.add_row(str(rec.rank), rec.name, str(rec.fit), rec.commitment.value,
                      rec.revenue_mechanism, "; ".join(rec.reasons))
    out_console.print(table)
    for rec in result.recommendations:
        out_console.print(f"{rec.rank}. {rec.name}: {rec.revenue_mechanism}")
    for item in result.excluded:
        out_console.print(f"Excluded: {item}")


@model_app.command("recommend")
def model_recommend(
    need: Annotated[list[str] | None, typer.Option(
        help="A need (repeatable): lead_generation, resale_capacity, joint_selling, "
             "delivery_capacity, embed_in_partner_product, new_market_entry, "
             "technical_integration.")] = None,
    low_commitment: Annotated[bool, typer.Option(help="Prefer low commitment.")] = False,
    shared_investment: Annotated[bool, typer.Option(
        help="Both sides will invest jointly.")] = False,
    max_commitment: Annotated[str | None, typer.Option(
        help="Exclude models above this commitment level.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Rank the partnership models for a stated need, with fee ranges and reasons."""
    with user_errors():
        data: dict[str, Any] = {"needs": [n.strip().replace("-", "_") for n in need or []],
                                "wants_low_commitment": low_commitment,
                                "shared_investment": shared_investment}
        if max_commitment is not None:
            data["max_commitment"] = max_commitment
        result = recommend_model(data)
    emit(result, as_json, lambda: _show_models(result))


@model_app.command("list")
def model_list(as_json: JsonFlag = False) -> None:
    """List the partnership models, their revenue mechanisms and commitment levels."""
    models = [m.model_dump(mode="json") for m in PARTNERSHIP_MODELS.values()]

    def human() -> None:
        table = make_table("Partnership models", "model", "best for", "revenue mechanism",
                       "commitment")
        for m in PARTNERSHIP_MODELS.values():
            table.add_row(m.name, m.best_for, m.revenue_mechanism, m.commitment.value)
        out_console.print(table)

    emit(models, as_json, human)


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.add_typer(model_app, name="model")
