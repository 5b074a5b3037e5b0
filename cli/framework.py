"""Framework commands: score, tier check/review, star, decide, model, program.

A thin shell over ``tools``: parse flags or a YAML/JSON file, call the pure function, print
a rich table or ``--json``. Every bad input ends as one ``error: field: problem`` line on
stderr with exit status 2 (see ``cli.common``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import JsonFlag, emit, load_mapping, make_table, out_console, user_errors
from tools.decisions import DecisionResult, decide
from tools.errors import FrameworkError
from tools.models import PARTNERSHIP_MODELS, ModelRecommendation, recommend_model
from tools.parsing import parse_usd
from tools.scoring import CRITERIA, AttractivenessResult, score_partner
from tools.star import DIMENSIONS, StarResult, assess_star
from tools.tiers import TierCheck, TierReview, check_tier, review_tier

tier_app = typer.Typer(help="Partner tiers: qualifying tier and movement review.",
                       no_args_is_help=True)
model_app = typer.Typer(help="Partnership models and the model recommender.",
                        no_args_is_help=True)


def parse_number(text: str, field: str) -> float:
    """Parse a plain number, naming ``field`` on error."""
    try:
        return float(text)
    except ValueError:
        raise FrameworkError(field, "must be a number", text) from None


def parse_date(text: str, field: str) -> date:
    """Parse ``YYYY-MM-DD``, naming ``field`` on error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FrameworkError(field, "must be a date like 2026-09-30", text) from None


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
        values = {k: parse_number(v, k) for k, v in given.items() if v is not None}
        override = load_mapping(weights) if weights else None
        result = score_partner(values, override)
    emit(result, as_json, lambda: _show_score(result, values))



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
    from tools.partners import Partner

    with user_errors():
        when = parse_date(as_of, "as_of") if as_of else date.today()
        data = load_mapping(file)
        record: Any = Partner.model_validate(data) if "partner_id" in data else data
        result = review_tier(record, when)
    emit(result, as_json, lambda: _show_review(result))



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



def _show_decision(result: DecisionResult) -> None:
    entry = result.log_entry
    out_console.print(f"DECISION [{entry.decision_id}]: {entry.capability}")
    out_console.print(f"Decision: {result.decision.value.upper()}")
    out_console.print(f"Rule fired: {result.rule_fired or 'none'}")
    out_console.print(f"Rationale: {result.rationale}")
    if entry.partner_considered:
        out_console.print(f"Partner considered: {entry.partner_considered}")
    out_console.print(f"Review: {entry.review}")
    for item in result.missing:
        out_console.print(f"Missing: {item}")
    for warning in result.warnings:
        out_console.print(f"Warning: {warning}")


_BOOL_FACTS = (
    "core_to_differentiation", "engineering_capacity", "adjacent_complementary",
    "strong_partner_serves_icp", "partner_economics_positive", "critical_to_market_position",
    "acquisition_target_within_budget", "new_market_entry", "partner_has_local_presence",
    "revenue_scale_justifies_jv", "finance_reviewed",
)


def decide_command(
    file: Annotated[Path | None, typer.Argument(help="JSON/YAML with the decision facts.")]
    = None,
    capability: Annotated[str | None, typer.Option(help="Capability or market.")] = None,
    fact: Annotated[list[str] | None, typer.Option(
        "--fact", help="A fact that holds, e.g. --fact core_to_differentiation (repeatable).")]
    = None,
    months_to_build: Annotated[str | None, typer.Option(help="Months to build it.")] = None,
    partner_considered: Annotated[str | None, typer.Option(help="Partner considered.")] = None,
    decision_id: Annotated[str | None, typer.Option(help="Log id, e.g. D-004.")] = None,
    previous_id: Annotated[list[str] | None, typer.Option(
        "--previous-id", help="An id already in the log (repeatable).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Build vs partner vs acquire, with the rule that fired and a decision-log entry."""
    with user_errors():
        data: dict[str, Any] = load_mapping(file) if file else {}
        for name in fact or []:
            key = name.strip().replace("-", "_")
            if key not in _BOOL_FACTS:
                raise FrameworkError("fact", "must be one of " + ", ".join(_BOOL_FACTS), name)
            data[key] = True
        extras = {"capability": capability, "partner_considered": partner_considered,
                  "decision_id": decision_id}
        data.update({k: v for k, v in extras.items() if v is not None})
        if months_to_build is not None:
            data["months_to_build"] = months_to_build
        if previous_id:
            data["previous_ids"] = [*data.get("previous_ids", []), *previous_id]
        result = decide(data)
    emit(result, as_json, lambda: _show_decision(result))



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
    """Add the framework commands to the root app."""
    app.command("score")(score)
    app.command("star")(star)
    app.command("decide")(decide_command)
    app.add_typer(tier_app, name="tier")
    app.add_typer(model_app, name="model")
