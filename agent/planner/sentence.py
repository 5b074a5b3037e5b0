"""What kind of sentence a message is: a request, a question, and the documents it asks for.

Read from the whole message, clause by clause (:mod:`agent.planner.features` turns these into
the scorer's signals; the LLM path uses :func:`asked_drafts` to hold a model to the documents
the user asked for).
"""

from __future__ import annotations

import re

#: Words that open a request for information, at the start of any clause.
ASK_OPENERS = (
    "what", "what's", "whats", "how", "why", "when", "where", "which", "who", "whom", "whose",
    "does", "do", "did", "is", "are", "was", "were", "can", "could", "should", "would",
    "will", "has", "have", "had", "shall", "may", "might", "must",
)
#: Phrases that ask for knowledge wherever they stand.
ASK_PHRASES_RE = re.compile(
    r"\b(remind me|tell me (?:about|how|what|why|when|which|whether|if)|explain|describe|"
    r"define|walk me through|i(?:'m| am) (?:wondering|curious|not sure)|help me understand|"
    r"refresh my memory|clarify|what's the (?:rule|deal|difference|threshold|cut-?off)|"
    r"do you know|any idea)\b", re.I)
#: A polite request to act ("could you score ...", "can you draft ...", "I need a ...").
REQUEST_RE = re.compile(
    r"\b(?:can|could|would|will) you(?: please| possibly| kindly| just)?\s+(?P<verb>\w+)|"
    r"\b(?:i|we)(?:'d| would) like (?:you to |a |an |the )?(?P<verb2>\w+)|"
    r"\b(?:please|pls|plz)\s+(?P<verb3>\w+)|"
    r"\b(?:i|we) (?:need|want) (?:you to |a |an |the )?(?P<verb4>\w+)|"
    r"\blet'?s (?P<verb5>\w+)", re.I)
ACTION_VERBS = frozenset("""
score scor rate run check assess evaluate review draft write create prepare generate produce
build make draw put compute calculate find search list show pull give get open look compare
recommend decide summarise summarize tier audit plan set star-assess
""".split())
#: "Do a STAR review" is a command; "Do we need ..." and "Does a partner ..." are questions.
IMPERATIVE_DO_RE = re.compile(r"[\W_]*do\s+(?:a|an|another)\b", re.I)
CLAUSE_SPLIT_RE = re.compile(r"(?:[.!?;:]\s+|\s[-–—]\s|,\s*(?:so|and|but)\s+|\n)")
DRAFT_VERB_RE = re.compile(
    r"\b(draft|write|writ\w+|create|prepare|generate|produce|put together|make|build|draw up|"
    r"set up|spin up|knock out|whip up|give me|redo|update)\b", re.I)
#: "... once the plan is drafted": a passive drafting verb asks for nothing.
PASSIVE_RE = re.compile(r"\b(?:is|are|was|were|be|been|being|gets?|got)\s+$", re.I)


def has_draft_verb(text: str) -> bool:
    """Whether ``text`` uses a drafting verb actively ("draft the thesis", not "is written")."""
    return any(not PASSIVE_RE.search(text[:m.start()]) for m in DRAFT_VERB_RE.finditer(text))


DOC_NOUNS: dict[str, tuple[str, ...]] = {
    "draft_term_sheet": ("term sheet", "termsheet", "term-sheet", "deal terms", "heads of terms"),
    "draft_thesis": ("thesis", "thesis statement"),
    "draft_brief": ("brief", "strategy brief", "one-pager", "one pager"),
    "draft_scorecard": ("scorecard", "score card", "evaluation card"),
    "draft_operating_plan": ("operating plan", "90-day plan", "90 day plan", "ninety-day plan",
                             "first 90 days", "joint plan", "launch plan"),
    "draft_governance_playbook": ("governance playbook", "playbook", "raci"),
    "draft_okrs": ("okrs", "okr", "objectives and key results"),
    "board_dashboard": ("board dashboard", "dashboard", "board report", "board pack"),
    "landscape_map": ("landscape map", "partner landscape", "landscape"),
    "competitor_map": ("competitor map", "competitor ecosystem", "competitive ecosystem",
                       "competitor partner", "competitors' partners", "competitor analysis"),
    "relationship_map": ("relationship map", "sponsor map", "executive sponsor",
                         "executive relationship"),
    "partnership_roadmap": ("roadmap", "road map"),
    "value_canvas": ("value canvas", "value capture"),
}


def _clauses(text: str) -> list[str]:
    return [c.strip() for c in CLAUSE_SPLIT_RE.split(text) if c and c.strip()]


def _first_word(clause: str) -> str:
    match = re.match(r"[\W_]*([A-Za-z']+)", clause)
    return match.group(1).lower() if match else ""


def is_request(text: str) -> bool:
    """Whether the message asks the assistant to do something (imperative or polite)."""
    for clause in _clauses(text):
        if _first_word(clause) in ACTION_VERBS or IMPERATIVE_DO_RE.match(clause):
            return True
    for match in REQUEST_RE.finditer(text):
        verb = next((g for g in match.groups() if g), "")
        if verb.lower() in ACTION_VERBS:
            return True
    return False


def is_question(text: str) -> bool:
    """Whether the message asks for information, read from the whole message.

    A question mark ending any clause, an interrogative or auxiliary opening any clause,
    or a phrase such as "remind me" or "explain" makes a question; a clause that asks the
    assistant to act ("could you score ...") is a request, not a question.
    """
    if ASK_PHRASES_RE.search(text):
        return True
    for clause in _clauses(text):
        word = _first_word(clause)
        if word in ASK_OPENERS and not REQUEST_RE.match(clause) and not IMPERATIVE_DO_RE.match(
                clause):
            return True
    return "?" in text and not is_request(text)


def _noun_pattern(noun: str) -> str:
    """A document noun's words joined by a space or a hyphen ("value-capture")."""
    return r"\b" + r"[\s-]+".join(re.escape(w) for w in noun.split()) + r"\b"


def document_nouns(text: str) -> list[str]:
    """Drafting tools whose document is named in ``text``, in order of appearance."""
    hits: list[tuple[int, str]] = []
    lowered = text.lower()
    for tool, nouns in DOC_NOUNS.items():
        positions = [m.start() for noun in nouns
                     for m in re.finditer(_noun_pattern(noun), lowered)]
        if positions:
            hits.append((min(positions), tool))
    return [tool for _, tool in sorted(hits)]


def request_verbs(text: str) -> list[str]:
    """The action verbs the message's clauses and polite requests open with.

    "Rate X" gives ``rate``, "could you score ..." ``score`` and "Rescore X" ``rescore``
    (an action verb done again).
    """
    verbs = [w for w in map(_first_word, _clauses(text))
             if w in ACTION_VERBS or w.removeprefix("re") in ACTION_VERBS]
    for match in REQUEST_RE.finditer(text):
        verb = next((g for g in match.groups() if g), "").lower()
        if verb in ACTION_VERBS:
            verbs.append(verb)
    return verbs


def drafted_documents(text: str) -> list[str]:
    """Documents named in a clause that asks for one ("Draft the thesis", "Need a brief").

    A document named elsewhere ("given a thesis of 25% ...", "Thesis: 20% of
    ARR") is context, not the document asked for.
    """
    out: list[str] = []
    for clause in _clauses(text):
        if has_draft_verb(clause) or NEED_RE.search(clause) or is_request(clause):
            out += [n for n in document_nouns(clause) if n not in out]
    return out


NEED_RE = re.compile(r"\b(?:need|needs|want|wants|like|get|send|see|after)\s+(?:me\s+)?"
                     r"(?:a|an|the|our|one|some|that|this|your)\b", re.I)
HEADLINE_RE = re.compile(r"\s*(?:(?:the|a|an|our|new)\s+)?")


def asks_for_document(text: str) -> bool:
    """Whether a document named in ``text`` is asked for.

    Either a need comes before it ("Need a reseller term sheet") or the message is headed by
    it, as a label over the inputs, not a question ("Board dashboard for Acme, 2026-Q4: ...").
    """
    lowered = text.lower()
    headline = len(HEADLINE_RE.match(lowered).group(0))  # type: ignore[union-attr]
    for nouns in DOC_NOUNS.values():
        for noun in nouns:
            for match in re.finditer(rf"\b{re.escape(noun)}\b", lowered):
                before = lowered[max(0, match.start() - 40):match.start()]
                if NEED_RE.search(before) or (match.start() == headline and "?" not in text):
                    return True
    return False


GENERIC_DOCS_RE = re.compile(r"\b(documents?|drafts?|paperwork|everything|all of them)\b", re.I)


def asked_drafts(text: str) -> frozenset[str] | None:
    """The drafting tools the user's ``text`` asks for, so a model cannot draft on its own.

    Returns:
        None when no document is asked for; the named kinds' tools; an empty set when
        documents are asked for without naming a kind ("draft the documents").
    """
    nouns = document_nouns(text)
    wants = bool(DRAFT_VERB_RE.search(text)) or asks_for_document(text)
    if not wants:
        return None
    if nouns:
        return frozenset(nouns)
    return frozenset() if GENERIC_DOCS_RE.search(text) else None


def requests_document(text: str) -> bool:
    """Whether a clause that asks to act names a document ("show me the landscape map")."""
    return any(is_request(clause) and document_nouns(clause) for clause in _clauses(text))
