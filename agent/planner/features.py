"""What a message carries besides its words: typed signals, decided once per message.

The scorer (:mod:`agent.planner.scorer`) weighs these beside the message's similarity to each
intent's exemplars. A signal never decides an intent on its own; it is one input among many.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from agent.planner import doc_signals, documents, factors, slots, stored_names
from agent.planner.partners import PartnerMatch
from agent.planner.sentence import (
    asks_for_document,
    document_nouns,
    drafted_documents,
    has_draft_verb,
    is_question,
    is_request,
    request_verbs,
    requests_document,
)

#: The partnership vocabulary: a question without any of it is not about the framework.
TOPIC_RE = re.compile(
    r"\b(partner\w*|alliances?|tiers?|platinum|gold|silver|registered|program(?:me)?s?|okrs?|"
    r"kpis?|referral|resell\w*|co-?sell\w*|oem|joint venture|jv|thesis|term sheets?|"
    r"governance|escalat\w*|raci|attractiveness|star|ecosystems?|landscape|phases?|horizons?|"
    r"pipeline|certif\w*|icp|acv|arr|margins?|fees?|deal reg\w*|mdf|gsis?|isvs?|"
    r"integrators?|consultanc\w*|build|acquir\w*|quality rules?|scor\w*|band|prospects?|"
    r"recruit\w*|channel|co-?market\w*|enablement|onboard\w*|competitors?|sponsors?|"
    r"exclusiv\w*|kill switch|proof point|qbr|steering|market\w*|revenue)\b", re.I)
MOVEMENT_RE = re.compile(
    r"\b(promot\w*|demot\w*|downgrad\w*|upgrad\w*|warn\w*|exit\w*|kick\w* out|drop\w*|"
    r"(?:move|bump|push|knock|drop)\w*\s+(?:[\w&'-]+\s+){0,4}?(?:up|down)\b|"
    r"keep (?:them|it|her|him|\w+) (?:at|in|on)|"
    r"stay (?:at|in|on)|still (?:be )?(?:at |in )?(?:platinum|gold|silver|registered)|"
    r"time for (?:platinum|gold|silver)|should (?:they|it|we) be|deserve|earn\w* (?:a|the)|"
    r"tier review|review|movement|where do they stand|"
    r"(?:move|change|keeps?|keeping|hold|holds|retain|lose|loses)s? (?:its |their |a |the )?tier|"
    r"still (?:hold|holds|keep|keeps)|"
    r"stand tier|tier-?wise|tier call|due for)\b", re.I)
TIER_WORD_RE = re.compile(r"\b(tiers?|tier-?wise|tiering|qualif\w*|platinum|gold|silver|"
                          r"registered)\b", re.I)
SCORE_WORD_RE = re.compile(r"\b((?:re-?)?scor\w*|attractive\w*|rate|rating|band|priority|secondary|"
                           r"opportunistic|weighted)\b", re.I)
PORTFOLIO_RE = re.compile(
    r"\b(portfolio|overview|how many partners|breakdown|partner base|program health|"
    r"needs? attention|by tier|per tier|by region|summar(?:y|ise|ize)|big picture|"
    r"all (?:of )?our partners|across (?:the |our )?partners|how many (?:of our )?partners)\b",
    re.I)
PARTNER_NOUNS = (r"(?:partners?|firms?|ones|integrators?|resellers?|isvs?|gsis?|sis|vars?|"
                 r"consultanc\w+|consultants?|advisors?|advisers?|distributors?|vendors?|"
                 r"boutiques?|agencies|companies|providers?|alliances?)")
LISTING_RE = re.compile(
    rf"\b(?:find|search|list|shortlist|show me|give me|pull up|who are)\b(?:\s+[\w&-]+){{0,5}}?"
    rf"\s+{PARTNER_NOUNS}\b|"
    rf"\bwhich (?:of our |of the )?(?:\w+ ){{0,2}}{PARTNER_NOUNS}\b(?! (?:get|gets|need|needs|"
    rf"earn|earns|must|should|receive|receives|make|makes)\b)|"
    r"\bwho (?:in|among|of) our\b|\bwho (?:can|could|does|do|handles?|offers?|knows?|covers?)\b|"
    rf"\bany (?:\w+ )?{PARTNER_NOUNS}\b|\bdo we have (?:a |any )?(?:\w+ )?{PARTNER_NOUNS}\b|"
    r"\b(?:partners|firms|integrators|resellers|isvs|gsis|consultancies|advisors|distributors)"
    r" (?:in|that|who|with|based|covering|for)\b", re.I)
SHOW_RE = re.compile(r"\b(show|pull up|profile|details?|record|on file|what do we (?:know|have)|"
                     r"look up|info(?:rmation)? on|open|tell me (?:more )?about|anything on|"
                     r"fill me in on|rundown on|brief me on)\b", re.I)
# "How many certified people does Acme have?": a question about a stored figure of a partner.
ATTRIBUTE_ASK_RE = re.compile(r"\bhow (?:many|much)\b[^.?!]{0,80}\b(?:does|do|did)\b[^.?!]{0,80}"
                              r"\b(?:have|bring|hold|generate|employ|carry)\b", re.I)
RULES_WORDS_RE = re.compile(
    r"\b(rules?|criteria|criterion|weights?|weighting|thresholds?|cut-?offs?|bands?|benefits|"
    r"commitments?|requirements?|required|definition|mean|means|framework|difference|"
    r"red flags?|steps?|process|policy|guidance|target|targets|typical|usually|normally|"
    r"standard|range|cadence|how often|how long|supposed to|belongs?|categor\w*|kinds? of|"
    r"types? of)\b", re.I)
COMPARE_RE = re.compile(r"\b(compare|comparison|versus|vs\.?|against|side by side)\b", re.I)
WHAT_IF_RE = re.compile(
    r"^\s*(?:and |ok,? |okay,? |so )?(?:what if|what about|how about|and if|and with|"
    r"suppose|supposing|say|if instead|with|now (?:just|only)|only|just)\b|\bwhat if\b|"
    r"\b(?:what|how) would (?:it|they|that|this|the \w+)\b|^\s*and\b", re.I)
INVENT_RE = re.compile(
    r"\b(make up|make (?:\w+ ){1,2}up|made[- ]up|invent|fabricate|hallucinate|pretend|guess|"
    r"speculate|ballpark|predict|forecast|any number|plausible (?:number|figure)s?|"
    r"estimate the market|stock price|share price|best (?:number|guess|estimate)|"
    r"total addressable market|market size|\btam\b|"
    r"rough (?:number|figure)|gut feel(?:ing)?)\b", re.I)
OUT_OF_SCOPE_RE = re.compile(
    r"\b(employment contract|legal advice|legally binding|binding (?:employment |legal )?"
    r"contract|under \w+ law|lawsuit|litigation|sue |tax advice|medical advice|visa|"
    r"weather|recipe|poem|haiku|song lyrics|horoscope|lottery|football|sports?)\b", re.I)
GREETING_RE = re.compile(
    r"^\s*(hi|hello|hey|help|thanks|thank you|good (?:morning|afternoon|evening)|"
    r"what can you do|how do i use (?:this|you))\b[\s!.?]*$", re.I)
YEAR_OR_QUARTER_RE = re.compile(r"\b(?:19|20)\d\d\b|\bQ[1-4]\b|\b(?:FY)?\d{2}Q[1-4]\b", re.I)


def _figures(text: str) -> bool:
    stripped = YEAR_OR_QUARTER_RE.sub(" ", text)
    return bool(re.search(r"\d", stripped))


@dataclass
class Features:
    """Typed signals of one message (each 0 or 1, or a small count).

    Args:
        question: The message asks for information.
        request: The message asks the assistant to act.
        figures: Numbers other than years and quarters.
        criteria: Two or more attractiveness criteria with values.
        tier_figures: A pipeline amount or a certified count.
        partner: A stored partner is named (or referred to as "they").
        suggestion: A name close to a stored partner's, but not sure.
        document: A document is named (a term sheet, a thesis, ...).
        draft_verb: A verb that asks for a document to be written.
        star: STAR or one of its dimensions is named.
        star_scores: STAR dimensions with scores.
        needs: Partnership needs (lead generation, delivery capacity, ...).
        decision: Build/partner/acquire facts or the three options.
        filters: Tier, type, region, industry or band filters.
        movement: Words about moving between tiers.
        tier_word: A tier or the word tier.
        score_word: Scoring words.
        portfolio: Words about the whole portfolio.
        listing: Words that ask for a list of partners.
        show: Words that ask for a record.
        rules: Words about how the framework works.
        compare: A comparison.
        what_if: A what-if on an earlier answer.
        refuse: A request to invent numbers or outside the framework.
        greeting: A greeting or a request for help.
        program: Program or quality-rule words.
        inputless_question: A question with no figures, no partner and no stated facts.
        only_name: The message is little more than a stored partner's name.
        doc_request: A document is named and asked for (a drafting verb or a request).
        doc_question: A document is named in a question that asks for no draft.
        partner_score: A stored partner and scoring words.
        score_request: A request opens with a scoring verb ("Rate X", "could you score").
        partner_tier: A stored partner and tier or movement words.
        partner_movement: A stored partner and words about moving between tiers.
        qualify: Words that ask which tier figures qualify for now.
        off_topic: No partnership vocabulary at all.
        partner_show: A stored partner and words that ask for its record.
        attribute_ask: A stored partner and a question about one of its stored figures ("how
            many certified people does it have"), even when the message also states figures.
        document_tool: The drafting tool whose document is named first ("" when none).
        accounts: Account-mapping words (account overlap, shared customers, our prospects).
        partner_accounts: A stored partner and account-mapping words.
        doc_inputs: The message states most inputs of one document (``inputs_tool``).
        inputs_tool: That document's tool (:mod:`agent.planner.doc_signals`).
        invent: The message asks for an invented figure ("give me your best number").
        our_partners: The message asks about our own partners ("our EMEA partners"): the
            store, not the framework.
    """

    question: float = 0.0
    request: float = 0.0
    figures: float = 0.0
    criteria: float = 0.0
    tier_figures: float = 0.0
    partner: float = 0.0
    suggestion: float = 0.0
    document: float = 0.0
    draft_verb: float = 0.0
    star: float = 0.0
    star_scores: float = 0.0
    needs: float = 0.0
    decision: float = 0.0
    filters: float = 0.0
    movement: float = 0.0
    tier_word: float = 0.0
    score_word: float = 0.0
    portfolio: float = 0.0
    listing: float = 0.0
    show: float = 0.0
    rules: float = 0.0
    compare: float = 0.0
    what_if: float = 0.0
    refuse: float = 0.0
    greeting: float = 0.0
    program: float = 0.0
    competitor: float = 0.0
    sponsor: float = 0.0
    inputless_question: float = 0.0
    only_name: float = 0.0
    doc_request: float = 0.0
    doc_question: float = 0.0
    partner_score: float = 0.0
    score_request: float = 0.0
    partner_tier: float = 0.0
    partner_movement: float = 0.0
    qualify: float = 0.0
    off_topic: float = 0.0
    partner_show: float = 0.0
    attribute_ask: float = 0.0
    document_tool: str = ""
    accounts: float = 0.0
    partner_accounts: float = 0.0
    doc_inputs: float = 0.0
    inputs_tool: str = ""
    our_partners: float = 0.0
    invent: float = 0.0

    def active(self) -> dict[str, float]:
        """The numeric signals that are on."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if isinstance(getattr(self, f.name), float) and getattr(self, f.name)}


COMPETITOR_RE = re.compile(r"\b(competitors?'?|competition|competitive|rivals?|"
                           r"competing vendors?)\b", re.I)
SPONSOR_RE = re.compile(r"\b(exec(?:utive)? sponsors?|sponsors?|counterparts?|"
                        r"exec(?:utive)?[- ]to[- ]exec(?:utive)?)\b", re.I)
PROGRAM_RE = re.compile(r"\b(program check|check (?:our |the )?(?:partner )?program|audit|"
                        r"quality[- ]rules?|gap matrix|strategic gaps?|two[- ]speed|"
                        r"horizons?|program (?:set ?up|design)|do we pass)\b", re.I)
STAR_RE = re.compile(r"\bSTAR\b|\bstar[- ](?:assess\w*|review|check|selection|score)|"
                     r"strategic fit|asset complementarity|trust and culture|"
                     r"relationship economics", re.I)
BPA_RE = re.compile(r"\bbuild\b.{0,60}\b(partner|acquire|buy)\b|\b(acquire|acquisition|"
                    r"buy it|buy one|make or buy)\b|\b(?:partner|buy|acquire) (?:or|vs\.?|"
                    r"versus) build\b", re.I)


ACCOUNTS_RE = re.compile(
    r"\b(account[- ]?(?:map\w*|overlap\w*|lists?|matching)|overlap(?:ping|s)? (?:of |with |in )?"
    r"(?:our |their |the )?(?:accounts|customers|clients|prospects|opportunities|matrix|"
    r"pipeline)|(?:customer|account|client) (?:overlap|base|book|lists?)|overlap matrix|"
    r"(?:shared?|common|mutual) (?:accounts|customers|clients)|crossbeam|"
    r"our (?:customers|prospects|(?:open )?(?:opportunities|opps?|deals)|pipeline accounts|"
    r"accounts)|"
    r"(?:their|its|partner'?s?) (?:customers|clients|customer base|accounts))\b", re.I)
OVERLAP_RE = re.compile(r"\boverlap\w*\b", re.I)
OUR_PARTNERS_RE = re.compile(r"\bour\s+(?:[\w&/-]+\s+){0,5}?(?:partners|firms|integrators|"
                             r"resellers|isvs|gsis|consultancies|distributors|alliances)\b"
                             r"(?!\s+(?:put|get|gets|need|needs|should|must|can|do)\b)", re.I)
QUALIFY_RE = re.compile(r"\b(qualif\w*|eligible|current (?:numbers|figures)|"
                        r"what tier (?:is|are|would|does|do))\b", re.I)


def only_a_name(text: str, partner: PartnerMatch) -> bool:
    """Whether the message is little more than a partner's name or id ("show", "open" aside)."""
    rest = text.lower()
    for phrase in (partner.asked or "", partner.name or "", partner.partner_id or ""):
        rest = rest.replace(phrase.lower(), " ") if phrase else rest
    rest = SHOW_RE.sub(" ", rest)
    words = [w for w in re.findall(r"[a-z]{3,}", rest) if w not in ("the", "please", "pls")]
    return not words and not partner.focus


#: Documents built from the store alone: they need no input stated in the message.
STORE_DOCUMENTS = frozenset(tool for tool, spec in documents.DOCUMENTS.items() if not spec)


def _named_documents(text: str, filled: str, partner: PartnerMatch) -> list[str]:
    """The documents ``text`` names, first the one whose inputs it states (``filled``).

    That document is the one asked for when it is named, when no clause that asks for a
    document names one ("Write up the plan for 2029 ..."), or when the document named states
    none of its own inputs ("a scorecard" beside a dashboard's stated figures).
    """
    nouns = document_nouns(text)
    if filled and nouns and (filled in nouns or not drafted_documents(text)
                             or not _states_inputs(nouns[0], text, partner)):
        return [filled, *[n for n in nouns if n != filled]]
    return nouns


def _states_inputs(tool: str, text: str, partner: PartnerMatch) -> bool:
    """Whether ``text`` states any required input of ``tool`` besides our company."""
    values = documents.extract(tool, text, partner)
    return any(values.get(s.name) not in (None, "", []) for s in documents.DOCUMENTS[tool]
               if s.name not in doc_signals.GENERIC)


def without_partner(text: str, partner: PartnerMatch) -> str:
    """``text`` without the stored partner's name.

    a name ending in "Distribution" names no need, and "<name> Integrators with ..."
    asks for no list of integrators.
    """
    for phrase in (partner.asked, partner.name):
        if phrase:
            text = re.sub(re.escape(phrase), " ", text, flags=re.I)
    return text


def read_features(text: str, partner: PartnerMatch) -> Features:
    """The typed signals of ``text`` (the partner already looked up in the store)."""
    question = is_question(text)
    request = is_request(text)
    criteria = len(slots.extract_criteria(text))
    tier = slots.extract_tier_figures(text)
    star_scores = len(factors.extract_star(text))
    accounts = bool(ACCOUNTS_RE.search(text)) or stored_names.account_kinds(text) >= 2
    rest = without_partner(text, partner)
    # In a message about account lists, "leads" and "prospects" are kinds of account.
    needs = bool(factors.extract_needs(stored_names.without_kinds(rest) if accounts else rest))
    decision = len(factors.extract_decision(text)) > 1 or bool(BPA_RE.search(text))
    partner_found = partner.found
    figures = _figures(text)
    listing = bool(LISTING_RE.search(rest))
    facts = len(factors.extract_decision(text)) > 1
    portfolio = bool(PORTFOLIO_RE.search(text))
    ours = bool(OUR_PARTNERS_RE.search(text))
    stated = (partner_found or ours or needs or star_scores > 0 or criteria > 0 or listing or facts
              or portfolio or "annual_pipeline_usd" in tier or "certified_individuals" in tier)
    topical = bool(TOPIC_RE.search(text)) or partner_found or accounts or bool(
        document_nouns(text))
    named = partner_found or partner.suggestion_id is not None
    draft = has_draft_verb(text)
    scoring = bool(SCORE_WORD_RE.search(text))
    tiering = bool(TIER_WORD_RE.search(text) or MOVEMENT_RE.search(text))
    filled = doc_signals.filled_document(text, partner)
    nouns = _named_documents(text, filled, partner)
    # A document read from the store, asked about for our partners or with one of its own
    # inputs ("the NA landscape, please?"), is asked for, not explained.
    store_view = bool(nouns) and nouns[0] in STORE_DOCUMENTS and (
        ours or bool(documents.extract(nouns[0], text, partner)))
    return Features(
        only_name=float(partner_found and only_a_name(text, partner)),
        doc_request=float(bool(nouns) and (draft or asks_for_document(text) or store_view
                                           or requests_document(text)
                                           or not (question or request))),
        doc_question=float(bool(nouns) and question and not draft and not request
                           and not ours and not store_view),
        partner_score=float(named and scoring),
        score_request=float(any(SCORE_WORD_RE.fullmatch(v) for v in request_verbs(rest))),
        partner_tier=float(named and tiering),
        partner_movement=float(named and bool(MOVEMENT_RE.search(text))),
        qualify=float(bool(QUALIFY_RE.search(text)) and not RULES_WORDS_RE.search(text)),
        partner_show=float(named and bool(SHOW_RE.search(text))),
        attribute_ask=float(named and bool(ATTRIBUTE_ASK_RE.search(text))),
        document_tool=nouns[0] if nouns else "",
        question=float(question), request=float(request), figures=float(figures),
        criteria=float(criteria >= 2), tier_figures=float(
            "annual_pipeline_usd" in tier or "certified_individuals" in tier),
        partner=float(partner_found), suggestion=float(partner.suggestion_id is not None),
        document=float(bool(nouns)), draft_verb=float(draft),
        star=float(bool(STAR_RE.search(text))), star_scores=float(star_scores >= 2),
        needs=float(needs), decision=float(decision), filters=float(bool(slots.filters(rest))),
        movement=float(bool(MOVEMENT_RE.search(text))),
        tier_word=float(bool(TIER_WORD_RE.search(text))),
        score_word=float(scoring),
        portfolio=float(portfolio),
        listing=float(listing), show=float(bool(SHOW_RE.search(text))),
        rules=float(bool(RULES_WORDS_RE.search(text))),
        compare=float(bool(COMPARE_RE.search(text))),
        what_if=float(bool(WHAT_IF_RE.search(text))),
        refuse=float(bool(INVENT_RE.search(text) or OUT_OF_SCOPE_RE.search(text))),
        greeting=float(bool(GREETING_RE.match(text))),
        program=float(bool(PROGRAM_RE.search(text))),
        competitor=float(bool(COMPETITOR_RE.search(text) or partner.competitor)),
        sponsor=float(bool(SPONSOR_RE.search(text))),
        inputless_question=float(question and not stated and topical),
        off_topic=float(not topical),
        accounts=float(accounts),
        partner_accounts=float(named and (accounts or bool(OVERLAP_RE.search(text)))),
        doc_inputs=float(bool(filled)), inputs_tool=filled, our_partners=float(ours),
        invent=float(bool(INVENT_RE.search(text))),
    )
