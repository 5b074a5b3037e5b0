"""The tool registry: every tool, its schema, validation, errors and the LangChain wrappers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from snapshot import assert_snapshot

from agent.events import Citation, DocumentProduced, ToolCall, ToolResult
from agent.registry import TOOLS, as_langchain_tools, execute
from agent.toolset import DATA_NOTE, Deps, ExecutedTool
from knowledge.settings import Settings
from knowledge.store import Store

SNAPSHOT = Path(__file__).parent / "data" / "toolset_schemas.json"
EXPECTED = {
    "search_framework", "find_partners", "show_partner", "score_partner", "assess_star",
    "check_tier", "review_tier", "portfolio_summary", "recommend_model",
    "build_partner_acquire", "draft_thesis", "draft_term_sheet", "draft_brief",
    "draft_scorecard", "draft_operating_plan", "draft_governance_playbook", "draft_okrs",
    "check_program", "board_dashboard", "landscape_map", "competitor_map", "relationship_map",
    "partnership_roadmap", "value_canvas", "account_overlap",
}
CRITERIA = {"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
            "partnership_appetite": 60, "revenue_potential": 50}


@pytest.fixture
def deps(indexed_store: Store, tmp_path: Path) -> Deps:
    return Deps(Settings(data_dir=tmp_path), store=indexed_store, output_dir=tmp_path / "docs")


def test_registry_covers_every_tool_and_all_resolve() -> None:
    assert set(TOOLS) == EXPECTED
    for spec in TOOLS.values():
        assert spec.description and "{" not in spec.description
        assert spec.input_model.model_json_schema()["type"] == "object"


def test_schemas_match_the_snapshot() -> None:
    schemas = {name: {"description": spec.description, "parameters": spec.json_schema()}
               for name, spec in sorted(TOOLS.items())}
    text = json.dumps(schemas, indent=1, sort_keys=True) + "\n"
    assert_snapshot(SNAPSHOT, text)


def test_score_from_criteria_needs_no_store(tmp_path: Path) -> None:
    done = execute("score_partner", CRITERIA, Deps(Settings(data_dir=tmp_path)))
    assert done.ok
    assert done.output_data()["result"]["score"] == 74.5
    assert done.output_data()["result"]["band"] == "secondary"
    assert [type(e) for e in done.events()] == [ToolCall, ToolResult]


@pytest.mark.parametrize(("name", "args", "message"), [
    ("score_partner", {**CRITERIA, "icp_overlap": 120}, "icp_overlap: "),
    ("score_partner", {"icp_overlap": 80}, "missing market_influence"),
    ("score_partner", {**CRITERIA, "weights": {"icp_overlap": 100}}, "weights"),
    ("score_partner", {**CRITERIA, "colour": "red"}, "colour: "),
    ("check_tier", {"annual_pipeline_usd": -5, "certified_individuals": 1},
     "annual_pipeline_usd: "),
    ("nope", {}, "unknown tool 'nope'"),
])
def test_bad_input_is_an_error_naming_the_field(tmp_path: Path, name: str,
                                                 args: dict[str, Any], message: str) -> None:
    done = execute(name, args, Deps(Settings(data_dir=tmp_path)))
    assert not done.ok and done.result is None
    assert message in (done.error or "")
    assert done.content().startswith("error: ")


def test_check_tier_from_figures(tmp_path: Path) -> None:
    done = execute("check_tier", {"annual_pipeline_usd": 0, "certified_individuals": 0},
                   Deps(Settings(data_dir=tmp_path)))
    assert done.ok and done.output_data()["tier"] == "registered"


def test_store_tools(deps: Deps) -> None:
    partner = deps.store.all_partners()[0]
    shown = execute("show_partner", {"partner": partner.partner_id}, deps)
    assert shown.ok and shown.output_data()["partner"]["name"] == partner.name
    by_name = execute("score_partner", {"partner": partner.name}, deps)
    assert by_name.ok and by_name.output_data()["partner_id"] == partner.partner_id
    found = execute("find_partners", {"query": partner.industry, "k": 3}, deps)
    assert found.ok and found.output_data()["count"] == 3
    review = execute("review_tier", {"partner": partner.partner_id, "as_of": "Q3 2026"}, deps)
    assert review.ok and review.output_data()["action"] in {
        "promote", "hold", "warn", "demote", "exit"}
    assert review.input["as_of"] == "2026-Q3"


def test_find_partners_with_filters_only_lists_the_best_scored(deps: Deps) -> None:
    partners = deps.store.all_partners()
    tier = str(partners[0].tier)
    found = execute("find_partners", {"tier": tier, "k": 25}, deps)
    assert found.ok, found.error
    rows = found.output_data()["partners"]
    expected = sum(1 for p in partners if str(p.tier) == tier)
    assert len(rows) == min(expected, 25) and all(r["tier"] == tier for r in rows)
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    nothing = execute("find_partners", {"query": " "}, deps)
    assert not nothing.ok and (nothing.error or "").startswith("query: ")


def test_unknown_partner_suggests_names(deps: Deps) -> None:
    done = execute("show_partner", {"partner": "Zzyzx Quantum Holdings"}, deps)
    assert not done.ok and (done.error or "").startswith("partner: ")


def test_portfolio_summary_counts_add_up(deps: Deps) -> None:
    done = execute("portfolio_summary", {"as_of": "2026-Q3"}, deps)
    data = done.output_data()
    total = len(deps.store.all_partners())
    assert data["partners"] == total
    for key in ("by_tier", "by_type", "by_region", "by_band", "review_actions"):
        assert sum(data[key].values()) == total, key
    assert 0 <= data["average_score"] <= 100


def test_search_framework_yields_citations(deps: Deps) -> None:
    done = execute("search_framework", {"query": "attractiveness score weights"}, deps)
    citations = [e for e in done.events() if isinstance(e, Citation)]
    assert done.ok and citations
    assert all(c.doc_id and c.title and c.section for c in citations)


def test_draft_tool_writes_markdown_and_docx(deps: Deps) -> None:
    args = {"company": "Acme Analytics", "partner_led_share_pct": 30, "years": 3,
            "partner_types": ["Big 4 consulting firms"], "icp": "mid-market CFOs",
            "markets": ["EMEA"]}
    done = execute("draft_thesis", args, deps)
    assert done.ok, done.error
    [document] = [e for e in done.events() if isinstance(e, DocumentProduced)]
    assert document.kind == "thesis" and "Acme Analytics" in document.markdown
    assert Path(document.docx_path or "").read_bytes()[:2] == b"PK"
    assert Path(document.markdown_path or "").read_text(encoding="utf-8") == document.markdown


def test_langchain_tools_validate_and_return_artifacts(tmp_path: Path) -> None:
    tools = {t.name: t for t in as_langchain_tools(Deps(Settings(data_dir=tmp_path)))}
    tool = tools["score_partner"]
    assert tool.args_schema is TOOLS["score_partner"].input_model
    message = tool.invoke({"type": "tool_call", "name": "score_partner", "args": CRITERIA,
                           "id": "t1"})
    note, data = message.content.split("\n", 1)
    assert note == DATA_NOTE and json.loads(data)["result"]["score"] == 74.5
    assert isinstance(message.artifact, ExecutedTool) and message.artifact.call_id != "t1"
