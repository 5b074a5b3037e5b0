"""One planner spec per intent: the registry's tools plus ``help`` and ``refuse``.

A spec holds what the planner knows about an intent besides the tool itself: its exemplars
(``prompts/intents.yaml``, keyed by intent name), what kind of intent it is, and how to name
it in a clarifying question. The tools' input models, run functions and descriptions stay in
:mod:`agent.registry`; this module fails at import when the two lists disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

import yaml

from agent.planner.features import Features
from agent.registry import TOOLS

HELP = "help"
REFUSE = "refuse"
FRAMEWORK = "search_framework"
PARTNER_PLACEHOLDER = "{partner}"
#: The name an exemplar's ``{partner}`` is replaced with before it is embedded.
EXEMPLAR_PARTNER_NAME = "Northwind Partners"

Kind = Literal["knowledge", "act", "lookup", "document", "meta"]


@dataclass(frozen=True)
class IntentSpec:
    """What the planner knows about one intent.

    Args:
        name: The tool name (or ``help`` / ``refuse``).
        kind: ``knowledge`` (cite the framework), ``act`` (compute from stated inputs or a
            stored partner), ``lookup`` (read the store), ``document`` (draft), ``meta``.
        label: How a clarifying question names it ("a review of whether it should move").
        exemplars: Example requests; ``{partner}`` marks where a stored partner is named.
        signals: How much each typed signal (:class:`agent.planner.features.Features`) adds to
            this intent's score; a negative weight counts against it.
    """

    name: str
    kind: Kind
    label: str
    exemplars: tuple[str, ...]
    signals: dict[str, float]


#: Signal weights every intent of a kind shares (an intent's own weights add to these).
KIND_SIGNALS: dict[str, dict[str, float]] = {
    "knowledge": {"question": 0.15, "inputless_question": 0.3, "rules": 0.15,
                  "our_partners": -0.15,
                  "doc_question": 0.3, "request": -0.1, "criteria": -0.5,
                  "tier_figures": -0.35, "star_scores": -0.5, "partner": -0.2,
                  "doc_request": -0.5, "what_if": -0.1},
    "act": {"inputless_question": -0.45, "doc_request": -0.4},
    "lookup": {"inputless_question": -0.15, "doc_request": -0.4, "criteria": -0.3},
    "document": {"inputless_question": -0.3, "question": -0.1},
    "meta": {},
}
#: Added to the one drafting tool whose document the message names and asks for.
NAMED_DOCUMENT = 0.8
#: Added to the one document whose own inputs the message states (doc_signals.py).
DOC_INPUTS = 0.6


_INTENTS: dict[str, tuple[Kind, str, dict[str, float]]] = {
    FRAMEWORK: ("knowledge", "what the framework says about it", {}),
    "find_partners": ("lookup", "a list of matching partners from the store",
                      {"listing": 0.35, "filters": 0.15, "partner": -0.15, "rules": -0.1,
                       "competitor": -0.3, "sponsor": -0.3}),
    "show_partner": ("lookup", "the partner's full record",
                     {"partner_show": 0.45, "attribute_ask": 0.55, "only_name": 0.9,
                      "partner": 0.1}),
    "score_partner": ("act", "an attractiveness score",
                      {"criteria": 0.6, "partner_score": 0.45, "score_word": 0.1,
                       "score_request": 0.3}),
    "assess_star": ("act", "a STAR assessment", {"star_scores": 0.6, "star": 0.2}),
    "check_tier": ("act", "the tier these figures qualify for now",
                   {"tier_figures": 0.45, "tier_word": 0.1, "partner_tier": 0.3,
                    "qualify": 0.8, "movement": -0.25, "attribute_ask": -0.3}),
    "review_tier": ("act", "a tier review of whether the partner should move",
                    {"partner_tier": 0.1, "movement": 0.1, "partner_movement": 0.55,
                     "tier_figures": -0.3}),
    "portfolio_summary": ("lookup", "a summary of the whole partner portfolio",
                          {"portfolio": 0.4, "partner": -0.2}),
    "recommend_model": ("act", "a recommended partnership model", {"needs": 0.35}),
    "build_partner_acquire": ("act", "a build, partner or acquire decision",
                              {"decision": 0.5}),
    "check_program": ("act", "a check of your program against the quality rules",
                      {"program": 0.4}),
    "account_overlap": ("lookup", "the account overlap with that partner's customers",
                        {"accounts": 0.25, "partner_accounts": 0.7, "needs": -0.3,
                         "inputless_question": -0.35, "score_word": -0.7,
                         "question": -0.25}),
    "draft_thesis": ("document", "a drafted partnership thesis", {}),
    "draft_term_sheet": ("document", "a drafted term sheet", {}),
    "draft_brief": ("document", "a drafted strategy brief", {}),
    "draft_scorecard": ("document", "a drafted evaluation scorecard", {}),
    "draft_operating_plan": ("document", "a drafted 90-day operating plan", {}),
    "draft_governance_playbook": ("document", "a drafted governance playbook", {}),
    "draft_okrs": ("document", "drafted OKRs", {}),
    "board_dashboard": ("document", "a board dashboard of KPIs against targets", {}),
    "landscape_map": ("document", "a landscape map of the stored partners",
                      {"our_partners": 0.3}),
    "competitor_map": ("document", "a map of competitors' partner ecosystems",
                       {"competitor": 0.6, "listing": 0.2}),
    "relationship_map": ("document", "an executive sponsor map of the Platinum partners",
                         {"sponsor": 0.6, "listing": 0.2}),
    "partnership_roadmap": ("document", "a four-quarter partnership roadmap", {}),
    "value_canvas": ("document", "a value canvas with the value-capture questions", {}),
    REFUSE: ("meta", "nothing: that is outside the framework",
             {"refuse": 0.8, "invent": 0.4, "off_topic": 0.3, "partner": -0.4, "criteria": -0.4,
              "tier_figures": -0.3, "document": -0.3, "star": -0.3}),
    HELP: ("meta", "an overview of what I can do", {"greeting": 1.0}),
}


def _load_exemplars() -> dict[str, list[str]]:
    text = resources.files("prompts").joinpath("intents.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise TypeError("prompts/intents.yaml must map intent names to lists of exemplars")
    return data


def _build() -> dict[str, IntentSpec]:
    exemplars = _load_exemplars()
    expected = set(TOOLS) | {HELP, REFUSE}
    if set(_INTENTS) != expected:
        raise TypeError("planner specs and the tool registry disagree: "
                        f"{sorted(set(_INTENTS) ^ expected)}")
    if set(exemplars) != expected:
        raise TypeError("prompts/intents.yaml and the tool registry disagree: "
                        f"{sorted(set(exemplars) ^ expected)}")
    specs: dict[str, IntentSpec] = {}
    known = set(Features.__dataclass_fields__)
    for name, (kind, label, own) in _INTENTS.items():
        texts = exemplars[name]
        if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
            raise TypeError(f"prompts/intents.yaml: {name} needs a list of exemplar strings")
        signals = dict(KIND_SIGNALS[kind])
        for key, weight in own.items():
            signals[key] = signals.get(key, 0.0) + weight
        unknown = set(signals) - known
        if unknown:
            raise TypeError(f"planner spec {name}: unknown signals {sorted(unknown)}")
        specs[name] = IntentSpec(name, kind, label, tuple(texts), signals)
    return specs


SPECS: dict[str, IntentSpec] = _build()
