"""Follow-ups that lean on the conversation: "Why?" after an answer, "Compare A and B".

* A short "why" (``Why?``, ``why is that?``, ``how come?``) is answered from the reasoning in
  the last tool result the session keeps (:attr:`agent.session.Turn.steps`): a score's
  weighted parts, a review's reason, a tier check's criteria. Nothing is recomputed.
* "Compare A and B" (two or more stored partners, by name or id) is a comparison plan: each
  partner is scored and its tier reviewed, and the answer sets them side by side.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from agent.planner import plans
from agent.planner.features import RULES_WORDS_RE
from agent.planner.partners import PARTNER_ID_RE, PartnerMatch, find_partner
from agent.planner.plan import Plan
from agent.planner.sentence import is_question
from agent.planner.why_docs import why_document
from agent.session import Session, ToolStep

WHY_RE = re.compile(r"^\s*(?:(?:and|but|so|ok|okay)[,\s]+)?(?:why|how come)\b(?:\s+(?:is|was|"
                    r"does|did)\s+(?:that|it|this|they|so))?(?:\s+\w+){0,2}\s*[?.!]*\s*$", re.I)
COMPARE_RE = re.compile(r"\b(?:compare|comparison|side by side|versus|vs\.?)\b", re.I)
MAX_COMPARED = 4


#: A word that points back at the last answer ("what caused this?").
BACK_REF_RE = re.compile(r"\b(?:that|this|it|these|those)\b", re.I)
#: Words that ask for a cause or a basis, as "why" does ("what is this based on?").
REASON_RE = re.compile(r"\b(?:dr[io]ve\w*|driv\w*|based|basis|behind|comes? from|caus\w*|"
                       r"reason\w*|justif\w*|led to|lead to)\b", re.I)
#: A back-reference question longer than this asks something new, not for the reason.
MAX_REASON_WORDS = 8


def asks_reason(text: str) -> bool:
    """Whether ``text`` is a short question for the reason behind the last answer.

    "What is this based on?", "where did this figure come from?": a back-reference and a
    word that asks for a cause, no figure, and no framework words ("which rule causes
    this?" asks the framework).
    """
    return (len(text.split()) <= MAX_REASON_WORDS and is_question(text)
            and bool(BACK_REF_RE.search(text)) and bool(REASON_RE.search(text))
            and not re.search(r"\d", text) and not RULES_WORDS_RE.search(text))


def is_why(text: str) -> bool:
    """Whether ``text`` is a short "why" about the last answer."""
    return bool(WHY_RE.match(text)) and len(text.split()) <= 5


def last_steps(session: Session) -> list[ToolStep]:
    """The successful tool steps of the most recent earlier turn that had any."""
    for turn in reversed(session.turns[:-1]):
        done = [s for s in turn.steps if s.error is None and isinstance(s.output, Mapping)]
        if done:
            return done
    return []


def _label(name: str) -> str:
    return name.replace("_", " ").replace("icp", "ICP")


def _num(value: Any) -> str:
    return f"{float(value):g}" if isinstance(value, int | float) else str(value)


WHY_START_RE = re.compile(r"^\s*(?:(?:and|but|so|ok|okay)[,\s]+)?(?:why|how come)\b", re.I)


def why_about(text: str, session: Session) -> str | None:
    """A longer "why ..." about a line of the last result: a KPI, a partner it names."""
    if not WHY_START_RE.match(text) and not asks_reason(text):
        return None
    answers = [why_document(step.name, step.output, text) for step in last_steps(session)]
    found = [a for a in answers if a]
    if found:
        return "\n\n".join(dict.fromkeys(found))
    named = [s for s in last_steps(session) if _names_partner(s, text)]
    about = "\n\n".join(dict.fromkeys(why_step(s) for s in named))
    return about or (why_text(session) if asks_reason(text) else None)


def _names_partner(step: ToolStep, text: str) -> bool:
    out = step.output
    inner = out.get("partner")
    name = out.get("partner_name") or (inner.get("name") if isinstance(inner, Mapping) else None)
    return bool(name) and str(name).split()[0].lower() in re.findall(r"[\w']+", text.lower())


def why_step(step: ToolStep) -> str:
    """The reasoning of one tool result, in a sentence or two."""
    out: Mapping[str, Any] = step.output
    if step.name == "score_partner" and isinstance(out.get("result"), Mapping):
        result = out["result"]
        parts = sorted((result.get("contributions") or {}).items(), key=lambda kv: -kv[1])
        who = out.get("partner_name") or "This partner"
        if not parts:
            return f"{who} scores {_num(result.get('score'))} ({result.get('band')})."
        top = ", ".join(f"{_label(k)} ({_num(v)} points)" for k, v in parts[:2])
        low = f"{_label(parts[-1][0])} ({_num(parts[-1][1])} points)"
        sources = "".join(f" {_label(k)[:1].upper()}{_label(k)[1:]}: {v}." for k, v in
                          (out.get("sources") or {}).items())
        return (f"{who} scores {_num(result.get('score'))}, band {result.get('band')}, "
                f"because the score is the weighted sum of the criteria: the largest parts "
                f"are {top}; the smallest is {low}.{sources}")
    if step.name == "review_tier" and out.get("reason"):
        moved = (f"stays {str(out.get('to')).title()}" if out.get("from") == out.get("to")
                 else f"from {str(out.get('from')).title()} to {str(out.get('to')).title()}")
        return f"The review says **{out.get('action')}** ({moved}) because {out['reason']}."
    if step.name == "check_tier" and out.get("tier"):
        text = f"The figures meet the criteria of the {str(out['tier']).title()} tier."
        if out.get("next_tier") and out.get("missing"):
            missing = "; ".join(str(m) for m in out["missing"])
            text += f" They miss {str(out['next_tier']).title()} because: {missing}."
        return text
    if step.name == "find_partners":
        filters = ", ".join(f"{_label(k)} {v}" for k, v in step.input.items()
                            if k not in ("query", "k") and v not in (None, ""))
        ranked = (", ranked by how close their description is to the question"
                  if step.input.get("query") else "")
        return f"These are the partners whose records match {filters or 'the search'}{ranked}."
    if step.name == "show_partner" and isinstance(out.get("partner"), Mapping):
        partner = out["partner"]
        return (f"That is what the stored record of {partner.get('name')} says "
                f"({partner.get('partner_id')}).")
    return f"That answer is what the {_label(step.name)} tool returned."


def why_text(session: Session) -> str | None:
    """The answer to "why?" from the last tool result(s), or None when there is none."""
    steps = last_steps(session)
    if not steps:
        return None
    return "\n\n".join(dict.fromkeys(why_step(step) for step in steps))


def compare_ids(text: str, store: Any) -> list[str]:
    """The stored partners a "compare" message names (two or more), else an empty list."""
    if not COMPARE_RE.search(text):
        return []
    ids = [m.upper() for m in PARTNER_ID_RE.findall(text)
           if store.get_partner(m.upper()) is not None]
    match = find_partner(text, store)
    ids += list(match.all_ids or ((match.partner_id,) if match.found else ()))
    unique = list(dict.fromkeys(ids))[:MAX_COMPARED]
    return unique if len(unique) >= 2 else []


def compare_rerun(text: str, session: Session, partner: PartnerMatch) -> list[Plan]:
    """"How does B compare?" after a call about A: the same call for B, then for A again.

    Empty unless the message compares, names one stored partner other than the last call's,
    and the last call took a partner.
    """
    last = session.last_call
    if (last is None or not COMPARE_RE.search(text) or not partner.found or partner.focus
            or "partner" not in last.args or last.args.get("partner") == partner.partner_id
            or len(partner.all_ids) > 1):
        return []
    plan = plans.build_plan(last.tool, text, partner)
    if plan.missing:
        return []
    before = Plan(last.tool, dict(last.args), [],
                  {"partner_name": last.context.get("partner_name")})
    return [plan, before]


def compare_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """The comparison as a table: score, band, tier and review per partner."""
    lines = ["Side by side:", "", "| Partner | Score | Band | Tier | Review |",
             "| --- | --- | --- | --- | --- |"]
    for row in rows:
        lines.append(f"| {row['name']} ({row['partner_id']}) | {_num(row.get('score', '-'))} | "
                     f"{row.get('band', '-')} | {str(row.get('tier', '-')).title()} | "
                     f"{row.get('action', '-')} |")
    scored = [r for r in rows if isinstance(r.get("score"), int | float)]
    if len(scored) >= 2:
        best = max(scored, key=lambda r: r["score"])
        lines += ["", f"**{best['name']}** has the highest attractiveness score."]
    return "\n".join(lines)
