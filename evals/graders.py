"""Deterministic graders: each reads one turn's events and an :class:`Expect`, returns grades.

A grader returns ``None`` when the expectation it checks is not set, so only what a case
asks for is graded. ``completed`` (no error, an answer or a question came back) applies to
every turn. ``latency`` and ``tokens`` are graded only against a stated budget; otherwise
they are recorded as metrics.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from agent.events import (
    Citation,
    DocumentProduced,
    ErrorEvent,
    FinalAnswer,
    FollowUp,
    ToolCall,
    ToolResult,
)
from evals import normalise as nz
from evals.cases import Expect
from evals.records import Grade as Grade
from evals.records import TurnRecord as TurnRecord
from evals.safety import SAFETY_GRADERS, without_stored_quotes
from evals.sources import document_class, framework_docs, snippet_in_doc
from tools.documents.common import find_placeholders

ACTION_TOOLS_PREFIXES = ("score_", "assess_", "check_", "review_", "draft_", "build_",
                         "recommend_", "portfolio_")
REFUSAL = re.compile(
    r"\b(?:can(?:no|'|’)t|cannot|won(?:'|’)t|will not|unable to|not able to|decline|"
    r"outside (?:the |my |this |what )?(?:scope|framework|remit|i can)|out of scope|"
    r"only (?:help|answer|cover|work)|not (?:part of|covered by|in) (?:the|our) framework|"
    r"(?:isn(?:'|’)t|is not|not) (?:something|a question) (?:i|the framework)|"
    r"no (?:tool|source|passage|figure|number) (?:gives|states|supports|for)|"
    r"would be (?:invented|made up)|not (?:invent|make up)|never invent)",
    re.IGNORECASE,
)
SCORE_CLAIM = re.compile(r"\bscore[sd]?\b[^.\n\d]{0,25}?(\d+(?:\.\d+)?)", re.IGNORECASE)


def _grade(name: str, hits: int, total: int, detail: str, counted: bool = True) -> Grade:
    return Grade(grader=name, passed=hits == total, score=hits / total if total else 1.0,
                 detail=detail, counted=counted)


def grade_completed(turn: TurnRecord, expect: Expect) -> Grade:
    """The turn finished: no error event, no timeout, and an answer or a question."""
    errors = turn.of(ErrorEvent)
    if turn.timed_out:
        return _grade("completed", 0, 1, f"timed out after {turn.elapsed_s:.1f}s")
    if errors:
        return _grade("completed", 0, 1, f"error {errors[0].kind}: {errors[0].message}")
    if not turn.of(FinalAnswer) and not turn.of(FollowUp):
        return _grade("completed", 0, 1, "no final answer and no follow-up question")
    return _grade("completed", 1, 1, "answered")


def grade_facts(turn: TurnRecord, expect: Expect) -> Grade | None:
    """Every expected fact (and at least one of ``any_facts``) appears; no forbidden text."""
    if not (expect.facts or expect.any_facts or expect.forbidden):
        return None
    answer = turn.answer
    missing = [f for f in expect.facts if not nz.contains(answer, f)]
    present = [f for f in expect.forbidden if nz.contains(answer, f)]
    any_ok = not expect.any_facts or any(nz.contains(answer, f) for f in expect.any_facts)
    total = len(expect.facts) + len(expect.forbidden) + (1 if expect.any_facts else 0)
    hits = total - len(missing) - len(present) - (0 if any_ok else 1)
    parts = []
    if missing:
        parts.append("missing " + "; ".join(repr(m) for m in missing))
    if present:
        parts.append("forbidden present " + "; ".join(repr(p) for p in present))
    if not any_ok:
        parts.append("none of " + "; ".join(repr(a) for a in expect.any_facts))
    return _grade("facts", hits, total, ", ".join(parts) or "all facts present")


def retrieved_doc_ids(turn: TurnRecord) -> set[str]:
    """Doc ids the turn actually retrieved: search_framework results, else citation events."""
    searched: set[str] = set()
    searched_any = False
    for result in turn.of(ToolResult):
        if result.name == "search_framework" and result.error is None:
            searched_any = True
            searched.update(str(v) for v in nz.find_key(result.output, "doc_id"))
    if searched_any:
        return searched
    return {c.doc_id for c in turn.of(Citation)}


def cited_in_text(answer: str) -> list[str]:
    """Framework doc ids named in the answer text, e.g. ``[partner-tiers]``."""
    return [doc for doc in framework_docs() if "-" in doc
            and re.search(rf"(?<![\w-]){re.escape(doc)}(?![\w-])", answer)]


def grade_citations(turn: TurnRecord, expect: Expect) -> Grade | None:
    """Cited ids were retrieved in this turn, snippets come from their docs, expected are cited.

    Runs on every turn that cites something, and on every turn whose case expects a source.
    """
    citations = turn.of(Citation)
    in_text = cited_in_text(turn.answer)
    if not citations and not expect.cites and not in_text:
        return None
    retrieved = retrieved_doc_ids(turn)
    cited = [c.doc_id for c in citations] + in_text
    problems: list[str] = []
    not_retrieved = sorted({c for c in cited if c not in retrieved})
    if not_retrieved:
        problems.append("cited but not retrieved: " + ", ".join(not_retrieved))
    unfaithful = sorted({c.doc_id for c in citations if not snippet_in_doc(c.doc_id, c.snippet)})
    if unfaithful:
        problems.append("snippet not found in its document: " + ", ".join(unfaithful))
    uncited = [doc for doc in expect.cites if doc not in cited]
    if uncited:
        problems.append("expected source not cited: " + ", ".join(uncited))
    total = len(set(cited)) + len(expect.cites) + len(set(cited))
    hits = total - len(not_retrieved) - len(unfaithful) - len(uncited)
    detail = "; ".join(problems) or "cited " + ", ".join(sorted(set(cited)))
    grade = _grade("citations", max(hits, 0), total, detail)
    grade.passed = not problems
    return grade


def grade_trajectory(turn: TurnRecord, expect: Expect) -> Grade | None:
    """The tools called match the expected ones (strict, unordered or subset)."""
    if expect.tools is None:
        return None
    actual = [c.name for c in turn.of(ToolCall)]
    want = list(expect.tools)
    if expect.trajectory == "strict":
        ok = actual == want
    elif expect.trajectory == "unordered":
        ok = Counter(actual) == Counter(want)
    else:
        ok = not (Counter(want) - Counter(actual))
    matched = sum((Counter(want) & Counter(actual)).values())
    total = max(len(want), 1)
    detail = f"{expect.trajectory}: expected {want}, called {actual}"
    return Grade(grader="trajectory", passed=ok, score=1.0 if ok else matched / total,
                 detail=detail)


def grade_args(turn: TurnRecord, expect: Expect) -> Grade | None:
    """Some call of each tool carried the expected argument values."""
    if not expect.args:
        return None
    calls = turn.of(ToolCall)
    bad = []
    for tool, wanted in expect.args.items():
        inputs = [c.input for c in calls if c.name == tool]
        if not any(nz.values_match(wanted, given) for given in inputs):
            bad.append(f"{tool}: expected {wanted}, got {inputs or 'no call'}")
    return _grade("tool_args", len(expect.args) - len(bad), len(expect.args),
                  "; ".join(bad) or "arguments match")


def _output_holds(output: Any, wanted: dict[str, Any]) -> list[str]:
    wrong = []
    for key, value in wanted.items():
        found = nz.find_key(output, key)
        if not any(nz.values_match(value, item) for item in found):
            wrong.append(f"{key}={value!r} (found {found[:3]!r})")
    return wrong


def grade_result(turn: TurnRecord, expect: Expect) -> Grade | None:
    """Some successful result of each tool holds the expected (hand-computed) values."""
    if not expect.result:
        return None
    results = turn.of(ToolResult)
    bad = []
    for tool, wanted in expect.result.items():
        outputs = [r.output for r in results if r.name == tool and r.error is None]
        if not outputs:
            bad.append(f"{tool}: no successful result")
            continue
        wrongs: list[list[str]] = [_output_holds(out, wanted) for out in outputs]
        if all(wrongs):
            fewest = sorted(wrongs, key=len)[0]
            bad.append(f"{tool}: " + ", ".join(fewest))
    return _grade("tool_result", len(expect.result) - len(bad), len(expect.result),
                  "; ".join(bad) or "results match")


def grounding_sources(turn: TurnRecord, history: list[str]) -> list[Decimal]:
    """Numbers the answer may state: from tools, citations, documents and the user's turns."""
    found: list[Decimal] = []
    for text in [*history, turn.user]:
        found.extend(nz.numbers_in(text))
    for event in turn.events:
        if isinstance(event, ToolCall):
            found.extend(nz.numbers_in_data(event.input))
        elif isinstance(event, ToolResult):
            found.extend(nz.numbers_in_data(event.output))
        elif isinstance(event, Citation):
            found.extend(nz.numbers_in(event.snippet))
        elif isinstance(event, DocumentProduced):
            found.extend(nz.numbers_in(event.markdown))
    found.extend([v * 100 for v in found if 0 < v <= 1])
    return found


def _tool_scores(turn: TurnRecord) -> list[Decimal]:
    """Numbers a tool reported under a score-like key (``score``, ``exact_score``, ...)."""
    found: list[Decimal] = []

    def walk(data: Any, scored: bool) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                walk(value, scored or "score" in str(key) or key == "overall")
        elif isinstance(data, list):
            for item in data:
                walk(item, scored)
        elif scored and isinstance(data, int | float) and not isinstance(data, bool):
            found.append(Decimal(str(data)))

    for result in turn.of(ToolResult):
        walk(result.output, False)
    return found


def grade_numbers(turn: TurnRecord, expect: Expect, history: list[str]) -> Grade | None:
    """Every number in the answer is grounded, and any stated score equals a tool's score.

    The score check applies when a tool reported scores in the turn: a "score ... N" in the
    answer must then equal one of them (or a number in a cited passage, such as a band
    threshold).
    """
    if not expect.grounded_numbers:
        return None
    answer = without_stored_quotes(turn)  # a record shown whole is data, not a claim
    stated = nz.numbers_in(nz.without_code(answer), skip_enumerators=True)
    scores = _tool_scores(turn)
    claims = [Decimal(m.group(1)) for m in SCORE_CLAIM.finditer(answer)] if scores else []
    withheld = [w for final in turn.of(FinalAnswer) for w in final.ungrounded]
    if not stated and not claims and not withheld:
        return None
    sources = grounding_sources(turn, history)
    cited = [n for c in turn.of(Citation) for n in nz.numbers_in(c.snippet)]
    ungrounded = [n for n in stated if not any(nz.close(n, s) for s in sources)]
    wrong_scores = [c for c in claims
                    if not any(abs(c - s) <= Decimal("0.05") for s in [*scores, *cited])]
    total = len(stated) + len(claims) + len(withheld)
    hits = total - len(ungrounded) - len(wrong_scores) - len(withheld)
    parts = []
    if withheld:
        parts.append("the agent's guard withheld " + ", ".join(withheld))
    if ungrounded:
        parts.append("ungrounded " + ", ".join(nz.canonical(n) for n in ungrounded))
    if wrong_scores:
        parts.append("score differs from every tool score " +
                     ", ".join(nz.canonical(c) for c in wrong_scores))
    return _grade("grounded_numbers", hits, total, "; ".join(parts) or "all numbers grounded")


def grade_document(turn: TurnRecord, expect: Expect) -> Grade | None:
    """A produced document validates against its model and has every required section."""
    docs = turn.of(DocumentProduced)
    want = expect.document
    if want is None:
        return None
    if not docs:
        return _grade("document", 0, 1, "no document produced")
    doc = docs[-1]
    problems = []
    if want.kind and nz.tokens(want.kind.replace("_", " ")) != nz.tokens(
            doc.kind.replace("_", " ")):
        problems.append(f"kind {doc.kind!r}, expected {want.kind!r}")
    cls = document_class(doc.kind)
    if cls is None:
        problems.append(f"no document model for kind {doc.kind!r}")
    else:
        data = {k: v for k, v in doc.model.items() if k not in cls.model_computed_fields}
        try:
            cls.model_validate(data)
        except Exception as exc:  # noqa: BLE001 - any validation failure is the finding
            problems.append(f"model does not validate: {str(exc).splitlines()[0]}")
    headings = [h.lower() for h in re.findall(r"^#+\s*(.+)$", doc.markdown, re.MULTILINE)]
    for section in want.sections:
        if not any(nz.contains(h, section) for h in headings):
            problems.append(f"section missing: {section}")
    for fact in want.facts:
        if not nz.contains(doc.markdown, fact):
            problems.append(f"fact missing: {fact}")
    total = 2 + len(want.sections) + len(want.facts)
    return _grade("document", total - len(problems), total, "; ".join(problems) or "valid")


def grade_placeholders(turn: TurnRecord, expect: Expect) -> Grade | None:
    """No produced document (nor the answer that presents it) has an unfilled slot."""
    docs = turn.of(DocumentProduced)
    if not docs and expect.document is None:
        return None
    texts = [d.markdown for d in docs] + [turn.answer]
    hits = [p for text in texts for p in find_placeholders(text)]
    return _grade("placeholders", 0 if hits else 1, 1,
                  "found " + ", ".join(repr(h) for h in hits[:5]) if hits else "none")


def is_refusal(turn: TurnRecord) -> bool:
    """The answer declines: a refusal phrase and no action tool producing a result."""
    acted = any(r.name.startswith(ACTION_TOOLS_PREFIXES) and r.error is None
                for r in turn.of(ToolResult))
    return bool(REFUSAL.search(turn.answer)) and not acted and not turn.of(DocumentProduced)


def grade_refusal(turn: TurnRecord, expect: Expect) -> Grade | None:
    """The turn declines (out of scope, invented figures) exactly when the case says so."""
    if expect.refusal is None:
        return None
    refused = is_refusal(turn)
    ok = refused == expect.refusal
    want = "a refusal" if expect.refusal else "an answer, not a refusal"
    return _grade("refusal", 1 if ok else 0, 1,
                  f"expected {want}; " + ("declined" if refused else "did not decline"))


def grade_follow_up(turn: TurnRecord, expect: Expect) -> Grade | None:
    """The turn asks (or does not ask) a follow-up question."""
    if expect.follow_up is None:
        return None
    asked = bool(turn.of(FollowUp))
    ok = asked == expect.follow_up
    return _grade("follow_up", 1 if ok else 0, 1,
                  ("asked: " + turn.of(FollowUp)[0].question) if asked else "no follow-up")


def grade_partners(turn: TurnRecord, expect: Expect) -> Grade | None:
    """The expected partner ids are among the top ``k`` partners the search returned."""
    want = expect.partners
    if want is None:
        return None
    ranked: list[str] = []
    for result in turn.of(ToolResult):
        if result.name == want.tool and result.error is None:
            ranked = [str(i) for i in nz.find_key(result.output, "partner_id")]
            break
    top = ranked[: want.k]
    hits = [i for i in want.ids if i in top]
    need = want.min_hits or len(want.ids)
    grade = _grade("partners", len(hits), len(want.ids),
                   f"top {want.k}: {top}; expected {want.ids}")
    grade.passed = len(hits) >= need
    return grade


def grade_latency(turn: TurnRecord, expect: Expect) -> Grade:
    """Turn latency against ``max_latency_s`` when set; a metric otherwise."""
    budget = expect.max_latency_s
    detail = f"{turn.elapsed_s:.3f}s" + (f" (budget {budget}s)" if budget else "")
    ok = budget is None or turn.elapsed_s <= budget
    return Grade(grader="latency", passed=ok, score=1.0 if ok else 0.0, detail=detail,
                 counted=budget is not None)


def grade_tokens(turn: TurnRecord, expect: Expect) -> Grade | None:
    """Token count against ``max_tokens`` when set; a metric when the backend reports usage."""
    used = turn.tokens
    if used is None and expect.max_tokens is None:
        return None
    ok = expect.max_tokens is None or (used is not None and used <= expect.max_tokens)
    detail = f"{used} tokens" + (f" (budget {expect.max_tokens})" if expect.max_tokens else "")
    return Grade(grader="tokens", passed=ok, score=1.0 if ok else 0.0, detail=detail,
                 counted=expect.max_tokens is not None)


GRADERS: tuple[Callable[[TurnRecord, Expect], Grade | None], ...] = (
    grade_completed, grade_facts, grade_citations, grade_trajectory, grade_args,
    grade_result, grade_document, grade_placeholders, grade_refusal, grade_follow_up,
    grade_partners, grade_latency, grade_tokens, *SAFETY_GRADERS,
)


def grade_turn(turn: TurnRecord, expect: Expect | None, index: int,
               history: list[str]) -> list[Grade]:
    """Run every applicable grader on one turn.

    Args:
        turn: The turn's events and timing.
        expect: What the turn must show (None: only ``completed`` and metrics).
        index: The turn's position in the case.
        history: Earlier messages and tool results of the case (their numbers are grounded).
    """
    spec = expect or Expect(grounded_numbers=False)
    grades = [g for grader in GRADERS if (g := grader(turn, spec)) is not None]
    numbers = grade_numbers(turn, spec, history)
    if numbers is not None:
        grades.append(numbers)
    for grade in grades:
        grade.turn = index
    return grades
