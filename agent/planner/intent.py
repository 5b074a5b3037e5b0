"""Intent classification: explicit keyword rules, then MiniLM similarity to labelled exemplars.

The exemplars live in ``prompts/intents.yaml``; they are embedded once per process (and the
vectors cached on disk by the embedder). Rules decide when they are unambiguous; when several
rules fire, or none, the nearest exemplars choose among the candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from agent.planner.factors import extract_capability, extract_star

#: Intents that are not tools.
REFUSE = "refuse"
HELP = "help"
FRAMEWORK = "search_framework"
#: Below this best exemplar similarity (with no rule firing) a message is out of scope.
OUT_OF_SCOPE_BELOW = 0.32

QUESTION_RE = re.compile(
    r"^\s*(?:what|what's|whats|how|why|when|where|explain|describe|define|tell me (?:about|how|"
    r"what|why|when)|is there|are there|do we need|which (?:criteria|rules?|benefits)|"
    r"can you explain)\b", re.IGNORECASE)
RULES_WORDS_RE = re.compile(
    r"\b(rules?|criteria|criterion|weights?|thresholds?|bands?|benefits|commitments|"
    r"requirements?|definition|mean|means|work|works|framework|difference|red flags?|"
    r"fail|steps?|process)\b", re.IGNORECASE)
INVENT_RE = re.compile(
    r"\b(make up|make (?:\w+ ){1,2}up|made[- ]up|invent|fabricate|hallucinate|pretend|guess|"
    r"speculate|ballpark|"
    r"predict|forecast|any number|plausible (?:number|figure)s?|estimate the market|"
    r"stock price|share price|best (?:number|guess|estimate)|rough (?:number|figure)|"
    r"gut feel(?:ing)?)\b", re.IGNORECASE)
OUT_OF_SCOPE_RE = re.compile(
    r"\b(employment contract|legal advice|legally binding|binding (?:employment |legal )?"
    r"contract|under \w+ law|lawsuit|litigation|sue |tax advice|medical advice|visa|"
    r"weather|recipe|poem|haiku|song lyrics|horoscope|lottery)\b", re.I)
HELP_RE = re.compile(
    r"^\s*(hi|hello|hey|help|thanks|thank you|good (?:morning|afternoon|evening)|"
    r"what can you do|how do i use (?:this|you))\b[\s!.?]*$", re.IGNORECASE)
DRAFT_VERB_RE = re.compile(
    r"\b(draft|write|create|prepare|generate|produce|put together|make|build|draw up|"
    r"set up|give me|i need|we need)\b", re.IGNORECASE)
DOCUMENT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("draft_term_sheet", re.compile(r"\bterm[- ]?sheet|deal terms\b", re.I)),
    ("draft_operating_plan", re.compile(
        r"\b(90|ninety)[- ]day (?:operating |joint )?plan|\boperating plan|first 90 days|"
        r"first ninety days|joint plan\b", re.I)),
    ("draft_governance_playbook", re.compile(
        r"\bgovernance playbook|\bplaybook\b|\braci\b", re.I)),
    ("draft_okrs", re.compile(r"\bokrs?\b|objectives and key results", re.I)),
    ("draft_scorecard", re.compile(r"\bscore ?card|evaluation card\b", re.I)),
    ("draft_brief", re.compile(r"\b(strategy|strategic|executive|one[- ]page|board) brief|"
                               r"\bbrief\b", re.I)),
    ("draft_thesis", re.compile(r"\bthesis\b|thesis statement", re.I)),
)
STAR_RE = re.compile(r"\bSTAR\b|\bstar (?:assessment|review|check|selection|score)|"
                     r"strategic fit|asset complementarity|trust and culture|"
                     r"relationship economics", re.I)
SCORE_COMMAND_RE = re.compile(r"^\s*(?:please\s+)?(?:score|rate|evaluate|assess the "
                              r"attractiveness of)\b", re.I)
STAR_CAPS_RE = re.compile(r"\bSTAR\b")
SCORE_RE = re.compile(r"\b(score|scoring|attractive(?:ness)?|rate|rating|band|icp overlap|"
                      r"market influence|priority partner)\b", re.I)
TIER_RE = re.compile(r"\b(tier|tiers|qualif(?:y|ies|ied|ication)|platinum|gold|silver|"
                     r"registered)\b", re.I)
REVIEW_RE = re.compile(r"\b(review|promot\w*|demot\w*|warn\w*|exit\w*|movement|downgrad\w*|"
                       r"(?:move|change|keeps?|keeping|hold|retain|lose|loses)s? (?:its |their "
                       r"|a |the )?tier|"
                       r"upgrad\w*|moved? (?:up|down)|kick(?:ed)? out|drop(?:ped)?)\b", re.I)
PORTFOLIO_RE = re.compile(
    r"\b(portfolio|overview|how many partners|breakdown|partner base|program health|"
    r"needs? attention|by tier|per tier|by region|average (?:attractiveness )?score|"
    r"summar(?:y|ise|ize) (?:the |our )?(?:partners|program|partner))\b", re.I)
FIND_RE = re.compile(
    r"\b(find|search|list|which (?:\w+ ){0,2}partners\b|who are our|any partners|"
    r"partners (?:in|that|who|with)|"
    r"who (?:can|could|does|do|handles?|offers?|knows?)|do we have (?:a |any )?partners? |"
    r"any partners? (?:for|that|who)|"
    r"look for|(?:show|give|get)(?: me)? (?:all |our |the )*(?:\w+ ){0,3}(?:partners|"
    r"integrators|resellers|consultanc\w+|advisors|isvs|distributors|firms|vars|sis|gsis))\b",
    re.I)
SEARCH_VERB_RE = re.compile(r"\b(find|search|list|which|all)\b", re.I)
SHOW_RE = re.compile(r"\b(show|tell me about|profile|details?|record|pull up|open|"
                     r"what do we know about|look up|info on)\b", re.I)
MODEL_RE = re.compile(r"\b(partnership model|model|referral|reseller|co-?sell|oem|embed|"
                      r"joint venture|technology alliance|implementation partner)\b", re.I)
MODEL_ASK_RE = re.compile(r"\b(which|recommend|best|fit|fits|should|suit|suits|right|need|"
                          r"what (?:partnership )?model)\b", re.I)
BPA_RE = re.compile(r"\bbuild\b.{0,40}\b(partner|acquire|buy)\b|\b(acquire|acquisition)\b|"
                    r"\b(?:partner|buy|acquire) (?:or|vs\.?|versus) build\b|"
                    r"\bbuild (?:or|vs\.?|versus) (?:buy|partner)|\bmake or buy\b", re.I)
PROGRAM_RE = re.compile(r"\b(program check|check (?:our |the )?(?:partner )?program|"
                        r"audit|quality rules?|gap matrix|strategic gaps?|two[- ]speed|"
                        r"horizons?|program (?:set ?up|design))\b", re.I)


@dataclass
class Signals:
    """What the message carries besides its words, used by the rules.

    Args:
        partner_ref: A partner is named (or referred to as "the partner"/"they").
        figures: The message carries numbers other than years and quarters.
        criteria: It names attractiveness criteria with values.
        tier_figures: It carries a pipeline amount or a certified count.
        needs: It names a partnership need (lead generation, delivery capacity, ...).
        decision_facts: It states build/partner/acquire facts (core, local presence, ...).
    """

    partner_ref: bool = False
    figures: bool = False
    criteria: bool = False
    tier_figures: bool = False
    needs: bool = False
    decision_facts: bool = False


@dataclass
class IntentResult:
    """The chosen intent and how it was chosen.

    Args:
        intent: A tool name, ``refuse`` or ``help``.
        source: ``rule``, ``embedding`` or ``rule+embedding``.
        similarity: Best exemplar similarity for the chosen intent (0 when not embedded).
        candidates: Intents the rules proposed.
    """

    intent: str
    source: str
    similarity: float = 0.0
    candidates: list[str] = field(default_factory=list)


def load_exemplars() -> dict[str, list[str]]:
    """The labelled exemplars from ``prompts/intents.yaml``."""
    text = resources.files("prompts").joinpath("intents.yaml").read_text(encoding="utf-8")
    data: dict[str, list[str]] = yaml.safe_load(text)
    return data


def _is_question(text: str) -> bool:
    return bool(QUESTION_RE.search(text)) or text.rstrip().endswith("?")


def _document_rules(text: str, question: bool) -> list[str]:
    hits = [name for name, pattern in DOCUMENT_RULES if pattern.search(text)]
    if not hits:
        return []
    hits = hits[:1]
    if question and not DRAFT_VERB_RE.search(text):
        return [FRAMEWORK]
    return hits


def _tier_rules(text: str, sig: Signals, question: bool) -> list[str]:
    if REVIEW_RE.search(text) and (TIER_RE.search(text) or sig.partner_ref) and not (
            PORTFOLIO_RE.search(text)):
        return ["review_tier" if sig.partner_ref or not question else FRAMEWORK]
    if not TIER_RE.search(text):
        return []
    if sig.tier_figures or sig.partner_ref:
        return ["check_tier"]
    if re.search(r"\bqualif", text, re.I) and not RULES_WORDS_RE.search(text):
        return ["check_tier"]
    if (question or RULES_WORDS_RE.search(text)) and not FIND_RE.search(text):
        return [FRAMEWORK]
    return []


def _score_rules(text: str, sig: Signals, rules_q: bool) -> list[str]:
    if sig.criteria or sig.partner_ref:
        return ["score_partner"]
    if rules_q:
        return [FRAMEWORK]
    return ["score_partner"] if SCORE_COMMAND_RE.match(text) else []


def _action_rules(text: str, sig: Signals, question: bool) -> list[str]:
    found: list[str] = []
    rules_q = question and bool(RULES_WORDS_RE.search(text)) and not sig.partner_ref
    if STAR_CAPS_RE.search(text) or STAR_RE.search(text):
        stated = bool(extract_star(text))
        found.append(FRAMEWORK if not stated and (rules_q or (
            question and not sig.figures and not sig.partner_ref)) else "assess_star")
    found += _tier_rules(text, sig, question)
    if (SCORE_RE.search(text) or sig.criteria) and not found:
        found += _score_rules(text, sig, rules_q)
    if BPA_RE.search(text):
        wh_question = bool(QUESTION_RE.match(text) or re.match(r"^\s*who\b", text, re.I))
        decide = not wh_question and (extract_capability(text) or DECIDE_RE.match(text)
                                      or sig.decision_facts or not question)
        found.append("build_partner_acquire" if decide else FRAMEWORK)
    if PROGRAM_RE.search(text) and not question:
        found.append("check_program")
    return found


DECIDE_RE = re.compile(r"^\s*(?:should|shall|do|can) we\b|^\s*(?:decide|make|help me decide)\b",
                       re.I)
#: Tools that cannot act on a question that names no partner and gives no figures.
INPUT_TOOLS = {"score_partner", "check_tier", "review_tier", "show_partner", "assess_star",
               "recommend_model", "build_partner_acquire"}
FRAMEWORK_VOCAB_RE = re.compile(
    r"\b(partners?|partnerships?|tiers?|alliances?|program(?:me)?|okrs?|kpis?|referral|"
    r"reseller|co-?sell|oem|joint venture|thesis|term sheet|governance|escalation|raci|"
    r"attractiveness|star|ecosystem|landscape|phase|horizon|pipeline|certified)\b", re.I)


def _listing_rules(text: str, sig: Signals, question: bool) -> list[str]:
    found: list[str] = []
    if PORTFOLIO_RE.search(text):
        found.append("portfolio_summary")
    elif SHOW_RE.search(text) and sig.partner_ref and not SEARCH_VERB_RE.search(text):
        found.append("show_partner")
    elif FIND_RE.search(text):
        found.append("find_partners")
    if MODEL_RE.search(text) and MODEL_ASK_RE.search(text) and not sig.partner_ref:
        rules_q = question and re.search(r"\bdifference|what is|what are|explain\b", text, re.I)
        found.append(FRAMEWORK if rules_q else "recommend_model")
    return found


def rule_candidates(text: str, sig: Signals) -> list[str]:
    """Intents the keyword rules propose, strongest first (may be empty or several)."""
    if HELP_RE.match(text):
        return [HELP]
    if INVENT_RE.search(text) or OUT_OF_SCOPE_RE.search(text):
        return [REFUSE]
    question = _is_question(text)
    if PROGRAM_RE.search(text) and not question:
        return ["check_program"]
    documents = _document_rules(text, question)
    if documents:
        return documents
    found = _action_rules(text, sig, question)
    found += [i for i in _listing_rules(text, sig, question) if i not in found]
    if not found and question and RULES_WORDS_RE.search(text):
        found.append(FRAMEWORK)
    return list(dict.fromkeys(found))


class IntentIndex:
    """Exemplar vectors for every intent, embedded once.

    Args:
        embedder: Any object with ``embed(list[str]) -> array`` of unit rows.
    """

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        exemplars = load_exemplars()
        self.labels: list[str] = [k for k, texts in exemplars.items() for _ in texts]
        texts = [t for ts in exemplars.values() for t in ts]
        self.matrix = np.asarray(embedder.embed(texts), dtype=np.float32)
        self.intents = list(exemplars)

    def similarities(self, vector: np.ndarray) -> dict[str, float]:
        """Best exemplar similarity per intent for one unit vector."""
        sims = self.matrix @ np.asarray(vector, dtype=np.float32).reshape(-1)
        best: dict[str, float] = {}
        for label, sim in zip(self.labels, sims.tolist(), strict=True):
            if sim > best.get(label, -1.0):
                best[label] = float(sim)
        return best


@lru_cache(maxsize=4)
def intent_index(embedder: Any) -> IntentIndex:
    """The exemplar index for ``embedder`` (built once per embedder)."""
    return IntentIndex(embedder)


def classify(text: str, sig: Signals, index: IntentIndex | None,
             vector: np.ndarray | None = None) -> IntentResult:
    """Pick the intent for ``text``.

    Args:
        text: The user's message.
        sig: Signals from slot extraction (partner named, figures present).
        index: Exemplar index; None classifies by rules only (framework search fallback).
        vector: The message's embedding (computed from ``index.embedder`` when None).
    """
    candidates = rule_candidates(text, sig)
    if len(candidates) == 1:
        return IntentResult(candidates[0], "rule", candidates=candidates)
    result = _by_similarity(text, sig, index, vector, candidates)
    if sig.partner_ref and not candidates and result.intent in {REFUSE, HELP, FRAMEWORK}:
        return IntentResult("show_partner", "embedding", result.similarity)
    question = _is_question(text)
    if result.source == "embedding" and question:
        inputless = not (sig.partner_ref or sig.figures or sig.needs)
        if (result.intent in INPUT_TOOLS and inputless) or (
                result.intent == REFUSE and FRAMEWORK_VOCAB_RE.search(text)) or (
                result.intent in {"find_partners", "portfolio_summary"}
                and WHEN_RE.search(text)) or (
                result.intent.startswith("draft_") and not DRAFT_VERB_RE.search(text)):
            return IntentResult(FRAMEWORK, "embedding", result.similarity, candidates)
    return result


WHEN_RE = re.compile(r"^\s*(?:how (?:often|long|soon|many months)|when|why)\b", re.I)


def _by_similarity(text: str, sig: Signals, index: IntentIndex | None,
                   vector: np.ndarray | None, candidates: list[str]) -> IntentResult:
    if index is None:
        return IntentResult(candidates[0] if candidates else FRAMEWORK, "rule",
                            candidates=candidates)
    if vector is None:
        vector = index.embedder.embed([text])[0]
    sims = index.similarities(vector)
    if candidates:
        best = max(candidates, key=lambda c: sims.get(c, 0.0))
        return IntentResult(best, "rule+embedding", sims.get(best, 0.0), candidates)
    best = max(sims, key=lambda k: sims[k])
    if sims[best] < OUT_OF_SCOPE_BELOW:
        return IntentResult(REFUSE, "embedding", sims[best])
    if best in {"show_partner", "score_partner", "review_tier"} and not sig.partner_ref:
        best = FRAMEWORK if _is_question(text) else best
    return IntentResult(best, "embedding", sims[best])
