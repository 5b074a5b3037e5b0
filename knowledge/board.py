"""The stored partners as the board documents read them: one home for the CLI and the agent.

Each function turns stored :class:`tools.partners.Partner` records into the input rows of
a board document (landscape, dashboard risk profile, competitor map, relationship map), and
fills a document's input from the store where the caller left it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from knowledge.competitors import load_competitors
from tools.errors import FrameworkError
from tools.partners import Partner
from tools.scoring import score_partner_record
from tools.tiers import review_tier

#: The company name the board documents use when none is given.
DEFAULT_COMPANY = "Our company"


def landscape_rows(partners: Iterable[Partner]) -> list[dict[str, Any]]:
    """Landscape rows: name, type, tier, region, industry and attractiveness score."""
    return [{"name": p.name, "partner_type": p.partner_type.value, "tier": p.tier.value,
             "region": p.region, "industry": p.industry,
             "score": score_partner_record(p).score} for p in partners]


def position_rows(partners: Iterable[Partner], as_of: date) -> list[dict[str, Any]]:
    """Risk-profile rows: name, tier, pipeline and the tier review's action as of ``as_of``."""
    return [{"name": p.name, "tier": p.tier.value, "annual_pipeline_usd": p.annual_pipeline_usd,
             "review_action": str(review_tier(p, as_of).action)} for p in partners]


def known_rows(partners: Iterable[Partner]) -> list[dict[str, Any]]:
    """Competitor-map rows for our own partners: name, type and score."""
    return [{"name": p.name, "partner_type": p.partner_type.value,
             "score": score_partner_record(p).score} for p in partners]


def tier_rows(partners: Iterable[Partner]) -> list[dict[str, Any]]:
    """Relationship-map rows: name and tier."""
    return [{"name": p.name, "tier": p.tier.value} for p in partners]


def landscape_input(partners: list[Partner], company: str | None, as_of: date,
                    region: str | None = None) -> dict[str, Any]:
    """The landscape map's input from the stored partners (optionally one region)."""
    chosen = [p for p in partners if region is None or p.region.lower() == region.lower()]
    if not chosen:
        where = f" in region {region}" if region else ""
        raise FrameworkError("partners", f"the store holds no partners{where}; import some "
                             "or run partnerpilot index")
    return {"company": company or DEFAULT_COMPANY, "as_of": as_of,
            "partners": landscape_rows(chosen)}


def dashboard_input(data: dict[str, Any], partners: list[Partner], as_of: date
                    ) -> dict[str, Any]:
    """The dashboard's input with the stored partners filled in when it lists none."""
    if data.get("partners") or not partners:
        return data
    return {**data, "partners": position_rows(partners, as_of)}


def competitor_input(data_dir: Path | str, partners: list[Partner], company: str | None,
                     as_of: date) -> dict[str, Any]:
    """The competitor map's input: the imported partnerships and our stored partners."""
    items, refreshed = load_competitors(data_dir)
    if not items:
        raise FrameworkError("competitors", "no competitor partnerships imported yet; run "
                             "partnerpilot board competitors import FILE (or --sample)")
    return {"company": company or DEFAULT_COMPANY, "as_of": as_of,
            "refreshed": min(refreshed, as_of) if refreshed else None,
            "partnerships": [i.model_dump(mode="json", exclude_none=True) for i in items],
            "known_partners": known_rows(partners)}


def relationship_input(data: dict[str, Any], partners: list[Partner]) -> dict[str, Any]:
    """The relationship map's input with the stored partners filled in when it lists none."""
    if data.get("partners"):
        return data
    if not partners:
        raise FrameworkError("partners", "the store holds no partners; import some or run "
                             "partnerpilot index")
    return {"company": DEFAULT_COMPANY, **data, "partners": tier_rows(partners)}
