"""The offline planner end to end on a real store: the phrasing table, multi-turn slot filling,
extractive cited answers, refusals, and the events it yields."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.core import Agent
from agent.events import DocumentProduced, FinalAnswer, FollowUp, ToolCall, ToolResult
from agent.planner import OfflinePlanner, narrate
from agent.registry import TOOLS
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings

CASES_FILE = Path(__file__).parent / "data" / "planner_cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
PARTNER_IDS = ("P-0001", "P-0002", "P-0003", "P-0008", "P-0017", "P-0026", "P-0032", "P-0042",
               "P-0062")
SUBSET_TOOLS = {"check_program"} | {name for name in TOOLS if name.startswith("draft_")}


@pytest.fixture(scope="module")
def deps(tmp_path_factory: pytest.TempPathFactory) -> Deps:
    from knowledge.account_import import load_sample_accounts
    from knowledge.accounts import AccountBook
    from knowledge.chunking import default_docs_dir, load_documents
    from knowledge.sample import load_sample_partners
    from knowledge.store import Store

    data_dir = tmp_path_factory.mktemp("planner")
    settings = Settings(data_dir=data_dir, backend="offline")
    store = Store.open(settings)
    store.upsert_partners([p for p in load_sample_partners() if p.partner_id in PARTNER_IDS])
    store.index_documents(load_documents(default_docs_dir()))
    load_sample_accounts(AccountBook(data_dir))  # the account lists of P-0026 and ours
    return Deps(settings, store=store, output_dir=data_dir / "documents")


@pytest.fixture(scope="module")
def planner(deps: Deps) -> OfflinePlanner:
    planner = OfflinePlanner(deps)
    planner.warm_up()
    return planner


@pytest.fixture(scope="module")
def agent(planner: OfflinePlanner, deps: Deps) -> Agent:
    return Agent(planner, deps)


def turn(planner: OfflinePlanner, deps: Deps, message: str, session: Session) -> list[Any]:
    return list(planner.stream_turn(message, session, deps))


def first(events: list[Any], kind: type) -> Any:
    found = [e for e in events if isinstance(e, kind)]
    return found[0] if found else None


def without_defaults(tool: str, data: dict[str, Any]) -> dict[str, Any]:
    fields = TOOLS[tool].input_model.model_fields
    out = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is not None and not field.is_required():
            default = field.get_default(call_default_factory=True)
            default = getattr(default, "value", default)
            if value == default:
                continue
        out[key] = value
    return out


def test_the_table_has_enough_phrasings() -> None:
    assert len(CASES) >= 150
    kinds = {c.get("tool") or c.get("kind") for c in CASES}
    assert set(TOOLS) - {"check_program"} <= kinds | {"draft_scorecard"}
    assert {"refuse", "help"} <= kinds


@pytest.mark.parametrize("case", CASES, ids=[c["message"][:60] for c in CASES])
def test_phrasing(case: dict[str, Any], planner: OfflinePlanner, deps: Deps) -> None:
    session = Session(focus_partner_id=case.get("focus"))
    events = turn(planner, deps, case["message"], session)
    call = first(events, ToolCall)
    final = first(events, FinalAnswer)
    assert final is not None and final.backend == "offline"
    assert final.ungrounded == []
    if "kind" in case:
        assert call is None, f"expected a {case['kind']}, got a call to {call.name}"
        assert first(events, FollowUp) is None
        marker = "can't make up" if case["message"].lower().startswith(
            ("make up", "invent", "guess", "predict", "just ballpark")) else "I can"
        if case["kind"] == "help":
            marker = narrate.render("help")
        assert marker in final.text
        return
    if "follow_up" in case:
        follow = first(events, FollowUp)
        assert call is None, f"expected a follow-up, got a call to {call.name}: {call.input}"
        assert follow is not None
        assert follow.missing == case["follow_up"]
        assert session.pending is not None and session.pending.tool == case["tool"]
        return
    assert call is not None, f"expected {case['tool']}, got: {final.text[:200]}"
    assert call.name == case["tool"]
    if case["tool"] == "search_framework":
        assert call.input == {"query": case["message"], "k": 10}
    elif case["tool"] in SUBSET_TOOLS:
        assert {k: call.input.get(k) for k in case["args"]} == case["args"]
    else:
        assert without_defaults(call.name, call.input) == case["args"]


def calls(events: list[Any]) -> list[ToolCall]:
    return [e for e in events if isinstance(e, ToolCall)]


def test_slots_are_filled_over_several_turns(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    events = turn(planner, deps, "score a partner with icp 80", session)
    assert first(events, FollowUp).missing == [
        "market_influence", "practice_alignment", "partnership_appetite", "revenue_potential"]
    events = turn(planner, deps, "influence 90, appetite 60", session)
    assert first(events, FollowUp).missing == ["practice_alignment", "revenue_potential"]
    assert calls(events) == []
    session = Session.model_validate_json(session.model_dump_json())  # the UI persists it
    events = turn(planner, deps, "70, 40", session)
    (call,) = calls(events)
    assert call.input == {"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
                          "partnership_appetite": 60, "revenue_potential": 40}
    result = first(events, ToolResult)
    assert result.output["result"]["score"] == 73.5
    assert "73.5" in first(events, FinalAnswer).text
    assert session.pending is None


def test_a_bare_number_answers_the_one_question(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    events = turn(planner, deps, "What tier is a partner with $800K of pipeline?", session)
    assert first(events, FollowUp).missing == ["certified_individuals"]
    events = turn(planner, deps, "4", session)
    (call,) = calls(events)
    assert call.name == "check_tier"
    assert call.input == {"annual_pipeline_usd": 800000, "certified_individuals": 4}
    assert first(events, ToolResult).output["tier"] == "gold"


def test_cancel_drops_the_pending_question(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    turn(planner, deps, "Score a new partner", session)
    assert session.pending is not None
    events = turn(planner, deps, "never mind", session)
    assert session.pending is None
    assert calls(events) == []
    assert "dropped" in first(events, FinalAnswer).text


def test_a_new_topic_replaces_the_pending_question(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    turn(planner, deps, "Score a new partner", session)
    events = turn(planner, deps, "What are the criteria for the Gold tier?", session)
    assert [c.name for c in calls(events)] == ["search_framework"]
    assert session.pending is None


def test_did_you_mean_then_yes(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    events = turn(planner, deps, "Score Whitley Advisors", session)
    follow = first(events, FollowUp)
    assert follow is not None and "Ashcombe Whitley Advisory" in follow.question
    assert calls(events) == []
    events = turn(planner, deps, "yes", session)
    assert [(c.name, c.input) for c in calls(events)] == [("score_partner",
                                                           {"partner": "P-0001"})]
    assert session.focus_partner_id == "P-0001"


def test_did_you_mean_then_no_then_a_name(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    turn(planner, deps, "Review the tier of Whitley Advisors as of Q3 2026", session)
    events = turn(planner, deps, "no", session)
    assert first(events, FollowUp).missing == ["partner"]
    events = turn(planner, deps, "Kestrelon Digital", session)
    assert [(c.name, c.input) for c in calls(events)] == [
        ("review_tier", {"partner": "P-0008", "as_of": "2026-Q3"})]


def test_they_refers_to_the_partner_in_focus(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    turn(planner, deps, "Show me Kestrelon Digital", session)
    assert session.focus_partner_id == "P-0008"
    events = turn(planner, deps, "review their tier as of Q3 2026", session)
    (call,) = calls(events)
    assert (call.name, call.input) == ("review_tier", {"partner": "P-0008", "as_of": "2026-Q3"})
    assert "Kestrelon Digital" in first(events, FinalAnswer).text


def test_star_dimensions_over_two_turns(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    turn(planner, deps, "Run STAR: strategic fit 4 and trust 4", session)
    events = turn(planner, deps, "complementarity 5, economics 3", session)
    (call,) = calls(events)
    assert {k: v["score"] for k, v in call.input.items() if isinstance(v, dict)} == {
        "strategic_fit": 4, "trust_and_culture": 4, "asset_complementarity": 5,
        "relationship_economics": 3}
    assert first(events, ToolResult).output["verdict"] == "proceed"


def test_a_thesis_is_drafted_over_several_turns(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    replies = ["Draft a partnership thesis for Acme", "30%", "3 years", "Big 4 firms and GSIs",
               "mid-market banks", "EMEA, APAC"]
    for reply in replies[:-1]:
        events = turn(planner, deps, reply, session)
        assert first(events, FollowUp) is not None, reply
    events = turn(planner, deps, replies[-1], session)
    (call,) = calls(events)
    assert call.name == "draft_thesis"
    assert call.input["partner_types"] == ["Big 4 firms", "GSIs"]
    assert call.input["markets"] == ["EMEA", "APAC"]
    document = first(events, DocumentProduced)
    assert document is not None and document.kind == "thesis"
    assert "Acme" in document.markdown and Path(document.docx_path or "").is_file()


def test_a_scorecard_asks_star_for_each_candidate(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    turn(planner, deps, "Build a partner evaluation scorecard for Kestrelon Digital and "
         "Brantwood Kessler; company: Acme", session)
    assert session.pending is not None
    assert session.pending.missing == ["star:P-0008", "star:P-0002"]
    turn(planner, deps, "fit 4, trust 4, complementarity 5, economics 4", session)
    events = turn(planner, deps, "fit 3, trust 2, complementarity 3, economics 3", session)
    (call,) = calls(events)
    assert call.name == "draft_scorecard"
    assert [c["name"] for c in call.input["candidates"]] == ["Kestrelon Digital",
                                                             "Brantwood Kessler LLP"]
    assert first(events, DocumentProduced).kind == "scorecard"


FRAMEWORK_QUESTIONS = [
    ("What are the criteria for the Gold tier?", "partner-tiers", "$500K"),
    ("How much weight does ICP overlap carry?", "attractiveness-scoring", "30%"),
    ("What referral fee does the framework suggest?", "partnership-models", "5-15%"),
    ("How often should the steering committee meet?", "operating-plan-governance", "monthly"),
    ("What are the red flags in partner selection?", "star-assessment", None),
    ("When is a partner demoted?", "tier-movement", None),
]


@pytest.mark.parametrize(("question", "doc_id", "fact"), FRAMEWORK_QUESTIONS)
def test_framework_answers_cite_the_right_document(
    question: str, doc_id: str, fact: str | None, agent: Agent
) -> None:
    result = agent.run(question, Session())
    assert result.backend == "offline"
    assert [c["name"] for c in result.tool_calls] == ["search_framework"]
    cited = [c.doc_id for c in result.citations]
    assert cited and cited[0] == doc_id, cited
    bullets = [line for line in result.answer.splitlines() if line.startswith("- ")]
    assert 2 <= len(bullets) <= 6
    # each bullet names its passage, and the citations are exactly the passages named
    named = {re.search(r"_\((.+)\)_$", line).group(1) for line in bullets}
    assert named == {f"{c.title}: {c.section}" for c in result.citations}, (named, cited)
    assert len(cited) == len(set(zip(cited, (c.section for c in result.citations), strict=True)))
    if fact:
        assert fact in result.answer
    assert result.ungrounded == []
    for citation in result.citations:
        assert citation.title in result.answer


def test_answers_through_the_agent_are_grounded_and_name_the_backend(agent: Agent) -> None:
    session = Session()
    for message in ("Score Ashcombe Whitley Advisory", "what tier do they qualify for?",
                    "Summarise the partner portfolio", "Which model fits lead generation?"):
        result = agent.run(message, session)
        assert result.backend == "offline" and result.error is None
        assert result.ungrounded == [], (message, result.answer)
        assert result.events[-1].backend == "offline"  # the front ends show it once
        assert "[unverified]" not in result.answer


def test_refusal_never_contains_a_number(agent: Agent) -> None:
    result = agent.run("Make up a plausible pipeline figure for Kestrelon Digital", Session())
    assert result.tool_calls == []
    assert "can't make up figures" in result.answer
    assert not any(ch.isdigit() for ch in result.answer)


def test_an_out_of_range_criterion_is_asked_again(planner: OfflinePlanner, deps: Deps) -> None:
    session = Session()
    events = turn(planner, deps, "Score a partner with ICP overlap 180, influence 90, "
                  "alignment 70, appetite 60, revenue 40", session)
    assert calls(events) == []
    follow = first(events, FollowUp)
    assert follow.missing == ["icp_overlap"] and "between zero and a hundred" in follow.question
    events = turn(planner, deps, "80", session)
    assert first(events, ToolResult).output["result"]["score"] == 73.5


def test_a_tool_error_is_narrated_not_raised(planner: OfflinePlanner, deps: Deps) -> None:
    events = turn(planner, deps, "Draft a partnership thesis for Acme: 150% of ARR in 3 years "
                  "through GSIs. ICP: banks; markets: EMEA", Session())
    result = first(events, ToolResult)
    assert result.error is not None and "partner_led_share_pct" in result.error
    final = first(events, FinalAnswer)
    assert "could not run" in final.text and final.ungrounded == []


def test_empty_message_gets_help(planner: OfflinePlanner, deps: Deps) -> None:
    events = turn(planner, deps, "   ", Session())
    assert calls(events) == []
    assert "Try:" in first(events, FinalAnswer).text


def test_a_store_that_cannot_open_ends_the_turn_with_an_error_event(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(data_dir=tmp_path, backend="offline", chroma_host="127.0.0.1",
                        chroma_port=port)
    deps = Deps(settings)
    events = list(OfflinePlanner(deps).stream_turn("Score Kestrelon Digital", Session(), deps))
    assert [e.type for e in events] == ["error"]
    assert events[0].message.startswith("store:")


def test_planner_texts_do_not_copy_the_seed_documents() -> None:
    import importlib.util

    data = Path(__file__).parent / "data"
    spec = importlib.util.spec_from_file_location("make_seed_shingles",
                                                  data / "make_seed_shingles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seeds = set((data / "seed_shingles.txt").read_text().split())
    root = Path(__file__).resolve().parents[1]
    files = [*(root / "prompts" / "narration").glob("*.j2"), root / "prompts" / "intents.yaml",
             *(root / "agent" / "planner").glob("*.py")]
    copied = {f.name: window for f in files
              for window, digest in module.shingles(f.read_text(encoding="utf-8"))
              if digest in seeds}
    assert copied == {}
