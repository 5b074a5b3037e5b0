"""Every narration template of the offline planner renders with fixture data from the real
framework tools, and a missing variable fails loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.planner import narrate
from tools.account_match import account_overlap
from tools.accounts import Account


def narration_contexts() -> dict[str, dict[str, Any]]:
    """Fixture data for every narration template, from the real framework tools."""
    from datetime import date

    from knowledge.sample import load_sample_partners
    from tools.decisions import decide
    from tools.models import recommend_model
    from tools.scoring import score_partner
    from tools.star import assess_star
    from tools.tiers import check_tier, review_tier

    partner = next(p for p in load_sample_partners() if p.partner_id == "P-0008")
    criteria = partner.criteria()
    star = {d: {"score": 4, "evidence": "seen"} for d in (
        "strategic_fit", "trust_and_culture", "asset_complementarity", "relationship_economics")}
    dump = lambda model: model.model_dump(mode="json")  # noqa: E731
    return {
        "score_partner": {"out": {"partner_id": partner.partner_id, "partner_name": partner.name,
                                  "inputs": criteria, "result": dump(score_partner(criteria))}},
        "check_tier": {"out": dump(check_tier({"annual_pipeline_usd": 600_000,
                                               "certified_individuals": 3})),
                       "partner_name": None},
        "review_tier": {"out": dump(review_tier(partner, date(2026, 9, 30))),
                        "partner_name": partner.name, "as_of": "2026-Q3"},
        "show_partner": {"out": {"partner": dump(partner), "score": 68.9,
                                 "band": "secondary"}},
        "find_partners": {"out": {"query": "q", "count": 1, "partners": [{
            "partner_id": "P-0008", "name": partner.name, "partner_type": "gsi",
            "tier": "gold", "region": "EMEA", "industry": "telecom", "score": 68.9,
            "band": "secondary"}]}, "filters": "tier gold"},
        "portfolio_summary": {"out": {"partners": 2, "by_tier": {"gold": 2},
                                      "by_type": {"gsi": 2}, "by_region": {"EMEA": 2},
                                      "by_band": {"secondary": 2}, "average_score": 61.5,
                                      "review_actions": {"hold": 1, "warn": 1},
                                      "needs_attention": [{"partner_id": "P-0008",
                                                           "name": partner.name,
                                                           "action": "warn"}]},
                              "filters": ""},
        "assess_star": {"out": dump(assess_star({"partner": "X", **star}))},
        "recommend_model": {"out": dump(recommend_model({"needs": ["lead_generation"]}))},
        "build_partner_acquire": {"out": dump(decide({"capability": "analytics"}))},
        "document": {"out": {"kind": "thesis", "title": "Partnership thesis",
                             "markdown_path": "a.md", "docx_path": "a.docx"}},
        "check_program": {"out": {"passed": False, "findings": [
            {"rule_id": "QR-1", "rule": "r", "passed": False, "message": "no thesis"}]}},
        "tool_error": {"tool": "score_partner", "error": "icp_overlap: too big"},
        "account_overlap": {"out": dump(account_overlap(
            [Account(name="Acme", domain="acme.com")], [Account(name="Acme Inc",
                                                                domain="acme.com")],
            "P-1", "Partner One"))},
        "refuse": {"invent": True},
        "help": {},
        "framework_answer": {"sentences": []},
        "did_you_mean": {"asked": "Kestrel", "name": partner.name, "partner_id": "P-0008"},
        "cancelled": {},
        "followup": {"tool": "check_tier", "missing": ["annual_pipeline_usd"], "context": {}},
        "clarify": {"first": "a tier check", "second": "a tier review"},
        "changed": {"changed": {"icp_overlap": [60, 90]}, "carried": {"model": "referral"}},
        **board_narration_contexts(),
    }


def board_narration_contexts() -> dict[str, dict[str, Any]]:
    """The board tools' narrations, over documents built from the examples."""
    from tools.documents import build_document

    examples = Path(__file__).resolve().parents[1] / "examples"
    out: dict[str, dict[str, Any]] = {}
    for tool, kind in (("board_dashboard", "board-dashboard"), ("landscape_map", "landscape-map"),
                       ("competitor_map", "competitor-map"),
                       ("relationship_map", "relationship-map"),
                       ("partnership_roadmap", "roadmap"), ("value_canvas", "value-canvas")):
        data = yaml.safe_load((examples / f"draft_{kind.replace('-', '_')}.yaml").read_text())
        doc = build_document(kind, data).model_dump(mode="json")
        out[tool] = {"out": {"kind": kind, "title": kind, "document": doc,
                             "markdown_path": "a.md", "docx_path": "a.docx"}}
    return out


def test_every_narration_template_renders_with_fixture_data() -> None:
    contexts = narration_contexts()
    names = [n.removesuffix(".j2") for n in narrate.template_names()]
    assert sorted(names) == sorted(contexts)
    for name in names:
        text = narrate.render(name, **contexts[name])
        assert text.strip(), name


def test_a_missing_template_variable_fails_loudly() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        narrate.render("did_you_mean", asked="x")
