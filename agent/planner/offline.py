"""The offline planner: the agent's tools, events and documents with no language model.

One turn: resume a pending question, re-run the last tool call with a change ("what if ICP
overlap were 90?"), or rank every intent with one scorer (exemplar meaning plus typed
signals, :mod:`agent.planner.scorer`) and ask which was meant when the top two are close.
Then extract the slots, ask one short follow-up when a required slot is missing, otherwise
run the tool through :func:`agent.registry.execute` and narrate its result with a template.
Framework questions get an extractive answer: the sentences of the retrieved passages that
answer, each cited.
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
    FollowUp,
)
from agent.planner import documents, followups, narrate, plans
from agent.planner.answer import SentenceVectors, extract_answer
from agent.planner.clarify import clarify_between, clearly_different, pick_option
from agent.planner.features import INVENT_RE
from agent.planner.memory import carry_over, remember, what_if_plan
from agent.planner.partners import PartnerMatch, find_partner, strong_candidates
from agent.planner.plan import Plan
from agent.planner.running import announce_and_run, compare_partners, finish
from agent.planner.scorer import IntentScorer, Ranking, intent_scorer
from agent.planner.specs import FRAMEWORK, HELP, REFUSE, SPECS
from agent.session import Pending, Session
from agent.toolset import Deps
from knowledge.embeddings import get_embedder
from tools.errors import FrameworkError
from tools.vocab import CRITERIA

CANCEL_RE = re.compile(r"^\s*(?:ok,?\s+|okay,?\s+|actually,?\s+)?(cancel|stop|never ?mind|"
                       r"forget (?:it|that|about it)|no thanks|abort|quit|drop (?:it|that)|"
                       r"skip (?:it|that)|park (?:it|that|this)|leave (?:it|that)|hold off)"
                       r"\b[^.!?;]*[.!?;]?", re.I)
YES_RE = re.compile(r"^\s*(yes|yeah|yep|yup|correct|right|that'?s (?:it|right|the one)|"
                    r"sure|ok|okay|indeed|exactly)\b", re.I)
NO_RE = re.compile(r"^\s*(no|nope|wrong|not (?:that|them|it))\b", re.I)
SUGGEST_KEY = "_suggest"
CLARIFY = "_clarify"
#: Tools whose missing input a stored partner can supply (so "did you mean" applies).
PARTNER_SLOT_TOOLS = {"show_partner", "review_tier", "score_partner", "check_tier",
                      "account_overlap"}
#: Partner tools compared by their own results side by side, not by the score and tier
#: review table (:data:`agent.planner.running.COMPARED_TOOLS`).
OWN_COMPARISON = {"account_overlap"}
MESSAGE_LIMIT = 4000
#: Arguments a stored partner's record supplies itself, per tool.
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "score_partner": CRITERIA,
    "check_tier": ("annual_pipeline_usd", "certified_individuals", "dedicated_practice"),
}


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
            self._embedder = get_embedder(deps.settings)
        return self._embedder

    def _scorer(self, deps: Deps) -> IntentScorer:
        return intent_scorer(self._embedder_for(deps))

    def rank(self, text: str, deps: Deps, partner: PartnerMatch | None = None) -> Ranking:
        """Every intent for ``text``, best first (the LLM path uses it to pick tools)."""
        partner = partner or find_partner(text, deps.store)
        return self._scorer(deps).rank(text, partner, self.embed_query(text, deps))

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
        self._scorer(deps)
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
            yield from finish(self.name, [], narrate.render("help"))
            return
        if session.pending is not None:
            resumed = self._resume(text, session, deps)
            if resumed is not None:
                yield from resumed
                return
        yield from self._fresh(text, session, deps)

    def _fresh(self, text: str, session: Session, deps: Deps) -> Iterator[Event]:
        why = followups.why_text(session) if followups.is_why(text) else followups.why_about(
            text, session)
        if why is not None:  # "Why?" answered from the last result's reasoning
            yield from finish(self.name, [], why)
            return
        compared = followups.compare_ids(text, deps.store)
        if compared:
            each = self._each_partner(text, compared, deps)
            if each:  # "the account overlap of A against B": that tool for each
                yield from self._side_by_side(each, PartnerMatch(compared[-1]), session, deps)
            else:
                yield from compare_partners(compared, session, deps, self.name)
            return
        partner = find_partner(text, deps.store, session.focus_partner_id)
        again = followups.compare_rerun(text, session, partner)
        if again:  # "how does B compare?": the last call for B, beside A's
            yield from self._side_by_side(again, partner, session, deps)
            return
        vector = self.embed_query(text, deps)
        ranking = self._scorer(deps).rank(text, partner, vector)
        rerun = what_if_plan(text, ranking, session, partner)
        if rerun is not None:
            yield from self._act(rerun, partner, session, deps)
            return
        if clarify_between(ranking) is not None:
            yield from self._clarify(text, ranking, session)
            return
        else:
            intent = ranking.top
        yield from self._route(intent, text, partner, session, deps, vector)

    def _each_partner(self, text: str, ids: list[str], deps: Deps) -> list[Plan]:
        """One plan per compared partner, or none.

        Only when the message asks for a partner tool other than the default comparison
        (score and tier review), such as the account overlap.
        """
        ranking = self._scorer(deps).rank(text, find_partner(text, deps.store),
                                          self.embed_query(text, deps))
        tool = ranking.top
        if tool not in OWN_COMPARISON:
            return []
        stored = [deps.store.get_partner(pid) for pid in ids]
        each = [plans.build_plan(tool, text, PartnerMatch(p.partner_id, p.name))
                for p in stored if p is not None]
        return [] if len(each) < len(ids) or any(p.missing for p in each) else each

    def _route(self, intent: str, text: str, partner: PartnerMatch, session: Session,
               deps: Deps, vector: np.ndarray | None) -> Iterator[Event]:
        if intent == HELP:
            yield from finish(self.name, [], narrate.render("help"))
            return
        if intent == REFUSE:
            invent = bool(INVENT_RE.search(text))
            yield from finish(self.name, [], narrate.render("refuse", invent=invent))
            return
        if intent == FRAMEWORK:
            yield from self._framework(text, deps, vector)
            return
        plan = plans.build_plan(intent, text, partner)
        carry_over(plan, session)
        if plan.missing and not partner.found and not partner.suggestion_id and (
                plan.tool in PARTNER_SLOT_TOOLS):
            unknown = strong_candidates(text)
            if unknown:
                plan.context["not_found"] = unknown[0]
        yield from self._act(plan, partner, session, deps)

    def _clarify(self, text: str, ranking: Ranking, session: Session) -> Iterator[Event]:
        options = clarify_between(ranking)
        assert options is not None
        question = narrate.render("clarify", first=SPECS[options[0]].label,
                                  second=SPECS[options[1]].label)
        session.pending = Pending(tool=CLARIFY, missing=list(options), question=question,
                                  slots={"message": text})
        yield FollowUp(question=question, missing=list(options))
        yield from finish(self.name, [], question)

    def _resolve_clarify(self, text: str, session: Session, deps: Deps
                         ) -> Iterator[Event] | None:
        pending = session.pending
        assert pending is not None
        options = list(pending.missing)
        original = str(pending.slots.get("message", ""))
        choice = pick_option(text, options)
        if choice is None:
            partner = find_partner(text, deps.store, session.focus_partner_id)
            ranking = self._scorer(deps).rank(text, partner, self.embed_query(text, deps))
            if ranking.top not in options and ranking.margin > 0.0 and len(text.split()) > 3:
                session.pending = None
                return None  # a different request: answer it instead
            choice = ranking.best_of(options)
        session.pending = None
        partner = find_partner(original, deps.store, session.focus_partner_id)
        return self._route(choice, original, partner, session, deps, None)

    def _resume(self, text: str, session: Session, deps: Deps) -> Iterator[Event] | None:
        pending = session.pending
        assert pending is not None
        cancel = CANCEL_RE.match(text)
        if cancel:
            session.pending = None
            rest = text[cancel.end():].strip()
            if len(rest.split()) >= 3:
                return self._fresh(rest, session, deps)  # "Park that. Does X still hold Gold?"
            return finish(self.name, [], narrate.render("cancelled"))
        if pending.tool == CLARIFY:
            return self._resolve_clarify(text, session, deps)
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
        ranking = self._scorer(deps).rank(text, partner, self.embed_query(text, deps))
        if partner.found and not partner.focus and "partner" not in saved and (
                pending.tool in PARTNER_SLOT_TOOLS):
            # The earlier figures described a partner not yet named; a stored partner named
            # now brings its own record, which they must not silently override.
            saved = {k: v for k, v in saved.items()
                     if k not in RECORD_FIELDS.get(pending.tool, ())}
        plan, added = plans.fill_plan(pending.tool, saved, pending.missing, text, partner)
        answered = bool(set(pending.missing) - set(plan.missing))
        if (clearly_different(ranking, pending.tool) and not answered) or (
                not added and not (partner.suggestion_id and "partner" in pending.missing)):
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
        yield FollowUp(question=question, missing=plan.missing, tool=plan.tool)
        yield from finish(self.name, [], question)

    def _ask(self, plan: Plan, session: Session) -> Iterator[Event]:
        question = narrate.render("followup", tool=plan.tool, missing=plan.missing,
                                  context=plan.context)
        session.pending = Pending(tool=plan.tool, missing=plan.missing, question=question,
                                  slots={"args": plan.args, "context": plan.context})
        yield FollowUp(question=question, missing=plan.missing, tool=plan.tool)
        yield from finish(self.name, [], question)

    def _run(self, plan: Plan, session: Session, deps: Deps) -> Iterator[Event]:
        args = plan.args
        if plan.tool in documents.DOCUMENTS:
            args = documents.to_input(plan.tool, args, deps)
        done = yield from announce_and_run(plan.tool, args, deps)
        events: list[Event] = done.events()
        yield from events[1:]
        if not done.ok:
            text = narrate.render("tool_error", tool=plan.tool, error=done.error)
            yield from finish(self.name, events, text)
            return
        output = done.output_data()
        remember(session, plan, output)
        text = narrate.narrate_tool(plan.tool, output, **self._extra(plan))
        changed = narrate.render("changed", changed=plan.context.get("changed") or {},
                                 carried=plan.context.get("carried") or {})
        yield from finish(self.name, events, f"{changed}\n\n{text}" if changed else text)

    def _side_by_side(self, plans_: list[Plan], partner: PartnerMatch, session: Session,
                      deps: Deps) -> Iterator[Event]:
        """Run each plan and answer with their narrations one after the other."""
        events: list[Event] = []
        texts: list[str] = []
        for plan in plans_:
            done = yield from announce_and_run(plan.tool, plan.args, deps)
            more = done.events()
            events += more
            yield from more[1:]
            if done.ok:
                texts.append(narrate.narrate_tool(plan.tool, done.output_data(),
                                                  **self._extra(plan)))
        remember(session, plans_[0])
        session.focus_partner_id = partner.partner_id
        yield from finish(self.name, events, "\n\n---\n\n".join(texts) or narrate.render(
            "tool_error", tool=plans_[0].tool, error="no result"))

    @staticmethod
    def _extra(plan: Plan) -> dict[str, Any]:
        if plan.tool in ("check_tier", "review_tier"):
            return {"partner_name": plan.context.get("partner_name"),
                    "as_of": plan.context.get("as_of") or plan.args.get("as_of")}
        if plan.tool in ("find_partners", "portfolio_summary"):
            return {"filters": plan.context.get("filters", "")}
        return {}

    def _framework(self, text: str, deps: Deps, vector: np.ndarray | None) -> Iterator[Event]:
        plan = plans.plan_search(text)
        done = yield from announce_and_run(plan.tool, plan.args, deps)
        if not done.ok or done.result is None:
            events = done.events()
            yield from events[1:]
            yield from finish(self.name, events, narrate.render("tool_error", tool=plan.tool,
                                                           error=done.error))
            return
        passages = list(getattr(done.result, "passages", []))
        if vector is None:
            vector = self.embed_query(text, deps)
        chosen = extract_answer(text, vector, passages, self._sentence_vectors(deps))
        order = list(dict.fromkeys((s.doc_id, s.chunk_id) for s in chosen))  # as answered
        shown = done.events()
        cited = sorted((e for e in shown if isinstance(e, Citation)
                        and (e.doc_id, e.chunk_id) in order),
                       key=lambda e: order.index((e.doc_id, e.chunk_id)))
        events = [e for e in shown if not isinstance(e, Citation)] + cited
        yield from events[1:]
        body = narrate.render("framework_answer", sentences=chosen)
        yield from finish(self.name, events, body)
