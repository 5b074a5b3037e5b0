"""The LLM agent loop, driven by a scripted chat model (no server, no key)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from agent.core import Agent
from agent.events import ErrorEvent, FinalAnswer, TextDelta, ToolCall, ToolResult
from agent.guard import UNVERIFIED
from agent.llm_agent import LIMIT_NOTE, LLMBackend, TurnLedger, classify_error, system_prompt
from agent.llm_rules import DRAFTS_PER_TURN
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings

CRITERIA = {"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
            "partnership_appetite": 60, "revenue_potential": 50}


class ScriptedChatModel(GenericFakeChatModel):
    """Replays AIMessages (or raises exceptions) in order, streaming text and tool calls."""

    bound: list[list[str]] = []
    seen: list[list[BaseMessage]] = []

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        self.bound.append([getattr(t, "name", str(t)) for t in tools])
        return self

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self.seen.append(list(messages))
        item = next(self.messages)
        if isinstance(item, BaseException):
            raise item
        message = AIMessage(content=item) if isinstance(item, str) else item
        for token in re.split(r"(\s)", str(message.content or "")):
            if token:
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token, id=message.id))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
        calls = [{"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                 for i, c in enumerate(message.tool_calls)]
        calls += [{"name": c["name"], "args": c["args"], "id": c["id"], "index": 50 + i}
                  for i, c in enumerate(message.invalid_tool_calls)]
        if calls:
            chunk = ChatGenerationChunk(
                message=AIMessageChunk(content="", id=message.id, tool_call_chunks=calls))
            if run_manager:
                run_manager.on_llm_new_token("", chunk=chunk)
            yield chunk


def call(name: str, args: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {"name": name, "args": args, "id": call_id}


SLEEPS: list[list[float]] = [[]]  # this test's recorded retry delays


@pytest.fixture(autouse=True)
def _record_sleeps(retry_sleeps: list[float]) -> None:
    SLEEPS[0] = retry_sleeps


def make_agent(script: list[Any], tmp_path: Path, **options: Any
               ) -> tuple[Agent, ScriptedChatModel, list[float]]:
    sleeps = SLEEPS[0]
    model = ScriptedChatModel(messages=iter(script), bound=[], seen=[])
    deps = Deps(Settings(data_dir=tmp_path), store=None, output_dir=tmp_path / "docs")
    options.setdefault("backoff", 0.5)
    backend = LLMBackend(model, deps, model="scripted", **options)
    return Agent(backend, deps), model, sleeps


def by_type(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def test_tool_calls_bad_args_repeats_and_guarded_answer(tmp_path: Path) -> None:
    script = [
        AIMessage(content="Scoring now.", id="m1", tool_calls=[call("score_partner", CRITERIA,
                                                                     "c1")]),
        AIMessage(content="", id="m2", tool_calls=[
            call("score_partner", {"icp_overlap": 800}, "c2"),
            call("score_partner", CRITERIA, "c3"),
        ]),
        AIMessage(content="The score is 74.5, band secondary; growth will be 42%.", id="m3"),
    ]
    agent, model, _ = make_agent(script, tmp_path)
    events = list(agent.stream("score ICP 80, influence 90, alignment 70, appetite 60, "
                               "revenue 50", Session()))

    calls = by_type(events, ToolCall)
    results = {r.call_id: r for r in by_type(events, ToolResult)}
    assert [c.call_id for c in calls] == ["c1", "c2", "c3"]
    assert results["c1"].error is None and results["c1"].output["result"]["score"] == 74.5
    assert results["c2"].error is not None and results["c2"].error.startswith("icp_overlap:")
    assert results["c3"].error is not None and "already called" in results["c3"].error
    # the model saw the validation error and the refusal as tool messages
    tool_messages = [m for m in model.seen[-1] if m.type == "tool"]
    assert [m.content.split(":")[0] for m in tool_messages[1:]] == ["error", "error"]
    assert "icp_overlap" in tool_messages[1].content

    final = by_type(events, FinalAnswer)[0]
    assert final.backend == "openai" and final.model == "scripted"
    assert final.ungrounded == ["42%"]
    assert final.text == f"The score is 74.5, band secondary; growth will be {UNVERIFIED}."
    streamed = "".join(d.text for d in by_type(events, TextDelta))
    # text written before the tool call streamed once and is not repeated in the answer
    assert "42" not in streamed and streamed == "Scoring now.\n\n" + final.text


def test_tool_call_cap_refuses_then_ends_the_loop(tmp_path: Path) -> None:
    script = [
        AIMessage(content="", id=f"m{i}", tool_calls=[
            call("score_partner", {**CRITERIA, "icp_overlap": 10 + i}, f"c{i}")])
        for i in range(4)
    ]
    agent, model, _ = make_agent(script, tmp_path, max_tool_calls=2)
    events = list(agent.stream("score it: ICP 10, 11, 12 or 13, influence 90, alignment 70, "
                               "appetite 60, revenue 50", Session()))

    results = by_type(events, ToolResult)
    assert [r.error is None for r in results] == [True, True]
    assert model.bound[0][:1] and "score_partner" in model.bound[0]
    final = by_type(events, FinalAnswer)[0]
    assert final.text == LIMIT_NOTE
    assert len(model.seen) == 3  # two tool rounds, then one tool-less call whose calls are dropped


def test_refusal_after_the_cap_within_one_message(tmp_path: Path) -> None:
    script = [
        AIMessage(content="", id="m1", tool_calls=[
            call("score_partner", {**CRITERIA, "icp_overlap": v}, f"c{v}") for v in (1, 2, 3)]),
        AIMessage(content="Done.", id="m2"),
    ]
    agent, _, _ = make_agent(script, tmp_path, max_tool_calls=2)
    events = list(agent.stream("score three: ICP 1, 2 and 3; the rest 90, 70, 60, 50",
                               Session()))
    errors = [r.error for r in by_type(events, ToolResult)]
    assert errors[:2] == [None, None]
    assert errors[2] is not None and "Tool call limit exceeded" in errors[2]
    assert by_type(events, FinalAnswer)[0].text == "Done."


def test_malformed_tool_call_json_is_retried_then_the_planner_runs_the_tools(
        tmp_path: Path) -> None:
    bad = AIMessage(content="", id="bad", invalid_tool_calls=[
        {"name": "score_partner", "args": '{"icp_overlap": 80,, ]', "id": "x", "error": "bad json",
         "type": "invalid_tool_call"}])
    script = [bad] * 4 + ["The prospect scores 74.5 (secondary)."]
    agent, model, sleeps = make_agent(script, tmp_path, max_retries=3)
    message = ("score it: ICP overlap 80, market influence 90, practice alignment 70, "
               "partnership appetite 60, revenue potential 50")
    events = list(agent.stream(message, Session()))
    assert sleeps == [0.5, 1.0, 2.0]  # four attempts, then the degraded turn
    [result] = by_type(events, ToolResult)  # the planner's call, from the user's own words
    assert result.call_id != "x" and result.output["result"]["score"] == 74.5
    assert not by_type(events, ErrorEvent)
    assert by_type(events, FinalAnswer)[0].text == "The prospect scores 74.5 (secondary)."


def test_malformed_once_then_recovers(tmp_path: Path) -> None:
    bad = AIMessage(content="", id="bad", invalid_tool_calls=[
        {"name": "score_partner", "args": '{"a": 1,, ]', "id": "x", "error": "bad json",
         "type": "invalid_tool_call"}])
    agent, _, sleeps = make_agent([bad, AIMessage(content="Hello.", id="ok")], tmp_path)
    events = list(agent.stream("hi", Session()))
    assert by_type(events, FinalAnswer)[0].text == "Hello."
    assert sleeps == [0.5]


def test_timeouts_are_retried_with_exponential_backoff(tmp_path: Path) -> None:
    script = [TimeoutError("slow"), TimeoutError("slow"), AIMessage(content="Hi.", id="ok")]
    agent, _, sleeps = make_agent(script, tmp_path, max_retries=3, backoff=0.25)
    events = list(agent.stream("hi", Session()))
    assert by_type(events, FinalAnswer)[0].text == "Hi."
    assert sleeps == [0.25, 0.5]


def test_retries_exhausted_give_a_clear_error(tmp_path: Path) -> None:
    agent, _, sleeps = make_agent([TimeoutError("slow")] * 3, tmp_path, max_retries=2)
    events = list(agent.stream("hi", Session()))
    [error] = by_type(events, ErrorEvent)
    assert error.kind == "timeout"
    assert error.message.startswith("the model server did not answer in time (gave up after 3")
    assert sleeps == [0.5, 1.0]


def test_non_retryable_error_is_reported_at_once(tmp_path: Path) -> None:
    agent, _, sleeps = make_agent([KeyError("boom")], tmp_path)
    events = list(agent.stream("hi", Session()))
    [error] = by_type(events, ErrorEvent)
    assert error.kind == "model_error" and "boom" in error.message
    assert sleeps == []


def test_history_is_sent_and_the_session_records_the_turn(tmp_path: Path) -> None:
    agent, model, _ = make_agent([AIMessage(content="Second.", id="a2")], tmp_path)
    session = Session()
    session.add_turn("user", "first question")
    session.add_turn("assistant", "first answer")
    agent.run("second question", session)
    sent = [(m.type, m.content) for m in model.seen[0] if m.type != "system"]
    assert sent == [("human", "first question"), ("ai", "first answer"),
                    ("human", "second question")]
    assert [t.content for t in session.turns][-2:] == ["second question", "Second."]


def test_a_resumed_session_replays_earlier_tool_steps_and_their_figures_ground(
        tmp_path: Path) -> None:
    first, _, _ = make_agent([
        AIMessage(content="", id="m1", tool_calls=[call("score_partner", CRITERIA, "c1")]),
        AIMessage(content="Scored; the breakdown is above.", id="m2")], tmp_path)
    session = Session()
    first.run("score it: ICP 80, influence 90, alignment 70, appetite 60, revenue 50", session)
    # the UI stores the session as JSON with the thread and rebuilds it on resume, in what
    # may be another process: a new backend with no memory of the first turn
    resumed = Session.model_validate_json(session.model_dump_json())
    second, model, _ = make_agent([AIMessage(content="It scored 74.5 (secondary).", id="m3")],
                                  tmp_path)
    result = second.run("remind me of the score and its band", resumed)
    sent = model.seen[0]
    tool_messages = [m for m in sent if m.type == "tool"]
    assert len(tool_messages) == 1 and '"score": 74.5' in str(tool_messages[0].content)
    assert [c["name"] for m in sent if isinstance(m, AIMessage) for c in m.tool_calls] == [
        "score_partner"]
    # 74.5 is in no text of the conversation, only in the earlier turn's tool result: it grounds
    assert result.answer == "It scored 74.5 (secondary)." and not result.ungrounded


def test_the_turn_is_offered_its_ranked_tools_and_knowledge_search(tmp_path: Path) -> None:
    from agent.llm_tools import SURFACE, TOOLS_PER_CALL

    agent, model, _ = make_agent([AIMessage(content="Hi.", id="x")], tmp_path)
    agent.run("Score Fenwick Advisory on the five criteria", Session())
    offered = model.bound[0]
    assert "score_partner" in offered and "search_framework" in offered
    assert len(offered) <= TOOLS_PER_CALL + 1 and set(offered) <= set(SURFACE)
    assert not any(name.startswith("draft_") and name != "draft_document" for name in offered)


def test_settings_restrict_the_tools(tmp_path: Path) -> None:
    agent, model, _ = make_agent([AIMessage(content="", id="m1", tool_calls=[
        call("score_partner", CRITERIA, "c1")]), AIMessage(content="No.", id="m2")], tmp_path,
        tool_names=["search_framework", "check_tier"])
    result = agent.run("Score ICP 80, influence 90, alignment 70, appetite 60, revenue 50",
                       Session())
    assert set(model.bound[0]) <= {"search_framework", "check_tier"}
    [refused] = result.tool_calls
    assert refused["error"] == "refused: score_partner is not enabled (PARTNERPILOT_TOOLS)"


def test_an_invented_tool_argument_is_named_in_the_answer(tmp_path: Path) -> None:
    script = [AIMessage(content="", id="m1", tool_calls=[call("score_partner", CRITERIA, "c1")]),
              AIMessage(content="The score is 74.5.", id="m2")]
    agent, _, _ = make_agent(script, tmp_path)
    result = agent.run("Score ICP 80, influence 90, alignment 70, appetite 60", Session())
    assert result.answer == "The score is 74.5.\n\n(assumed: revenue potential 50)"


def test_system_prompt_states_the_one_rule() -> None:
    text = system_prompt(5)
    assert "Tools compute, the knowledge base cites, you only narrate." in text
    assert "at most 5 tool" in text
    assert "{{" not in text


def test_ledger_refuses_repeats_and_drafts_past_their_budget(tmp_path: Path) -> None:
    ledger = TurnLedger(deps=Deps(Settings(data_dir=tmp_path)), max_calls=8)
    assert "did not ask for a document" in (ledger.admit("draft_document", {"kind": "okrs"})
                                            or "")
    ledger.draft_tools = frozenset({"draft_thesis"})
    assert "asked for thesis only" in (ledger.admit("draft_document", {"kind": "okrs"}) or "")
    ledger.draft_tools = frozenset()  # "draft the documents": any kind, a few per turn
    assert ledger.admit("a", {"x": 1}) is None
    assert "already called" in (ledger.admit("a", {"x": 1}) or "")
    drafts = [ledger.admit("draft_document", {"kind": k}) for k in
              ("thesis", "okrs", "scorecard", "term_sheet")]
    assert drafts[:DRAFTS_PER_TURN] == [None] * DRAFTS_PER_TURN
    assert f"at most {DRAFTS_PER_TURN} documents" in (drafts[DRAFTS_PER_TURN] or "")


@pytest.mark.parametrize(("exc", "kind", "retry"), [
    (TimeoutError(), "timeout", True),
    (ConnectionError(), "connection", True),
    (ValueError("x"), "model_error", False),
])
def test_classify_error(exc: Exception, kind: str, retry: bool) -> None:
    assert classify_error(exc) == (kind, retry)


def test_draft_and_unknown_tool_through_the_loop(tmp_path: Path) -> None:
    thesis = {"company": "Acme Analytics", "partner_led_share_pct": 30, "years": 3,
              "partner_types": ["Big 4 consulting firms"], "icp": "mid-market CFOs",
              "markets": ["EMEA"]}
    script = [
        AIMessage(content="", id="m1", tool_calls=[call("draft_thesis", thesis, "d1"),
                                                   call("make_coffee", {}, "u1")]),
        AIMessage(content="Your thesis is drafted.", id="m2"),
    ]
    agent, _, _ = make_agent(script, tmp_path)
    result = agent.run("draft a thesis: 30% partner-led in 3 years", Session())
    [document] = result.documents
    assert document.kind == "thesis" and Path(document.docx_path or "").is_file()
    assert str(tmp_path / "docs") in (document.docx_path or "")
    errors = {c["name"]: c["error"] for c in result.tool_calls}
    assert errors["draft_thesis"] is None
    assert errors["make_coffee"].startswith("unknown tool 'make_coffee'")
    assert result.answer == "Your thesis is drafted."


def test_only_the_passages_the_answer_used_are_cited() -> None:
    from agent.events import Citation
    from agent.llm_stream import used_citations

    demotion = Citation(doc_id="partner-tiers", title="Partner tiers", section="Movement rules",
                        snippet="Two consecutive missed quarters lead to demotion by one tier.")
    fees = Citation(doc_id="partnership-models", title="Partnership models", section="Referral",
                    snippet="A referral fee of 5-15% of the annual contract value.")
    mdf = Citation(doc_id="partner-tiers", title="Partner tiers", section="Gold benefits",
                   snippet="A market development fund allocation and joint webinars.")
    answer = ("Per Movement rules, two consecutive missed quarters lead to a demotion "
              "by one tier.")
    assert used_citations(answer, [fees, demotion, mdf]) == [demotion]
    assert used_citations("I do not know.", [fees, demotion]) == [fees]  # best-ranked
    assert used_citations("Referral fees are 5-15% of the annual contract value.",
                          [demotion, fees]) == [fees]
