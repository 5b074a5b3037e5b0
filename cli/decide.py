"""The ``decide`` command: build vs partner vs acquire (``tools.decisions``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.common import (
    JsonFlag,
    emit,
    load_mapping,
    out_console,
    user_errors,
)
from tools.decisions import DecisionResult, decide
from tools.errors import FrameworkError


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


def register(app: typer.Typer) -> None:
    """Add the command to the root app."""
    app.command("decide")(decide_command)
