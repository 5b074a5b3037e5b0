"""The offline planner: the agent's tools, events and documents with no language model.

One turn: resume a pending question or classify the message (keyword rules + MiniLM
exemplars), extract the slots, ask one short follow-up when a required slot is missing,
otherwise run the tool through :func:`agent.registry.execute` and narrate its result with a
template. Framework questions get an extractive answer: the sentences of the retrieved
passages that answer, each cited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from agent.events import (
    Citation,
    ErrorEvent,
    Event,
    FinalAnswer,
    FollowUp,
    TextDelta,
    ToolResult,
)
from agent.guard import Facts, add_event_facts, guard_text
from agent.planner import documents, narrate, plans
from agent.planner.answer import SentenceVectors, extract_answer
from agent.planner.factors import extract_decision, extract_needs
from agent.planner.intent import (
    FRAMEWORK,
    HELP,
    INVENT_RE,
    REFUSE,
    IntentIndex,
    Signals,
    classify,
    intent_index,
    rule_candidates,
)
from agent.planner.partners import PartnerMatch, find_partner, strong_candidates
from agent.planner.plan import Plan
from agent.planner.slots import extract_criteria, extract_tier_figures
from agent.registry import execute
from agent.session import Pending, Session
from agent.toolset import Deps
from tools.errors import FrameworkError

CANCEL_RE = re.compile(r"^\s*(cancel|stop|never ?mind|forget (?:it|that)|no thanks|abort|"
                       r"quit|drop it|skip it)\b", re.I)
YES_RE = re.compile(r"^\s*(yes|yeah|yep|yup|correct|right|that'?s (?:it|right|the one)|"
                    r"sure|ok|okay|indeed|exactly)\b", re.I)
NO_RE = re.compile(r"^\s*(no|nope|wrong|not (?:that|them|it))\b", re.I)
SUGGEST_KEY = "_suggest"
#: Tools whose missing input a stored partner can supply (so "did you mean" applies).
PARTNER_SLOT_TOOLS = {"show_partner", "review_tier", "score_partner", "check_tier"}
MESSAGE_LIMIT = 4000


def _signals(text: str, partner_ref: bool) -> Signals:
    """What the message carries besides its words, for the intent rules."""
    return Signals(partner_ref=partner_ref, figures=bool(re.search(r"\d", text)),
                   criteria=len(extract_criteria(text)) >= 2,
                   tier_figures=_has_tier_figures(text), needs=bool(extract_needs(text)),
                   decision_facts=len(extract_decision(text)) > 1)


def _has_tier_figures(text: str) -> bool:
    """Whether the message states a pipeline or a certified count (not just a practice)."""
    found = extract_tier_figures(text)
    return "annual_pipeline_usd" in found or "certified_individuals" in found


def _only_a_name(text: str, partner: PartnerMatch) -> bool:
    """Whether the message is little more than a partner's name or id."""
    rest = text.lower()
    for phrase in (partner.asked or "", partner.name or "", partner.partner_id or ""):
        rest = rest.replace(phrase.lower(), " ") if phrase else rest
    return len(re.findall(r"[a-z]{3,}", rest)) <= 1 and not partner.focus


class OfflinePlanner:
    """The backend that needs no model (``PARTNERPILOT_BACKEND=offline``).

    Args:
        deps: Store, settings and output folder (the store is opened on first use).
    """

    name = "offline"
    model: str | None = None

    def __init__(self, deps: Deps | None = None) -> None:
        self.deps = deps
        self._embedder: Any = None
        self._vectors: SentenceVectors | None = None
        self._query_cache: dict[str, np.ndarray] = {}

    # -- models, loaded once -------------------------------------------------------------
    def _embedder_for(self, deps: Deps) -> Any:
        if self._embedder is None:
            from knowledge.embeddings import get_embedder

            self._embedder = get_embedder(deps.settings)
        return self._embedder

    def _index(self, deps: Deps) -> IntentIndex:
        return intent_index(self._embedder_for(deps))

    def _sentence_vectors(self, deps: Deps) -> SentenceVectors:
        if self._vectors is None:
            self._vectors = SentenceVectors(self._embedder_for(deps))
        return self._vectors

    def embed_query(self, text: str, deps: Deps) -> np.ndarray:
        """The message's vector (kept in memory: a repeated question embeds nothing)."""
        vector = self._query_cache.get(text)
        if vector is None:
            embedder = self._embedder_for(deps)
            inner = getattr(embedder, "inner", embedder)
            vector = np.asarray(inner.embed([text])[0], dtype=np.float32)
            if len(self._query_cache) > 512:
                self._query_cache.clear()
            self._query_cache[text] = vector
        return vector

    def warm_up(self, deps: Deps | None = None) -> None:
        """Load the embedder and the exemplar index (first-turn latency moves here)."""
        deps = deps or self.deps
        if deps is None:
            return
        self._index(deps)
        self.embed_query("warm up", deps)

    # -- the turn ------------------------------------------------------------------------
    def stream_turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        """Answer one message with the framework tools; yields the turn's events.

        A store that cannot be opened (or any other bad input) ends the turn with an
        ``ErrorEvent`` that names the problem.
        """
        if deps is None and self.deps is not None:
            deps = self.deps
        try:
            yield from self._turn(message, session, deps)
        except FrameworkError as exc:
            yield ErrorEvent(kind="input", message=str(exc))

    def _turn(self, message: str, session: Session, deps: Deps) -> Iterator[Event]:
        text = " ".join((message or "").split())[:MESSAGE_LIMIT]
        if not text:
            yield from self._finish([], narrate.render("help"))
            return
        if session.pending is not None:
            resumed = self._resume(text, session, deps)
            if resumed is not None:
                yield from resumed
                return
        yield from self._fresh(text, session, deps)

    def _fresh(self, text: str, session: Session, deps: Deps) -> Iterator[Event]:
        partner = find_partner(text, deps.store, session.focus_partner_id)
        sig = _signals(text, partner.found or partner.suggestion_id is not None)
        ruled = rule_candidates(text, sig)
        vector: np.ndarray | None = None
        if partner.found and not ruled and _only_a_name(text, partner):
            intent = "show_partner"
        else:
            index = self._index(deps) if len(ruled) != 1 else None
            vector = self.embed_query(text, deps) if len(ruled) != 1 else None
            intent = classify(text, sig, index, vector).intent
        if intent == HELP:
            yield from self._finish([], narrate.render("help"))
            return
        if intent == REFUSE:
            invent = bool(INVENT_RE.search(text))
            yield from self._finish([], narrate.render("refuse", invent=invent))
            return
        if intent == FRAMEWORK:
            yield from self._framework(text, deps, vector)
            return
        plan = plans.build_plan(intent, text, partner)
        if plan.missing and not partner.found and not partner.suggestion_id and (
                plan.tool in PARTNER_SLOT_TOOLS):
            unknown = strong_candidates(text)
            if unknown:
                plan.context["not_found"] = unknown[0]
        yield from self._act(plan, partner, session, deps)

    def _resume(self, text: str, session: Session, deps: Deps) -> Iterator[Event] | None:
        pending = session.pending
        assert pending is not None
        if CANCEL_RE.match(text):
            session.pending = None
            return self._finish([], narrate.render("cancelled"))
        saved = dict(pending.slots.get("args", {}))
        context = {k: v for k, v in pending.slots.get("context", {}).items()
                   if k not in ("not_found", "out_of_range")}
        suggestion = pending.slots.get(SUGGEST_KEY)
        if suggestion and YES_RE.match(text):
            partner = PartnerMatch(suggestion["partner_id"], suggestion["name"])
            return self._continue(pending.tool, saved, context, pending.missing, "", partner,
                                  session, deps)
        if suggestion and NO_RE.match(text) and len(text.split()) <= 2:
            pending.slots.pop(SUGGEST_KEY, None)
            return self._ask(Plan(pending.tool, saved, ["partner"], context), session)
        partner = find_partner(text, deps.store, session.focus_partner_id)
        sig = _signals(text, partner.found)
        candidates = rule_candidates(text, sig)
        if candidates and pending.tool not in candidates:
            session.pending = None
            return None
        plan, added = plans.fill_plan(pending.tool, saved, pending.missing, text, partner)
        if not added and not (partner.suggestion_id and "partner" in pending.missing):
            session.pending = None
            return None
        plan.context = {**context, **{k: v for k, v in plan.context.items() if v}}
        return self._act(plan, partner, session, deps)

    def _continue(self, tool: str, saved: dict[str, Any], context: dict[str, Any],
                  missing: list[str], text: str, partner: PartnerMatch, session: Session,
                  deps: Deps) -> Iterator[Event]:
        plan, _ = plans.fill_plan(tool, saved, missing, text, partner)
        plan.context = {**context, **{k: v for k, v in plan.context.items() if v}}
        return self._act(plan, partner, session, deps)

    def _act(self, plan: Plan, partner: PartnerMatch, session: Session,
             deps: Deps) -> Iterator[Event]:
        if partner.found:
            session.focus_partner_id = partner.partner_id
            plan.context.setdefault("partner_name", partner.name)
            if not plan.context.get("partner_name"):
                plan.context["partner_name"] = partner.name
        bad = plans.drop_out_of_range(plan)
        plan.context["out_of_range"] = bad
        if plan.missing:
            if partner.suggestion_id and plan.tool in PARTNER_SLOT_TOOLS:
                yield from self._did_you_mean(plan, partner, session)
                return
            yield from self._ask(plan, session)
            return
        session.pending = None
        yield from self._run(plan, session, deps)

    def _did_you_mean(self, plan: Plan, partner: PartnerMatch,
                      session: Session) -> Iterator[Event]:
        question = narrate.render("did_you_mean", asked=partner.asked,
                                  name=partner.suggestion_name,
                                  partner_id=partner.suggestion_id)
        session.pending = Pending(
            tool=plan.tool, missing=plan.missing, question=question,
            slots={"args": plan.args, "context": plan.context,
                   SUGGEST_KEY: {"partner_id": partner.suggestion_id,
                                 "name": partner.suggestion_name}})
        yield TextDelta(text=question)
        yield FollowUp(question=question, missing=plan.missing)
        yield FinalAnswer(text=question, backend=self.name)

    def _ask(self, plan: Plan, session: Session) -> Iterator[Event]:
        question = narrate.render("followup", tool=plan.tool, missing=plan.missing,
                                  context=plan.context)
        session.pending = Pending(tool=plan.tool, missing=plan.missing, question=question,
                                  slots={"args": plan.args, "context": plan.context})
        yield TextDelta(text=question)
        yield FollowUp(question=question, missing=plan.missing)
        yield FinalAnswer(text=question, backend=self.name)

    def _run(self, plan: Plan, session: Session, deps: Deps) -> Iterator[Event]:
        args = plan.args
        if plan.tool in documents.DOCUMENTS:
            args = documents.to_input(plan.tool, args, deps)
        done = execute(plan.tool, args, deps)
        events: list[Event] = done.events()
        yield from events
        if not done.ok:
            text = narrate.render("tool_error", tool=plan.tool, error=done.error)
            yield from self._finish(events, text)
            return
        output = done.output_data()
        self._remember_partner(plan.tool, output, session)
        text = narrate.narrate_tool(plan.tool, output, **self._extra(plan))
        yield from self._finish(events, text)

    @staticmethod
    def _extra(plan: Plan) -> dict[str, Any]:
        if plan.tool in ("check_tier", "review_tier"):
            return {"partner_name": plan.context.get("partner_name"),
                    "as_of": plan.context.get("as_of") or plan.args.get("as_of")}
        if plan.tool in ("find_partners", "portfolio_summary"):
            return {"filters": plan.context.get("filters", "")}
        return {}

    @staticmethod
    def _remember_partner(tool: str, output: Any, session: Session) -> None:
        if not isinstance(output, dict):
            return
        if tool == "show_partner":
            session.focus_partner_id = output.get("partner", {}).get("partner_id")
        elif tool == "score_partner" and output.get("partner_id"):
            session.focus_partner_id = output["partner_id"]
        elif tool == "find_partners" and output.get("count") == 1:
            session.focus_partner_id = output["partners"][0]["partner_id"]

    def _framework(self, text: str, deps: Deps, vector: np.ndarray | None) -> Iterator[Event]:
        plan = plans.plan_search(text)
        done = execute(plan.tool, plan.args, deps)
        if not done.ok or done.result is None:
            events = done.events()
            yield from events
            yield from self._finish(events, narrate.render("tool_error", tool=plan.tool,
                                                           error=done.error))
            return
        passages = list(getattr(done.result, "passages", []))
        if vector is None:
            vector = self.embed_query(text, deps)
        chosen = extract_answer(text, vector, passages, self._sentence_vectors(deps))
        used = {(s.doc_id, s.chunk_id) for s in chosen}
        events = [e for e in done.events()
                  if not isinstance(e, Citation) or (e.doc_id, e.chunk_id) in used]
        yield from events
        body = narrate.render("framework_answer", sentences=chosen)
        yield from self._finish(events, body)

    def _finish(self, events: list[Event], text: str) -> Iterator[Event]:
        # Which backend answered is said by every front end (CLI line, UI badge, JSON).
        facts = Facts()
        for event in events:
            add_event_facts(facts, event)
            if isinstance(event, ToolResult) and event.error:
                facts.add_text(event.error)  # the tool's own words, e.g. a bound it enforces
        checked = guard_text(text, facts)
        for line in checked.text.splitlines(keepends=True):
            yield TextDelta(text=line)
        yield FinalAnswer(text=checked.text, backend=self.name, ungrounded=checked.ungrounded)
