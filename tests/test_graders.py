from __future__ import annotations

import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import vcr
from hypothesis import given
from hypothesis import strategies as st

from agent.events import (
    Citation,
    DocumentProduced,
    ErrorEvent,
    FinalAnswer,
    FollowUp,
    ToolCall,
    ToolResult,
)
from evals import graders as g
from evals import normalise as nz
from evals.cases import Case, Expect
from evals.judge import LLMJudge, make_judge, parse_verdict, render_prompt
from evals.sources import document_class, framework_docs, snippet_in_doc
from tools.errors import FrameworkError

# ---- helpers -------------------------------------------------------------------------


def turn(answer: str, *events: Any, user: str = "question") -> g.TurnRecord:
    return g.TurnRecord(user=user, events=[*events, FinalAnswer(text=answer, backend="test")])


def call(name: str, args: dict[str, Any], output: Any, cid: str = "c1",
         error: str | None = None) -> tuple[ToolCall, ToolResult]:
    return (ToolCall(call_id=cid, name=name, input=args),
            ToolResult(call_id=cid, name=name, output=output, error=error))


def first_passage(doc_id: str) -> str:
    text = framework_docs()[doc_id]
    return text[200:420]


# ---- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(("haystack", "needle"), [
    ("Platinum needs $2,000,000 of pipeline", "$2M"),
    ("Platinum needs 2 million dollars", "$2M"),
    ("gold starts at $500K.", "500,000"),
    ("A score of 75.0 is priority", "75"),
    ("Referral fee: 5-15 % of ACV", "5-15%"),
    ("ICP CLIENT OVERLAP carries 30%!", "icp client overlap"),
    ("it meets the criteria for 2 consecutive quarters.", "2 consecutive quarters"),
])
def test_contains_normalises_case_punctuation_and_numbers(haystack: str, needle: str) -> None:
    assert nz.contains(haystack, needle)


@pytest.mark.parametrize(("haystack", "needle"), [
    ("the score is 74.9", "75"),
    ("priority target", "priority band"),
    ("$2.5M pipeline", "$2M"),
    ("partnership", "partner"),
])
def test_contains_rejects_near_misses(haystack: str, needle: str) -> None:
    assert not nz.contains(haystack, needle)


def test_numbers_skip_ids_quarters_and_enumerators() -> None:
    text = "1. Decision D-001 for P-0042 in 2026-Q3\n2. Score 77.5 on $1.2M"
    assert nz.numbers_in(text, skip_enumerators=True) == [
        Decimal("2026"), Decimal("77.5"), Decimal("1200000")]


@given(st.integers(min_value=0, max_value=10**9))
def test_money_formats_agree(amount: int) -> None:
    assert nz.tokens(f"${amount:,}") == nz.tokens(str(amount)) == [nz.canonical(amount)]


def test_close_allows_display_rounding_of_amounts_but_not_of_scores() -> None:
    assert nz.close(Decimal("1230000"), Decimal("1234567"))
    assert nz.close(Decimal("77.5"), Decimal("77.5"))
    assert not nz.close(Decimal("75.0"), Decimal("74.9"))


def test_values_match_and_find_key() -> None:
    out = {"result": {"score": 70.8, "band": "secondary"},
           "recommendations": [{"model": "referral"}, {"model": "reseller"}]}
    assert nz.values_match(70.8, nz.find_key(out, "score")[0])
    assert nz.find_key(out, "recommendations.1.model") == ["reseller"]
    assert nz.values_match({"band": "Secondary"}, out["result"])
    assert not nz.values_match({"band": "priority"}, out["result"])
    assert nz.values_match(True, True) and not nz.values_match(True, False)
    assert nz.values_match(2000000, "$2M")


# ---- graders -----------------------------------------------------------------------------


def test_completed_fails_on_error_and_timeout() -> None:
    ok = turn("fine")
    bad = g.TurnRecord(user="q", events=[ErrorEvent(kind="internal", message="boom")])
    slow = turn("late")
    slow.timed_out = True
    assert g.grade_completed(ok, Expect()).passed
    assert "boom" in g.grade_completed(bad, Expect()).detail
    assert not g.grade_completed(bad, Expect()).passed
    assert not g.grade_completed(slow, Expect()).passed


def test_facts_any_and_forbidden() -> None:
    rec = turn("The partner is Gold; it needs $1.5M more for Platinum.")
    assert g.grade_facts(rec, Expect(facts=["gold", "$1,500,000"])).passed
    missing = g.grade_facts(rec, Expect(facts=["gold", "silver"]))
    assert missing is not None and not missing.passed and missing.score == 0.5
    forbidden = g.grade_facts(rec, Expect(forbidden=["platinum"]))
    assert forbidden is not None and not forbidden.passed
    assert g.grade_facts(rec, Expect(any_facts=["bronze", "gold"])).passed
    assert g.grade_facts(rec, Expect()) is None


def test_citations_must_be_retrieved_faithful_and_expected() -> None:
    snippet = first_passage("partner-tiers")
    search = call("search_framework", {"query": "tiers"},
                  {"passages": [{"doc_id": "partner-tiers", "text": snippet}]})
    cite = Citation(doc_id="partner-tiers", title="Tiers", section="s", snippet=snippet)
    good = turn("answer", *search, cite)
    assert g.grade_citations(good, Expect(cites=["partner-tiers"])).passed
    not_searched = Citation(doc_id="tier-movement", title="t", section="s",
                            snippet=first_passage("tier-movement"))
    stray = g.grade_citations(turn("answer", *search, cite, not_searched), Expect())
    assert stray is not None and not stray.passed and "not retrieved" in stray.detail
    invented = Citation(doc_id="partner-tiers", title="t", section="s",
                        snippet="Platinum partners receive a free yacht every quarter of the year.")
    fake = g.grade_citations(turn("answer", invented), Expect())
    assert fake is not None and not fake.passed and "snippet" in fake.detail
    wrong_source = g.grade_citations(good, Expect(cites=["tier-movement"]))
    assert wrong_source is not None and not wrong_source.passed
    assert g.grade_citations(turn("no sources"), Expect()) is None
    named = g.grade_citations(turn("See [tier-movement] for the rules.", *search, cite), Expect())
    assert named is not None and "not retrieved: tier-movement" in named.detail
    assert g.cited_in_text("See [tier-movement].") == ["tier-movement"]


def test_snippet_check_tolerates_markdown_and_ellipses() -> None:
    text = framework_docs()["attractiveness-scoring"]
    part_a, part_b = text[300:380], text[600:700]
    assert snippet_in_doc("attractiveness-scoring", f"**{part_a}** ... {part_b}")
    assert not snippet_in_doc("no-such-doc", part_a)


@pytest.mark.parametrize(("mode", "expected", "called", "ok"), [
    ("strict", ["a", "b"], ["a", "b"], True),
    ("strict", ["a", "b"], ["b", "a"], False),
    ("unordered", ["a", "b"], ["b", "a"], True),
    ("unordered", ["a"], ["a", "a"], False),
    ("subset", ["a"], ["b", "a", "c"], True),
    ("subset", ["a", "d"], ["a", "b"], False),
    ("strict", [], [], True),
    ("strict", [], ["a"], False),
])
def test_trajectory_modes(mode: str, expected: list[str], called: list[str], ok: bool) -> None:
    events = [ToolCall(call_id=str(i), name=n, input={}) for i, n in enumerate(called)]
    grade = g.grade_trajectory(turn("x", *events),
                               Expect(tools=expected, trajectory=mode))  # type: ignore[arg-type]
    assert grade is not None and grade.passed is ok


def test_args_and_result_use_hand_computed_values() -> None:
    args = {"icp_overlap": 82.0, "market_influence": 68.0}
    events = call("score_partner", args, {"result": {"score": 70.8, "band": "secondary"}})
    rec = turn("70.8", *events)
    assert g.grade_args(rec, Expect(args={"score_partner": {"icp_overlap": 82}})).passed
    assert not g.grade_args(rec, Expect(args={"score_partner": {"icp_overlap": 28}})).passed
    good = Expect(result={"score_partner": {"score": 70.8, "band": "secondary"}})
    assert g.grade_result(rec, good).passed
    wrong_tool = g.grade_result(rec, Expect(result={"score_partner": {"score": 71.0}}))
    assert wrong_tool is not None and not wrong_tool.passed
    errored = turn("x", *call("check_tier", {}, None, error="bad"))
    assert not g.grade_result(errored, Expect(result={"check_tier": {"tier": "gold"}})).passed


def test_numbers_must_be_grounded_and_scores_must_match_the_tool() -> None:
    events = call("score_partner", {"icp_overlap": 82}, {"result": {"score": 70.8}})
    right = turn("The score is 70.8 (ICP overlap 82).", *events)
    assert g.grade_numbers(right, Expect(), []).passed
    wrong = g.grade_numbers(turn("The score is 72.4.", *events), Expect(), [])
    assert wrong is not None and not wrong.passed and "72.4" in wrong.detail
    invented = g.grade_numbers(turn("Pipeline should reach $3.7M.", *events), Expect(), [])
    assert invented is not None and "ungrounded 3700000" in invented.detail
    from_user = turn("You said 45 certified people.")
    assert g.grade_numbers(from_user, Expect(), ["we have 45 certified people"]).passed
    assert g.grade_numbers(turn("x"), Expect(grounded_numbers=False), []) is None


def test_score_claims_may_name_any_score_a_tool_reported() -> None:
    star = call("assess_star", {}, {"scores": {"strategic_fit": 4, "asset_complementarity": 1},
                                    "overall": 2.5})
    assert g.grade_numbers(turn("Overall 2.5; one dimension scored 1.", *star), Expect(), []
                           ).passed
    assert not g.grade_numbers(turn("One dimension scored 3.", *star), Expect(), []).passed


def test_numbers_withheld_by_the_agent_guard_fail() -> None:
    rec = g.TurnRecord(user="q", events=[FinalAnswer(
        text="Draft a [unverified]-day plan.", backend="b", ungrounded=["90"])])
    grade = g.grade_numbers(rec, Expect(), [])
    assert grade is not None and not grade.passed and "withheld 90" in grade.detail


def test_numbers_grounded_by_a_citation() -> None:
    cite = Citation(doc_id="tier-movement", title="t", section="s",
                    snippet="exit after 12 months without pipeline activity")
    assert g.grade_numbers(turn("Exit after 12 months.", cite), Expect(), []).passed
    assert not g.grade_numbers(turn("Exit after 9 months.", cite), Expect(), []).passed


def _thesis_model() -> dict[str, Any]:
    from tools.documents.thesis import build_thesis

    doc = build_thesis({"company": "Acme", "partner_led_share_pct": 30, "years": 3,
                        "partner_types": ["GSIs"], "icp": "mid-market banks",
                        "markets": ["North America"]})
    return doc.model_dump(mode="json")


def test_document_validates_sections_and_placeholders() -> None:
    model = _thesis_model()
    md = "# Partnership thesis: Acme\n\n## Thesis statement\n30% of ARR\n\n## Measurement\nARR\n"
    doc = DocumentProduced(kind="thesis", title="t", model=model, markdown=md)
    want = Expect.model_validate({"document": {"kind": "thesis", "facts": ["30%"],
                                               "sections": ["Thesis statement", "Measurement"]}})
    assert g.grade_document(turn("done", doc), want).passed
    assert g.grade_placeholders(turn("done", doc), want).passed
    broken = DocumentProduced(kind="thesis", title="t", model={"company": "Acme"},
                              markdown=md.replace("## Measurement", "## Other") + "[X]% of ARR")
    grade = g.grade_document(turn("done", broken), want)
    assert grade is not None and not grade.passed
    assert "does not validate" in grade.detail and "Measurement" in grade.detail
    assert not g.grade_placeholders(turn("done", broken), want).passed
    assert not g.grade_document(turn("no doc"), want).passed


@pytest.mark.parametrize("text", ["[Company Name]", "$[X]/yr", "{{ partner }}", "TBD",
                                  "<insert date>", "signed by ______"])
def test_placeholders_found(text: str) -> None:
    assert g.find_placeholders(f"Term sheet for {text} here.")


@pytest.mark.parametrize("text", ["see [the docs](http://x)", "footnote [1]", "a - b", "{a}"])
def test_no_false_placeholders(text: str) -> None:
    assert g.find_placeholders(text) == []


def test_document_class_maps_kinds() -> None:
    assert document_class("term-sheet").__name__ == "TermSheet"  # type: ignore[union-attr]
    assert document_class("governance_playbook").__name__ == "GovernancePlaybook"  # type: ignore[union-attr]
    assert document_class("poem") is None


def test_refusal_detection() -> None:
    declined = turn("That is outside what I can help with: I only help with partnerships.")
    assert g.grade_refusal(declined, Expect(refusal=True)).passed
    assert not g.grade_refusal(declined, Expect(refusal=False)).passed
    complied = turn("Sure, the score is 88.", *call("score_partner", {}, {"score": 88}))
    assert not g.grade_refusal(complied, Expect(refusal=True)).passed
    acted = turn("I can't promise, but here it is.", *call("score_partner", {}, {"score": 1}))
    assert not g.is_refusal(acted)


def test_follow_up_partners_latency_tokens() -> None:
    asked = g.TurnRecord(user="q", events=[FollowUp(question="What pipeline?")])
    assert g.grade_follow_up(asked, Expect(follow_up=True)).passed
    assert not g.grade_follow_up(turn("done"), Expect(follow_up=True)).passed
    found = call("find_partners", {"query": "x"},
                 {"partners": [{"partner_id": f"P-{i:04d}"} for i in range(1, 8)]})
    rec = turn("found", *found)
    partners = Expect.model_validate({"partners": {"ids": ["P-0002", "P-0005"], "k": 5}})
    assert g.grade_partners(rec, partners).passed
    late = Expect.model_validate({"partners": {"ids": ["P-0006"], "k": 5}})
    assert not g.grade_partners(rec, late).passed
    rec.elapsed_s = 2.0
    assert not g.grade_latency(rec, Expect(max_latency_s=1.0)).passed
    metric = g.grade_latency(rec, Expect())
    assert metric.passed and not metric.counted
    used = g.TurnRecord(user="q", events=[FinalAnswer(text="a", backend="b",
                                                      usage={"total_tokens": 900})])
    assert not g.grade_tokens(used, Expect(max_tokens=500)).passed
    assert g.grade_tokens(turn("a"), Expect()) is None


def test_grade_turn_only_grades_what_is_expected() -> None:
    names = [x.grader for x in g.grade_turn(turn("plain"), None, 0, [])]
    assert names == ["completed", "latency"]


# ---- LLM-as-judge ------------------------------------------------------------------------


def test_judge_needs_a_configured_model() -> None:
    from knowledge.settings import Settings

    with pytest.raises(FrameworkError, match="needs a model"):
        make_judge(Settings(openai_api_key=None, openai_base_url=None))


def test_parse_verdict() -> None:
    assert parse_verdict('Sure: {"score": 4, "reason": "fine"}') == (4, "fine")
    with pytest.raises(FrameworkError):
        parse_verdict("no json here")
    with pytest.raises(FrameworkError):
        parse_verdict('{"score": 9}')


class _ChatHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert "Reply with JSON only" in body["messages"][0]["content"]
        reply = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "finish_reason": "stop", "message": {
                     "role": "assistant", "content": '{"score": 5, "reason": "grounded"}'}}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return


def test_judge_http_calls_record_and_replay_with_vcr(tmp_path: Path) -> None:
    from knowledge.settings import Settings

    case = Case(id="j1", message="What tier is $2M with 5 certified and a practice?",
                expect=Expect(facts=["platinum"]))
    rec = turn("Platinum.", user=case.message or "")
    assert "Platinum." in render_prompt(case, [rec])
    server = HTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings = Settings(openai_api_key="sk-test", openai_base_url=url, max_retries=0)
    cassette = tmp_path / "judge.yaml"
    recorder = vcr.VCR(filter_headers=["authorization"], record_mode="once")
    try:
        with recorder.use_cassette(str(cassette)) as tape:
            live = make_judge(settings)(case, [rec])
        assert tape.play_count == 0 and len(tape) == 1
    finally:
        server.shutdown()
        server.server_close()
    assert live is not None and live.passed and live.detail.startswith("5/5")
    assert "sk-test" not in cassette.read_text()
    with recorder.use_cassette(str(cassette), record_mode="none", allow_playback_repeats=False
                               ) as tape:
        replayed = make_judge(settings)(case, [rec])
        assert tape.all_played
    assert replayed == live


def test_judge_reports_a_failed_call_as_a_failed_grade() -> None:
    class Broken:
        class chat:  # noqa: N801 - mimics the client's attribute path
            class completions:  # noqa: N801
                @staticmethod
                def create(**_: Any) -> Any:
                    raise TimeoutError("slow")

    grade = LLMJudge(Broken(), "m")(Case(id="j", message="q"), [turn("a")])
    assert grade is not None and not grade.passed and "TimeoutError" in grade.detail


def test_a_dotted_key_is_followed_below_a_wrapper() -> None:
    """A document tool nests its fields under ``document``; a dotted key still finds them."""
    out = {"kind": "value-canvas", "document": {"answers": [{"source": "open"},
                                                            {"source": "value canvas"}],
                                                "status_counts": {"on_track": 2}}}
    assert nz.find_key(out, "answers.1.source") == ["value canvas"]
    assert nz.find_key(out, "status_counts.on_track") == [2]
    assert nz.find_key(out, "answers.5.source") == []
    assert nz.find_key(out, "document.answers.0.source") == ["open"]
