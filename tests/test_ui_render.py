"""The event renderer, run for real inside a Chainlit HTTP context (its emitter sends nowhere)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ui  # noqa: F401  (points Chainlit's app root at ui/ before chainlit is imported)
from agent.events import (
    Citation,
    DocumentProduced,
    ErrorEvent,
    Event,
    FinalAnswer,
    FollowUp,
    TextDelta,
    ToolCall,
    ToolResult,
)
from tools.scoring import score_partner
from tools.text import slugify
from ui import render, render_text


@pytest.fixture(autouse=True)
def chainlit_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import chainlit.config

    monkeypatch.setattr(chainlit.config, "FILES_DIRECTORY", tmp_path / ".files")
    (tmp_path / ".files").mkdir()
    try:  # chainlit made an empty <app root>/.files on import; keep ui/ clean
        (Path(ui.__file__).parent / ".files").rmdir()
    except OSError:
        pass


def run_turn(events: list[Event], begin: bool = False) -> render.TurnRenderer:
    async def go() -> render.TurnRenderer:
        from chainlit.context import init_http_context

        init_http_context()
        renderer = render.TurnRenderer()
        if begin:
            await renderer.begin()
            assert renderer.placeholder is not None  # on screen before any event arrived
            assert renderer.placeholder.output == "Reading your question…"
            renderer.metadata["placeholder_id"] = renderer.placeholder.id
        for event in events:
            await renderer.handle(event)
        await renderer.finish()
        return renderer

    return asyncio.run(go())


def citation(n: int = 1) -> Citation:
    return Citation(doc_id="tier-movement", title="Tier movement rules - promotion & exit",
                    section="Promotion after two qualifying quarters",
                    snippet=f"Promotion needs 2 consecutive qualifying quarters ({n}).")


def test_streamed_text_tool_step_citation_and_badge() -> None:
    result = score_partner({"icp_overlap": 80, "market_influence": 70, "practice_alignment": 60,
                            "partnership_appetite": 90, "revenue_potential": 50})
    output = {"partner_id": None, "partner_name": None, "inputs": {},
              "result": result.model_dump(mode="json")}
    renderer = run_turn([
        ToolCall(call_id="c1", name="score_partner", input={"icp_overlap": 80}),
        ToolResult(call_id="c1", name="score_partner", output=output),
        citation(),
        TextDelta(text="This partner scores "), TextDelta(text=f"{result.score:g}."),
        FinalAnswer(text=f"This partner scores {result.score:g}.", backend="offline"),
    ])
    assert renderer.answer is not None
    content = renderer.answer.content
    assert content.startswith(f"This partner scores {result.score:g}.")
    assert "Answered by: `offline planner (no LLM)`" in content
    step = renderer.steps["c1"]
    assert step.name == "Score partner" and step.type == "tool"
    assert '"icp_overlap": 80' in step.input
    assert step.output.startswith(f"**Scored 5 criteria\\: {result.score:g}, {result.band.value}**")
    assert "| ICP overlap | 80 |" in step.output and not step.is_error  # inputs as a table
    assert "| Market influence | 17.5 |" in step.output  # outputs as a table
    [raw] = renderer._raw_steps  # the raw JSON, behind its own toggle
    assert raw.parent_id == step.id and '"contributions"' in raw.output
    assert [c.name for c in renderer.citations] == [
        "Source 1 - Promotion after two qualifying quarters"]
    assert renderer.citations[0].display == "side"
    assert renderer.citations[0].name in content  # the answer names its source
    assert [c.name for c in renderer.charts] == ["Score breakdown: New partner"]
    assert renderer.answer.metadata["tools"] == ["score_partner"]
    assert renderer.answer.metadata["cites"] == ["tier-movement"]


def test_the_first_step_is_shown_before_routing_and_becomes_the_first_tools_step() -> None:
    renderer = run_turn([
        ToolCall(call_id="c1", name="search_framework", input={"query": "promotion"}),
        ToolResult(call_id="c1", name="search_framework", output={"passages": []}),
        ToolCall(call_id="c2", name="check_tier", input={}),
        ToolResult(call_id="c2", name="check_tier", output={}),
        FinalAnswer(text="Two quarters.", backend="offline"),
    ], begin=True)
    first, second = renderer.steps["c1"], renderer.steps["c2"]
    assert first.id == renderer.metadata["placeholder_id"]  # the same step, now named
    assert first.name == "Search framework" and second.id != first.id
    assert second.name == "Check tier"


def test_a_turn_without_tools_keeps_no_reading_step(monkeypatch: pytest.MonkeyPatch) -> None:
    import chainlit as cl

    removed: list[str] = []
    original = cl.Step.remove

    async def remove(self: cl.Step) -> Any:  # Chainlit's own remove, recording which step
        removed.append(self.id)
        return await original(self)

    monkeypatch.setattr(cl.Step, "remove", remove)
    renderer = run_turn([FinalAnswer(text="Hello.", backend="offline")], begin=True)
    assert renderer.steps == {} and removed == [renderer.metadata["placeholder_id"]]
    kept = run_turn([ToolCall(call_id="c1", name="check_tier", input={}),
                     FinalAnswer(text="Gold.", backend="offline")], begin=True)
    assert list(kept.steps) == ["c1"] and len(removed) == 1


def test_unstreamed_final_text_is_used_and_duplicate_citations_collapse() -> None:
    renderer = run_turn([citation(), citation(), citation(2),
                         FinalAnswer(text="Two quarters.", backend="openai", model="gpt-x")])
    assert renderer.answer is not None
    assert renderer.answer.content.startswith("Two quarters.")
    assert len(renderer.citations) == 2
    assert "OpenAI-compatible model gpt-x" in renderer.answer.content


def test_find_partners_becomes_a_table() -> None:
    rows = [{"partner_id": "P-0001", "name": "Ashcombe | Whitley", "partner_type": "big4",
             "tier": "platinum", "region": "NA", "industry": "fs", "score": 90.5,
             "band": "priority", "annual_pipeline_usd": 1.0, "certified_individuals": 1,
             "dedicated_practice": True}]
    renderer = run_turn([
        ToolCall(call_id="c1", name="find_partners", input={"query": "banks"}),
        ToolResult(call_id="c1", name="find_partners",
                   output={"query": "banks", "count": 1, "partners": rows}),
        FinalAnswer(text="One partner.", backend="offline"),
    ])
    assert renderer.answer is not None
    assert "| P-0001 | Ashcombe \\| Whitley | platinum | big4 | NA | 90.5 | priority |" \
        in renderer.answer.content


def test_document_offers_docx_and_markdown(tmp_path: Path) -> None:
    docx = tmp_path / "ts.docx"
    docx.write_bytes(b"PK fake docx")
    renderer = run_turn([
        DocumentProduced(kind="term_sheet", title="Partnership term sheet", model={},
                         markdown="# Partnership term sheet\n\n## Economics", docx_path=str(docx)),
        FinalAnswer(text="Drafted.", backend="offline"),
    ])
    [message] = renderer.documents
    assert message.content.startswith("# Partnership term sheet")
    names = sorted(e.name for e in message.elements)
    assert names == ["Partnership term sheet.docx", "Partnership term sheet.md"]
    assert "Word (.docx) and Markdown (.md)" in message.content
    assert {e.display for e in message.elements} == {"inline"}


def test_download_names_read_like_titles() -> None:
    assert render_text.download_name("Partnership thesis: Northwind Analytics", "docx") == \
        "Partnership thesis - Northwind Analytics.docx"
    assert render_text.download_name("a/b\\c: <d>", "md") == "a b c - d.md"
    assert render_text.download_name("", "md") == "Document.md"
    assert render_text.document_title("Partnership thesis", {"partner": "Northwind Analytics"}) == \
        "Partnership thesis - Northwind Analytics"
    assert render_text.document_title("Strategy brief", {"company": "Acme"}) == \
        "Strategy brief - Acme"


def test_partner_hits_are_rendered_once_as_a_table() -> None:
    rows = [{"partner_id": "P-0009", "name": "Halvorsen Quill", "tier": "platinum"}]
    text = ("Found 1 partner (region EMEA):\n\n- **Halvorsen Quill** (P-0009): Platinum\n"
            "- a line about something else")
    out = render_text.without_listed_partners(text, rows)
    assert "P-0009" not in out and "Found 1 partner" in out and "something else" in out


def test_follow_up_error_and_tool_error() -> None:
    renderer = run_turn([
        ToolCall(call_id="c1", name="check_tier", input={}),
        ToolResult(call_id="c1", name="check_tier", error="partner: not found (got 'Zed')"),
        FollowUp(question="Which partner do you mean?", missing=["partner"]),
        ErrorEvent(kind="internal", message="store is locked"),
    ])
    assert renderer.steps["c1"].is_error
    assert renderer.steps["c1"].output.startswith("**Could not run check tier:** partner")
    assert "not found" in renderer.steps["c1"].output
    assert renderer.answer is not None
    assert renderer.answer.content == "Which partner do you mean?"
    assert renderer.errors[0].content == "Something went wrong (internal): store is locked"


def test_result_without_call_still_gets_a_step() -> None:
    renderer = run_turn([ToolResult(call_id="x", name="search_framework", output={"a": 1})])
    assert renderer.steps["x"].output.startswith("**Search framework\\: done**")
    assert renderer._raw_steps[0].output == '{\n  "a": 1\n}'


def test_pure_helpers() -> None:
    assert render_text.tool_title("draft_term_sheet") == "Draft term sheet"
    assert slugify("Partnership Term Sheet: Acme & Co") == "partnership-term-sheet-acme-co"
    assert slugify("!!!") == "document"
    assert slugify("a" * 80, 60) == "a" * 60
    long = Citation(doc_id="d", title="T", section="A > " + "word " * 30, snippet="s")
    name = render_text.citation_name(3, long)
    assert name.startswith("Source 3 - word") and len(name) <= 60
    assert render_text.partner_table([]) == ""
    assert render_text.partner_rows({"partners": [{"x": 1}, {"partner_id": "P"}]}) == [
        {"partner_id": "P"}]
    assert render_text.model_badge(FinalAnswer(text="", backend="local", model="smollm2")) == \
        "Answered by: `embedded local model smollm2`"


def test_aiter_events_drives_a_blocking_iterator() -> None:
    def events() -> Iterator[Event]:
        yield TextDelta(text="a")
        yield TextDelta(text="b")

    async def collect() -> list[str]:
        return [e.text async for e in render.aiter_events(events())]  # type: ignore[union-attr]

    assert asyncio.run(collect()) == ["a", "b"]


def test_two_scored_partners_get_one_grouped_comparison_chart() -> None:
    events: list[Any] = []
    names = []
    for n, (name, icp) in enumerate((("Ashcombe", 90), ("Brantwood", 40))):
        result = score_partner({"icp_overlap": icp, "market_influence": 70,
                                "practice_alignment": 60, "partnership_appetite": 90,
                                "revenue_potential": 50})
        events += [ToolCall(call_id=f"c{n}", name="score_partner", input={"partner": name}),
                   ToolResult(call_id=f"c{n}", name="score_partner", output={
                       "partner_name": name, "result": result.model_dump(mode="json")})]
        names.append(f"{name} ({result.score:g})")
    renderer = run_turn([*events, FinalAnswer(text="Side by side.", backend="offline")])
    [chart] = renderer.charts
    assert chart.name == "Comparison"
    figure = json.loads(chart.content)
    assert [t["name"] for t in figure["data"]] == names
    assert figure["layout"]["barmode"] == "group"


def test_a_tool_step_is_saved_only_with_its_result(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """No save holds the running label: a late one would replace the result (issue 11)."""
    import importlib

    from ui import datalayer

    step_module = importlib.import_module("chainlit.step")  # chainlit.step is also a function
    layer = datalayer.make_data_layer(tmp_path)  # the SQLite history the UI keeps
    saved: list[tuple[str, str]] = []
    create_step = layer.create_step

    async def recording(step_dict: dict[str, Any]) -> None:  # the layer's own, recorded
        saved.append((step_dict["id"], step_dict.get("output")))
        await create_step(step_dict)

    monkeypatch.setattr(layer, "create_step", recording)
    monkeypatch.setattr(step_module, "get_data_layer", lambda: layer)
    monkeypatch.setattr(render, "get_data_layer", lambda: layer)
    renderer = run_turn([
        ToolCall(call_id="c1", name="find_partners", input={"query": "EMEA"}),
        ToolResult(call_id="c1", name="find_partners", output={"count": 0, "partners": []}),
        FinalAnswer(text="None found.", backend="offline"),
    ], begin=True)
    step = renderer.steps["c1"]
    assert step.output.startswith("**Found 0 partners**")
    assert [output for sid, output in saved if sid == step.id] and all(
        output == step.output for sid, output in saved if sid == step.id), saved
    stored = asyncio.run(layer.get_step(step.id))
    assert stored is not None and stored["output"] == step.output
