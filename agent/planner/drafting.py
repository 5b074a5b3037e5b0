"""Reading document inputs out of prose: names, labelled clauses, contributions, candidates.

Executives write drafting requests as one paragraph ("Draft a term sheet between Lumora and
Fenwick for a referral partnership: we contribute training, Fenwick contributes
introductions; initial term 2 years; executive sponsor our CRO ..."). These helpers find
each value; :mod:`agent.planner.documents` decides which ones a document needs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from agent.planner import slots
from agent.planner.factors import extract_star
from tools.parsing import parse_money, parse_percent
from tools.vocab import CRITERIA

if TYPE_CHECKING:
    from agent.planner.partners import PartnerMatch

WORD = r"[A-Z][\w&\-]*(?:\.[\w&\-]+)*"
NAME = rf"{WORD}(?:\s+(?:&\s+)?{WORD}){{0,3}}"
#: The phrase is read in any case; the name after it must be capitalised.
COMPANY_RE = re.compile(rf"\b(?i:our company is|we are|we're|we’re|i'm (?:with|from)|"
                        rf"i work (?:at|for)|here at|company(?: name)?\s*(?:[:=]|is)?|"
                        rf"co\.?\s*(?:[:=]|is)|"
                        rf"(?:we|us)\s*[:=])\s*(?<!\w)(?P<v>{NAME})")
A_WITH_B_RE = re.compile(rf"(?<![\w-])(?P<a>{NAME})\s+(?:with|and|x|&)\s+(?P<b>{NAME})")
PAREN_NAME_RE = re.compile(rf"\((?P<v>{NAME})\s*[),]")
LEAD_NAME_RE = re.compile(rf"(?:^|[.?!;:]\s+|\s[-–—]\s)(?P<v>{NAME})\s*(?:,|:|\s[-–—]\s)")
PERIOD_WORD_RE = re.compile(r"^(?:FY|CY|H[12]|Q[1-4])?'?\d{2,4}$", re.I)
FOR_NAME_RE = re.compile(rf"\bfor\s+(?P<v>{NAME})")
WITH_NAME_RE = re.compile(rf"\bwith\s+(?P<v>{NAME})")
PAIR_RE = re.compile(rf"\b(?:between|for)\s+(?P<a>{NAME})\s+and\s+(?P<b>{NAME})")
CLAUSE_END = r"(?=\s*(?:;|\.\s|\.$|$|\n))"
CONTRIBUTION_RE = re.compile(
    r"(?:^|[;:.,]\s*)(?P<who>[Ww]e|[A-Z][\w&\-]*(?:\s+[A-Z][\w&\-]*){0,3})\s+"
    r"(?:contribute|contributes|provide|provides|"
    r"commit|commits|bring|brings|offer|offers)\s+(?P<v>.+?)"
    r"(?=\s*(?:;|\.\s|\.$|$|\n|,\s*[A-Z][\w&\-]*\s+(?:contribute|provide|commit|bring|offer)s?\b))")
SERVE_RE = re.compile(r"\b(?:serv(?:e|es|ing)|sell(?:s|ing)? to|targeting)\s+(?P<icp>.+?)"
                      r"(?:\s+in\s+(?P<markets>.+?))?" + CLAUSE_END, re.I)
CANDIDATE_RE = re.compile(rf"(?P<name>{NAME})\s*\((?P<body>[^)]*)\)")
TERM_RE = re.compile(
    r"\bterm\s+(?:is\s+|of\s+)?(?P<v>\d{1,3}|\w+)[\s-]+(?P<u>years?|months?)\b|"
    r"\b(?P<v2>\d{1,3}|\w+)[\s-]+(?P<u2>years?|months?)\s+(?:\w+\s+){0,2}?term\b|"
    r"\b(?P<v3>\d{1,3})[\s-]+(?P<u3>months?|years?)\s*(?:,|;|\.|$)", re.I)
PERIOD_RE = re.compile(r"\b(?P<v>(?:FY|CY)\s?\d{2,4}|H[12]\s?\d{4}|Q[1-4]\s?\d{4}|"
                       r"(?:19|20)\d{2})\b")
LIST_SPLIT_RE = re.compile(r"\s*(?:;|,|\band\b|\n)\s*", re.I)
MODEL_WORDS = {
    "referral": ("referral",), "reseller": ("reseller", "resale", "resell"),
    "co_sell": ("co-sell", "co sell", "cosell", "co-selling"),
    "implementation": ("implementation",), "oem": ("oem", "embed"),
    "joint_venture": ("joint venture", "jv"),
    "technology_alliance": ("technology alliance", "tech alliance"),
}
TYPE_NAMES = {
    "big4": "Big 4 firms", "gsi": "GSIs", "boutique": "boutique consultancies",
    "regional_si": "regional systems integrators", "isv": "ISVs", "reseller": "resellers",
    "distributor": "distributors", "advisor": "advisors", "technology": "technology partners",
    "academic": "academic partners",
}
NOT_A_NAME = {"Q1", "Q2", "Q3", "Q4", "EMEA", "APAC", "LATAM", "NA", "ARR", "ICP", "Big",
              "STAR", "KPIs", "OKRs", "RACI"}


def labelled(text: str, labels: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Clauses that start with a label: "ICP: banks", "ICP is banks", "markets EMEA"."""
    out: dict[str, str] = {}
    for name, words in labels.items():
        for label in sorted(words, key=len, reverse=True):
            # "company" is not the label where "company revenue" (another slot's) stands.
            longer = [w[len(label):] for other, ws in labels.items() if other != name
                      for w in ws if w.lower().startswith(label.lower() + " ")]
            guard = "".join(rf"(?!{re.escape(rest)}\b)" for rest in longer)
            match = re.search(
                rf"(?:^|[;\n]|\.\s|:\s|,\s)\s*(?:the\s+|our\s+)?{re.escape(label)}{guard}"
                rf"(?![\w-])\s*"
                rf"(?:[:=]|\bis\b|\bare\b|\bat\b)?\s*(?P<v>[^;\n]+?){CLAUSE_END}", text, re.I)
            if match and match.group("v").strip(" .:"):
                out[name] = match.group("v").strip(" .:")
                break
    return out


def parse_value(kind: str, text: str) -> Any:
    """A reply read as one slot of ``kind`` (None when it does not parse)."""
    text = text.strip().strip(".")
    if not text:
        return None
    if kind == "percent":
        return parse_percent(text) or slots.extract_count(text)
    if kind == "years":
        return slots.extract_years(text) or slots.extract_count(text)
    if kind == "months":
        years = slots.extract_years(text)
        return years * 12 if years else slots.extract_count(text)
    if kind == "money":
        return parse_money(text)
    if kind == "model":
        return find_model(text)
    if kind == "list":
        items = [i.strip(" .").removeprefix("the ") for i in LIST_SPLIT_RE.split(text)]
        return [i for i in items if i] or None
    return text


def find_model(text: str) -> str | None:
    """The first partnership model named in ``text``."""
    hits = []
    for key, words in MODEL_WORDS.items():
        for word in words:
            match = re.search(rf"\b{re.escape(word)}\b", text, re.I)
            if match:
                hits.append((match.start(), key))
    return min(hits)[1] if hits else None


def clean_name(value: str | None) -> str | None:
    """A captured name without framework words ("EMEA", "Q3")."""
    if not value:
        return None
    words = [w for w in value.split() if w not in NOT_A_NAME and not PERIOD_WORD_RE.match(w)]
    return " ".join(words) or None


def names(tool: str, text: str, partner: PartnerMatch) -> dict[str, Any]:
    """Our company and the partner: "between A and B", "for Acme", "with Globex"."""
    found: dict[str, Any] = {}
    pair = PAIR_RE.search(text)
    company_match = COMPANY_RE.search(text)
    company = clean_name(company_match.group("v")) if company_match else None
    two_sided = tool in ("draft_term_sheet", "draft_operating_plan", "value_canvas")
    if two_sided and pair:
        found["company"] = company or clean_name(pair.group("a"))
        found["partner"] = clean_name(pair.group("b"))
        return found
    if two_sided:
        with_match = WITH_NAME_RE.search(text)
        a_with_b = A_WITH_B_RE.search(text)
        if a_with_b and not company and (not partner.found or clean_name(
                a_with_b.group("b")) == partner.name):
            company, named = clean_name(a_with_b.group("a")), clean_name(a_with_b.group("b"))
        else:
            named = clean_name(with_match.group("v")) if with_match else None
        found["partner"] = partner.name if partner.found else named
    if company is None:
        company = _fallback_company(text, found.get("partner"))
        if company and partner.found and tool == "draft_scorecard":
            company = None
    found["company"] = company
    return found


def _fallback_company(text: str, partner: str | None) -> str | None:
    """Our company when no phrase says so: "for Acme", "(Acme)", "Acme, 25% of ARR ..."."""
    for pattern in (FOR_NAME_RE, PAREN_NAME_RE, LEAD_NAME_RE):
        for match in pattern.finditer(text):
            name = clean_name(match.group("v"))
            if name and name != partner and name.split()[0] not in FILLER_STARTS:
                return name
    return None


#: Capitalised words that start a sentence without naming anyone.
FILLER_STARTS = {"Draft", "Write", "Create", "Prepare", "Please", "Can", "Could", "Need", "The",
                 "Our", "We", "Put", "Build", "Make", "Help", "Hi", "Hello", "OK", "Ok", "Great",
                 "Thanks", "Objective", "Quick", "Key", "KPIs", "KRs", "Target", "Partner"}


def contributions(text: str, company: str | None, partner: str | None
                  ) -> dict[str, list[str]]:
    """What each side contributes: "we contribute X", "<Partner> provides Y"."""
    out: dict[str, list[str]] = {}
    ours = {"we"} | ({company.split()[0].lower()} if company else set())
    theirs = {"they", "partner"} | ({partner.split()[0].lower()} if partner else set())
    for match in CONTRIBUTION_RE.finditer(text):
        who = match.group("who").lower().split()[0]
        items = parse_value("list", match.group("v")) or []
        if who in ours:
            out.setdefault("ours", []).extend(items)
        elif who in theirs:
            out.setdefault("theirs", []).extend(items)
    return out


def icp_and_markets(text: str) -> dict[str, Any]:
    """The ICP and markets in "partners who serve mid-market banks in North America"."""
    match = SERVE_RE.search(text)
    if not match:
        return {}
    out: dict[str, Any] = {"icp": match.group("icp").strip(" ,")}
    if match.group("markets"):
        out["markets"] = parse_value("list", match.group("markets"))
    return out


#: One pattern per partner type: any of its words, whole (this runs on every drafting turn).
_TYPE_PATTERNS = {k: re.compile(rf"\b(?:{'|'.join(re.escape(w) for w in words)})\b", re.I)
                  for k, words in slots.PARTNER_TYPES.items()}


def partner_types(text: str) -> list[str]:
    """Display names of the partner types named in ``text``."""
    return [TYPE_NAMES[k] for k, pattern in _TYPE_PATTERNS.items() if pattern.search(text)]


def term_months(text: str) -> int | None:
    """The term in months ("initial term 2 years", "Term 3 years")."""
    match = TERM_RE.search(text)
    if not match:
        return None
    value = match.group("v") or match.group("v2") or match.group("v3")
    unit = match.group("u") or match.group("u2") or match.group("u3")
    count = slots.extract_count(value)
    if count is None:
        return None
    return count * 12 if unit.lower().startswith("y") else count


def period(text: str) -> str | None:
    """An OKR period: "FY2027", "H1 2027", "2027"."""
    match = PERIOD_RE.search(text)
    return match.group("v") if match else None


def inline_candidates(text: str) -> list[dict[str, Any]]:
    """Scorecard candidates written inline: "Alder (ICP overlap 84, ...; STAR fit 4, ...)"."""
    out = []
    for match in CANDIDATE_RE.finditer(text):
        body = match.group("body")
        criteria = slots.extract_criteria(body)
        star = extract_star(body)
        if len(criteria) == len(CRITERIA):
            out.append({"name": match.group("name").strip(), "attractiveness": criteria,
                        "star": star})
    return out


def key_result_kind(text: str) -> str:
    """``leading`` or ``lagging``: an explicit "(lagging)" wins, else revenue words lag."""
    explicit = re.search(r"\b(leading|lagging)\b", text, re.I)
    if explicit:
        return explicit.group(1).lower()
    lagging = r"\b(revenue|arr|bookings|closed|won|retention|margin|sign(?:ed)?)\b"
    return "lagging" if re.search(lagging, text, re.I) else "leading"


def strip_kind(text: str) -> str:
    """The key result without its "(leading)" marker."""
    return re.sub(r"\s*\((?:leading|lagging)\)\s*", " ", text, flags=re.I).strip()
