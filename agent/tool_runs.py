"""The run functions behind the agent's tools.

Each docstring is the tool's description; :mod:`agent.registry` lists them.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel

from agent.tool_inputs import (
    CheckTierInput,
    DocumentResult,
    FindPartnersInput,
    FindPartnersResult,
    FrameworkSearchResult,
    PartnerDetail,
    PartnerSummary,
    PassageOut,
    PortfolioSummary,
    PortfolioSummaryInput,
    ReviewTierInput,
    ScorePartnerInput,
    ScoreResult,
    SearchFrameworkInput,
    ShowPartnerInput,
)
from agent.toolset import Deps
from knowledge.accounts import mapped_icp
from tools import documents as docs
from tools.decisions import DecisionInput, decide
from tools.errors import FrameworkError
from tools.models import ModelNeed
from tools.models import recommend_model as recommend_models
from tools.parsing import quarter_end
from tools.partners import Partner
from tools.program import ProgramDescription
from tools.program import check_program as check_program_rules
from tools.scoring import score_partner as score_criteria
from tools.scoring import score_partner_record
from tools.star import StarInput
from tools.star import assess_star as star_assess
from tools.text import slugify
from tools.tiers import check_tier as check_tier_figures
from tools.tiers import review_tier as review_partner_tier

NAME_MATCH_MIN = 0.8


def _similarity(value: float) -> float:
    return value / 100 if value > 1 else value


def resolve_partner(ref: str, deps: Deps) -> Partner:
    """Find a stored partner by id or (fuzzy) name, or fail naming ``partner``."""
    store = deps.store
    found = store.get_partner(ref.strip())
    if found is not None:
        return found
    matches = store.find_partners_by_name(ref, 3)
    if matches and _similarity(matches[0][1]) >= NAME_MATCH_MIN:
        return matches[0][0]
    if matches:
        names = ", ".join(f"{p.name} ({p.partner_id})" for p, _ in matches)
        raise FrameworkError("partner", f"no partner by that name; did you mean {names}?", ref)
    raise FrameworkError("partner", "no partner with that id or name in the store", ref)


def _score(partner: Partner) -> tuple[float, str]:
    result = score_partner_record(partner)
    return result.score, str(result.band)


def _mapped_score(partner: Partner, deps: Deps) -> tuple[float, str, Any]:
    """The score with the account map's ICP overlap when it has one (as score_partner does)."""
    mapped = mapped_icp(deps.store.data_dir, partner.partner_id, partner.name)
    if mapped is None:
        return (*_score(partner), None)
    result = score_criteria({**partner.criteria(), "icp_overlap": mapped.value})
    return result.score, str(result.band), mapped


def _summary(partner: Partner, similarity: float | None = None) -> PartnerSummary:
    score, band = _score(partner)
    return PartnerSummary(
        partner_id=partner.partner_id, name=partner.name, partner_type=str(partner.partner_type),
        tier=str(partner.tier), region=partner.region, industry=partner.industry, score=score,
        band=band, annual_pipeline_usd=partner.annual_pipeline_usd,
        certified_individuals=partner.certified_individuals,
        dedicated_practice=partner.dedicated_practice, similarity=similarity)


def search_framework(data: SearchFrameworkInput, deps: Deps) -> FrameworkSearchResult:
    """Search the partnership framework documents and return the passages to cite.

    Use it for any question about how the framework works: scoring criteria and weights,
    STAR, tier criteria and movement rules, partnership models and fees, build vs partner vs
    acquire, governance, OKRs, KPIs and quality rules.
    """
    passages = deps.store.search_knowledge(data.query, data.k)
    return FrameworkSearchResult(query=data.query, passages=[
        PassageOut(doc_id=p.doc_id, title=p.title, section=p.section, text=p.text,
                   chunk_id=p.chunk_id, distance=p.distance) for p in passages])


def find_partners(data: FindPartnersInput, deps: Deps) -> FindPartnersResult:
    """Find partners in the store by description.

    Optional filters: tier, partner type, region, industry, attractiveness band.
    """
    if not data.query.strip():
        return _list_by_filters(data, deps)
    hits = deps.store.search_partners(
        data.query, data.k, tier=data.tier, partner_type=data.partner_type, region=data.region,
        industry=data.industry, band=data.band)
    partners = [_summary(h.partner, round(1 - float(h.distance), 4)) for h in hits]
    return FindPartnersResult(query=data.query, count=len(partners), partners=partners)


def _list_by_filters(data: FindPartnersInput, deps: Deps) -> FindPartnersResult:
    """With no query, the partners that pass every filter, highest attractiveness first."""
    wanted = {"tier": data.tier, "partner_type": data.partner_type, "region": data.region,
              "industry": data.industry, "band": data.band}
    if all(value is None for value in wanted.values()):
        raise FrameworkError("query", "give a description or at least one filter")
    summaries = [_summary(p) for p in deps.store.all_partners()]
    kept = [s for s in summaries
            if all(value is None or str(getattr(s, key)).lower() == str(value).lower()
                   for key, value in wanted.items())]
    kept.sort(key=lambda s: (-(s.score or 0.0), s.name))
    return FindPartnersResult(query="", count=len(kept[: data.k]), partners=kept[: data.k])


def show_partner(data: ShowPartnerInput, deps: Deps) -> PartnerDetail:
    """Show one partner's full record (by id or name) with its attractiveness score."""
    partner = resolve_partner(data.partner, deps)
    score, band, mapped = _mapped_score(partner, deps)
    if mapped is None:
        return PartnerDetail(partner=partner, score=score, band=band)
    return PartnerDetail(partner=partner, score=score, band=band, icp_overlap=mapped.value,
                         icp_source=f"{mapped.provenance} (account map)")


def score_partner(data: ScorePartnerInput, deps: Deps) -> ScoreResult:
    """Compute a partner attractiveness score (0-100) and band from the five weighted criteria.

    Give a stored partner, or the five criteria (icp_overlap, market_influence,
    practice_alignment, partnership_appetite, revenue_potential), each 0-100. A stored
    partner's ICP overlap comes from the account map when both account lists are imported.
    """
    partner = resolve_partner(data.partner, deps) if data.partner else None
    inputs: dict[str, float] = dict(partner.criteria()) if partner else {}
    sources: dict[str, str] = {}
    mapped = mapped_icp(deps.store.data_dir, partner.partner_id, partner.name) if (
        partner and data.icp_overlap is None) else None
    if mapped is not None:  # computed from real account lists beats the stored guess
        inputs["icp_overlap"] = mapped.value
        sources["icp_overlap"] = f"{mapped.provenance} (account map)"
    inputs.update(data.given_criteria())
    result = score_criteria(inputs, data.weights)
    return ScoreResult(partner_id=partner.partner_id if partner else None,
                       partner_name=partner.name if partner else None, inputs=inputs,
                       result=result, sources=sources)


def assess_star(data: StarInput, deps: Deps) -> BaseModel:
    """Assess a candidate partner on STAR and return a verdict.

    Dimensions: strategic fit, trust and culture, asset complementarity, relationship
    economics; each scored 1-5 with evidence.
    """
    return star_assess(data)


def check_tier(data: CheckTierInput, deps: Deps) -> BaseModel:
    """Check which program tier a partner's figures qualify for.

    Tiers: registered, silver, gold, platinum. Also says what is missing for the next tier.
    """
    figures: dict[str, Any] = {}
    if data.partner:
        partner = resolve_partner(data.partner, deps)
        figures = {"annual_pipeline_usd": partner.annual_pipeline_usd,
                   "certified_individuals": partner.certified_individuals,
                   "dedicated_practice": partner.dedicated_practice}
    given = data.model_dump(exclude_none=True, exclude={"partner"})
    figures.update(given)
    return check_tier_figures(figures)


def _as_of(quarter: str | None) -> date:
    if quarter is None:
        return date.today()
    return quarter_end(quarter)


def review_tier(data: ReviewTierInput, deps: Deps) -> BaseModel:
    """Review a stored partner's tier with the movement rules.

    Outcomes: promote, hold, warn, demote or exit, from the quarterly history as of a
    quarter (default: today).
    """
    partner = resolve_partner(data.partner, deps)
    return review_partner_tier(partner, _as_of(data.as_of))


def _matches(partner: Partner, data: PortfolioSummaryInput) -> bool:
    if data.region and partner.region.lower() != data.region.lower():
        return False
    if data.partner_type and partner.partner_type != data.partner_type:
        return False
    return not (data.tier and partner.tier != data.tier)


def portfolio_summary(data: PortfolioSummaryInput, deps: Deps) -> PortfolioSummary:
    """Summarise the partner portfolio.

    Counts by tier, type, region and band, the average attractiveness score, and the
    tier-review actions due.
    """
    partners = [p for p in deps.store.all_partners() if _matches(p, data)]
    as_of = _as_of(data.as_of)
    scores: list[float] = []
    bands: Counter[str] = Counter()
    actions: Counter[str] = Counter()
    attention: list[dict[str, str]] = []
    mapped_from: dict[str, str] = {}
    for partner in partners:
        score, band, mapped = _mapped_score(partner, deps)
        if mapped is not None:
            mapped_from[partner.partner_id] = f"{mapped.provenance} (account map)"
        scores.append(score)
        bands[band] += 1
        outcome = review_partner_tier(partner, as_of)
        actions[str(outcome.action)] += 1
        if str(outcome.action) != "hold":
            attention.append({"partner_id": partner.partner_id, "name": partner.name,
                              "action": str(outcome.action)})
    average = round(sum(scores) / len(scores), 1) if scores else None
    return PortfolioSummary(
        partners=len(partners),
        by_tier=dict(Counter(str(p.tier) for p in partners)),
        by_type=dict(Counter(str(p.partner_type) for p in partners)),
        by_region=dict(Counter(p.region for p in partners)), by_band=dict(bands),
        average_score=average, review_actions=dict(actions), needs_attention=attention[:20],
        icp_from_account_map=mapped_from)


def recommend_model(data: ModelNeed, deps: Deps) -> BaseModel:
    """Rank the partnership models for what the partnership must achieve.

    Models: referral, reseller, co-sell, implementation, OEM, joint venture, technology
    alliance; with their commitment level, revenue mechanism and fee ranges.
    """
    return recommend_models(data)


def build_partner_acquire(data: DecisionInput, deps: Deps) -> BaseModel:
    """Decide build vs partner vs acquire for a capability or market.

    Returns the decision, the rule that decided it and a decision-log entry.
    """
    return decide(data)


def write_document(kind: str, document: BaseModel, deps: Deps) -> DocumentResult:
    """Render a built document to Markdown and DOCX and write both into ``deps.output_dir``."""
    markdown = docs.render_markdown(document)
    data = document.model_dump(mode="json")
    title = docs.kind_of(document).title
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:8]
    deps.output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # drafts: owner only
    stem = deps.output_dir / f"{kind}-{slugify(title, 40)}-{digest}"
    md_path, docx_path = stem.with_suffix(".md"), stem.with_suffix(".docx")
    md_path.write_text(markdown, encoding="utf-8")
    docx_path.write_bytes(docs.render_docx(document))
    return DocumentResult(kind=kind, title=title, document=data, markdown=markdown,
                          markdown_path=str(md_path), docx_path=str(docx_path))


@dataclass(frozen=True)
class DocumentTool:
    """A drafting tool: its name, the document kind it drafts, and its description.

    The input model and the builder are the kind's own (``tools.documents.DOCUMENT_KINDS``).
    """

    name: str
    kind: str
    doc: str

    @property
    def input_model(self) -> type[BaseModel]:
        """The kind's input model."""
        return docs.DOCUMENT_KINDS[self.kind].input_model

    @property
    def build(self) -> Callable[[Any], BaseModel]:
        """The kind's builder."""
        return docs.DOCUMENT_KINDS[self.kind].builder


def document_run(tool: DocumentTool) -> Callable[[BaseModel, Deps], DocumentResult]:
    """The run function of a drafting tool: build the document, then write it."""

    def run(data: BaseModel, deps: Deps) -> DocumentResult:
        return write_document(tool.kind, tool.build(data), deps)

    run.__doc__ = tool.doc
    run.__name__ = tool.name
    return run


DOCUMENT_TOOLS = (
    DocumentTool("draft_thesis", "thesis",
                 "Draft a partnership thesis statement (who we partner with, for which "
                 "customers and markets, through which models, measured by which metric)."),
    DocumentTool("draft_term_sheet", "term-sheet",
                 "Draft a partnership term sheet: operating model, economics, governance, IP, "
                 "exclusivity, term and exit."),
    DocumentTool("draft_brief", "brief",
                 "Draft a partnership strategy brief for executives: need, objectives, partner "
                 "criteria, build/partner/acquire, model, non-negotiables, timeline, risks."),
    DocumentTool("draft_scorecard", "scorecard",
                 "Draft a partner evaluation scorecard comparing candidates on the "
                 "attractiveness criteria and STAR."),
    DocumentTool("draft_operating_plan", "operating-plan",
                 "Draft a joint 90-day operating plan: phases, quick wins, commitments, KPIs, "
                 "cadence."),
    DocumentTool("draft_governance_playbook", "governance-playbook",
                 "Draft a governance playbook: RACI, review cadence, escalation and conflict "
                 "resolution."),
    DocumentTool("draft_okrs", "okrs",
                 "Draft partnership OKRs with leading and lagging indicators."),
)


def check_program(data: ProgramDescription, deps: Deps) -> BaseModel:
    """Check a partner program against the framework's quality rules.

    Rules: signed-off thesis before recruiting, Finance input on decisions, leading and
    lagging OKR indicators, tier enforcement, roadmap and competitor-map reviews, alliance
    governance.
    """
    return check_program_rules(data)
