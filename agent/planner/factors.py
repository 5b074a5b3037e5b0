"""Slots for the judgement tools: STAR scores, partnership-model needs, build/partner/acquire.

Like :mod:`agent.planner.slots`, each function returns only what the message states.
"""

from __future__ import annotations

import re
from typing import Any

from tools.parsing import COUNT_WORDS

STAR_WORDS: dict[str, tuple[str, ...]] = {
    "strategic_fit": ("strategic fit", "strategy fit", "strategic alignment", "strategic",
                      "strategy", "fit"),
    "trust_and_culture": ("trust and culture", "trust & culture", "cultural fit", "culture",
                          "trust"),
    "asset_complementarity": ("asset complementarity", "complementary assets",
                              "complementarity", "complementary", "assets"),
    "relationship_economics": ("relationship economics", "economic value", "economics",
                               "value"),
}
_STAR_NUM = r"(?P<num>[1-5]|one|two|three|four|five)(?:\s*(?:/|out of|of)\s*5)?(?!\d|\.\d|%)"
_LINK = r"\s*(?:of|is|at|=|:|-|was|scores?|scored|rated|gets?)?\s*"
EVIDENCE_RE = re.compile(r"^\s*[,(]?\s*(?:because|since|as|given|due to|-|:|—)\s+"
                         r"(?P<ev>[^;,.()]{3,200})", re.I)
DEFAULT_EVIDENCE = "Stated by the user in the request."

NEEDS: dict[str, tuple[str, ...]] = {
    "lead_generation": ("lead generation", "lead gen", "leads", "referrals", "introductions",
                        "intros", "demand generation"),
    "resale_capacity": ("resale capacity", "resale", "resell", "reselling", "resellers",
                        "sell our product for us", "distribution", "channel sales"),
    "joint_selling": ("joint selling", "joint sales", "co-sell", "co-selling", "cosell",
                      "sell together", "selling together", "shared accounts"),
    "delivery_capacity": ("delivery capacity", "delivery", "implementation capacity",
                          "implementation", "implement", "services capacity",
                          "deployment capacity", "implementers"),
    "embed_in_partner_product": ("embed", "embedding", "embedded", "oem", "white label",
                                 "white-label", "inside their product", "in their platform",
                                 "partner's product", "partner product"),
    "new_market_entry": ("new market", "new markets", "market entry", "new geography",
                         "new region", "new vertical", "enter a market", "entering",
                         "expand into", "expansion into"),
    "technical_integration": ("technical integration", "integration", "integrate",
                              "integrations", "api", "connector", "technology alliance"),
}
LOW_COMMITMENT_RE = re.compile(r"\b(low|light|minimal|little|lightweight|limited)[- ]"
                               r"(?:touch|commitment|investment|effort)\b|\blow commitment", re.I)
SHARED_INVESTMENT_RE = re.compile(r"\b(shared investment|co-?invest\w*|invest jointly|"
                                  r"joint investment|both (?:sides|parties) invest)", re.I)

_NOT = r"(?:not|isn'?t|aren'?t|no|without|lack(?:s|ing)?|don'?t have|do not have|never)\s+"
BPA_FLAGS: dict[str, tuple[str, ...]] = {
    "core_to_differentiation": (r"core to (?:our )?(?:product )?differentiation",
                                r"\bcore (?:capability|competenc\w+|differentiator)",
                                r"\bdifferentiat\w+", r"\bit(?:'s| is) core\b",
                                r"\bis core\b"),
    "engineering_capacity": (r"engineering capacity", r"capacity to build",
                             r"\b(?:we )?have (?:the )?engineers", r"engineering bandwidth",
                             r"engineering resources"),
    "adjacent_complementary": (r"\badjacent\b", r"\bcomplementary\b"),
    "strong_partner_serves_icp": (r"strong partner", r"partner (?:that |who )?serves our icp",
                                  r"partner serving our icp", r"serves our icp"),
    "partner_economics_positive": (r"economics (?:are |is )?positive", r"positive economics",
                                   r"economics work", r"partner economics (?:are )?good",
                                   r"economics (?:are )?favou?rable"),
    "critical_to_market_position": (r"critical to (?:our )?market position",
                                    r"\bcritical\b", r"\bstrategic(?:ally)? critical"),
    "acquisition_target_within_budget": (r"target (?:exists )?within budget",
                                         r"affordable target", r"acquisition target",
                                         r"target (?:we can afford|in budget)"),
    "new_market_entry": (r"new (?:market|geography|vertical|region|country)",
                         r"\benter(?:ing)? (?:a |the )?(?:new )?[A-Z]\w+", r"market entry"),
    "partner_has_local_presence": (r"local presence", r"local relationships",
                                   r"relationships and (?:local )?presence",
                                   r"has (?:the )?relationships"),
    "revenue_scale_justifies_jv": (r"revenue scale justif\w+", r"scale (?:would )?justif\w+ "
                                   r"a (?:jv|joint venture)"),
    "finance_reviewed": (r"finance (?:has |have )?(?:reviewed|signed off|approved|agreed|"
                         r"input|weighed in)", r"with finance input", r"finance sign[- ]off"),
}
MONTHS_RE = re.compile(r"\b(?P<num>\d{1,3}|" + "|".join(COUNT_WORDS) +
                       r")\s*(?P<unit>months?|years?|yrs?)\b(?:\s+to build)?", re.I)
CAPABILITY_RE = re.compile(
    r"\b(?:build(?:,)?\s*(?:vs\.?|versus|or)?\s*(?:partner|buy|acquire)?(?:,)?\s*"
    r"(?:(?:vs\.?|versus|or)\s*(?:partner|buy|acquire))?|acquire|decision)[:\s]+"
    r"(?:for|on|about|of)?\s*(?:(?:a|an|the|our)\s+)?(?P<cap>[\w][\w \-/&]{1,60}?)"
    r"(?=\s*(?:[?.;,:]|$|\bit'?s\b|\bit is\b|\bwhich\b|\bthat\b|\bwe\b|\bbuild\b|"
    r"\bwith\b|\bbecause\b|\bsince\b|\bas\b))", re.I)
LEADING_FILLER = frozenset({"for", "on", "about", "of", "a", "an", "the", "our", "company",
                            "instead", "rather", "than",
                            "startup", "vendor", "firm", "to", "in", "into"})
CAPABILITY_STOP = frozenset({"partner", "acquire", "buy", "build", "or", "vs", "it", "this",
                             "that", "decision", "capability", "something"})


def _labelled(text: str, table: dict[str, tuple[str, ...]], number: str
              ) -> dict[str, tuple[int, re.Match[str]]]:
    """``key -> (value, match)`` for "<label> <number>" and "<number> on <label>"."""
    pats = []
    for key, words in table.items():
        for word in words:
            w = re.escape(word)
            pats.append((len(word), key, re.compile(rf"\b{w}\b{_LINK}{number}", re.I)))
            pats.append((len(word), key, re.compile(rf"\b{number}\s*(?:on|for|in)\s+"
                                                    rf"(?:the\s+)?{w}\b", re.I)))
    found: dict[str, tuple[int, re.Match[str]]] = {}
    taken: list[tuple[int, int]] = []
    for _, key, pattern in sorted(pats, key=lambda p: -p[0]):
        if key in found:
            continue
        for match in pattern.finditer(text):
            span = match.span("num")
            if any(s <= span[0] < e for s, e in taken):
                continue
            raw = match.group("num").lower()
            found[key] = (int(raw) if raw.isdigit() else COUNT_WORDS[raw], match)
            taken.append(span)
            break
    return found


def extract_star(text: str) -> dict[str, dict[str, Any]]:
    """STAR dimension scores (1-5) with evidence: ``{dimension: {score, evidence}}``."""
    out: dict[str, dict[str, Any]] = {}
    for key, (score, match) in _labelled(text, STAR_WORDS, _STAR_NUM).items():
        ev = EVIDENCE_RE.match(text[match.end():])
        evidence = ev.group("ev").strip() if ev else DEFAULT_EVIDENCE
        if "?" in evidence or re.search(r"\bSTAR\b", evidence):
            evidence = DEFAULT_EVIDENCE
        out[key] = {"score": score, "evidence": evidence}
    return out


def extract_needs(text: str) -> list[str]:
    """Partnership needs named in ``text``, in order of appearance."""
    hits: list[tuple[int, str]] = []
    for key, words in NEEDS.items():
        union = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        match = re.search(rf"\b(?:{union})\b", text, re.I)
        if match:
            hits.append((match.start(), key))
    return [key for _, key in sorted(hits)]


def extract_model_need(text: str) -> dict[str, Any]:
    """``needs`` plus the commitment preferences for ``recommend_model``."""
    out: dict[str, Any] = {}
    needs = extract_needs(text)
    if needs:
        out["needs"] = needs
    if LOW_COMMITMENT_RE.search(text):
        out["wants_low_commitment"] = True
    if SHARED_INVESTMENT_RE.search(text):
        out["shared_investment"] = True
    return out


def _flag(text: str, patterns: tuple[str, ...]) -> bool | None:
    for pattern in patterns:
        for match in re.finditer(pattern, text, re.I):
            before = text[max(0, match.start() - 25):match.start()]
            if re.search(_NOT + r"(?:\w+\s+){0,2}$", before, re.I):
                return False
            return True
    return None


ENTRY_RE = re.compile(r"\b(?:get into|enter(?:ing)?|expand(?:ing)? into|move into|break into)\s+"
                      r"(?:the\s+|a\s+|an\s+)?(?P<cap>[\w\- ]{2,40}?)(?=\s*(?:[,.;?]|$|\bwhich\b|"
                      r"\band\b|\bwith\b|\bwhere\b))", re.I)


def extract_capability(text: str) -> str | None:
    """The capability or market a build/partner/acquire decision is about."""
    found = _decision_capability(text)
    if found:
        return found
    entry = ENTRY_RE.search(text)
    return entry.group("cap").strip() if entry else None


def _decision_capability(text: str) -> str | None:
    for match in CAPABILITY_RE.finditer(text):
        cap = " ".join(match.group("cap").split()).strip(" -/")
        words = [w for w in cap.split() if w.lower() not in CAPABILITY_STOP]
        while words and words[0].lower() in LEADING_FILLER:
            words.pop(0)
        if words and not all(w.lower() in {"we", "should", "i"} for w in words):
            return " ".join(words)
    return None


def extract_decision(text: str) -> dict[str, Any]:
    """Build vs partner vs acquire facts stated in ``text``."""
    out: dict[str, Any] = {}
    capability = extract_capability(text)
    if capability:
        out["capability"] = capability
    for key, patterns in BPA_FLAGS.items():
        value = _flag(text, patterns)
        if value is not None:
            out[key] = value
    if out.get("core_to_differentiation") and re.search(r"\bnot core\b", text, re.I):
        out["core_to_differentiation"] = False
    if re.search(r"\bnot core\b|\bnon-?core\b", text, re.I):
        out["core_to_differentiation"] = False
    months = MONTHS_RE.search(text)
    if months:
        raw = months.group("num").lower()
        count = int(raw) if raw.isdigit() else COUNT_WORDS[raw]
        years = months.group("unit").lower().startswith("y")
        out["months_to_build"] = count * 12 if years else count
    return out
