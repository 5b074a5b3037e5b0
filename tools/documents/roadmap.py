"""The multi-quarter partnership roadmap: foundation, first revenue, scale, acceleration.

The milestones are the framework's, filled from the program's own figures: the thesis
(partner-led share of ARR and the years to reach it), the tier criteria (Platinum needs
``TIER_CRITERIA[platinum].min_certified`` certified people and its pipeline minimum), and
the targets the program sets (Platinum and Gold partners to sign, pipeline by Q3). Unless
given, the Q4 share of ARR is the thesis share spread evenly over its years, and the Q3
pipeline target is one Platinum partner's minimum pipeline. The roadmap is revisited every
quarter (``tools.program.ROADMAP_REVIEW_MONTHS``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from tools.documents.common import (
    DocumentModel,
    InputModel,
    Money,
    Name,
    Percent,
    join_words,
    parse_input,
)
from tools.parsing import format_usd
from tools.partners import Tier
from tools.program import ROADMAP_REVIEW_MONTHS
from tools.tiers import TIER_CRITERIA

QUARTER_NAMES = ("Foundation", "First revenue", "Scale", "Acceleration")
#: How many priority partners the Q1 outreach names.
OUTREACH_MAX = 5


class RoadmapInput(InputModel):
    """What the roadmap is filled from.

    Args:
        company: Our company.
        year: The roadmap's year (e.g. 2027).
        partner_led_share_pct: The thesis target: share of ARR through partners.
        years: Years the thesis gives to reach that share.
        priority_partners: The first partners to approach (at most 5 are named).
        platinum_partners: Platinum partners to sign in the year (at least 1).
        gold_partners: Gold partners to sign from the boutique tier by Q2.
        q3_pipeline_usd: Partner-sourced pipeline by the end of Q3.
        q4_arr_share_pct: Share of ARR from partners by Q4.
    """

    company: Name
    year: Annotated[int, Field(ge=2000, le=2100)]
    partner_led_share_pct: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    years: Annotated[int, Field(ge=1, le=10)]
    priority_partners: Annotated[list[Name], Field(min_length=1, max_length=25)]
    platinum_partners: Annotated[int, Field(ge=1, le=20)] = 2
    gold_partners: Annotated[int, Field(ge=0, le=50)] = 2
    q3_pipeline_usd: Money | None = None
    q4_arr_share_pct: Percent | None = None


class RoadmapQuarter(DocumentModel):
    """One quarter of the roadmap."""

    quarter: str
    name: str
    milestones: list[str]


class PartnershipRoadmap(DocumentModel):
    """A finished multi-quarter roadmap."""

    company: str
    year: int
    thesis: str
    quarters: list[RoadmapQuarter]
    review_months: int
    q3_pipeline_usd: float
    q4_arr_share_pct: float


def build_roadmap(data: RoadmapInput | dict[str, Any]) -> PartnershipRoadmap:
    """Fill the four-quarter roadmap from the thesis, the tier criteria and the targets.

    Args:
        data: A RoadmapInput or a dict with its fields.

    Raises:
        FrameworkError: Naming the field on bad input.
    """
    g = parse_input(RoadmapInput, data)
    platinum = TIER_CRITERIA[Tier.PLATINUM]
    gold = TIER_CRITERIA[Tier.GOLD]
    pipeline = g.q3_pipeline_usd if g.q3_pipeline_usd is not None else platinum.min_pipeline_usd
    share = (g.q4_arr_share_pct if g.q4_arr_share_pct is not None
             else round(g.partner_led_share_pct / g.years, 1))
    first = g.priority_partners[:OUTREACH_MAX]
    thesis = (f"{_pct(g.partner_led_share_pct)} of ARR through partners within {g.years} "
              f"year{'s' if g.years != 1 else ''}")
    second = ("Onboard the second Platinum partner" if g.platinum_partners >= 2
              else "Deepen the first Platinum partner into a second practice")
    quarters = [
        [f"Sign off the partnership thesis ({thesis}) and the tier framework",
         f"Open talks with the top {len(first)} priority partners: {join_words(first)}",
         "Sign the first Platinum partner agreement",
         "Launch the partner portal with self-serve training and deal registration"],
        [f"Enable the first Platinum partner: {platinum.min_certified} certified people, "
         "the Platinum minimum",
         "Hold the first joint co-sell meetings with the Platinum partner",
         f"Sign {g.gold_partners} Gold partner{'s' if g.gold_partners != 1 else ''} from the "
         f"boutique consultancy tier ({gold.min_certified} certified people each)",
         "Publish the first joint whitepaper with the Platinum partner",
         "Complete the first quarterly business review"],
        [second,
         f"Reach {format_usd(pipeline)} of partner-sourced pipeline",
         "Start a joint webinar series with partners",
         "Open market development funds to Gold and Platinum partners",
         "Close the first deal won together with a partner"],
        [f"All {g.platinum_partners} Platinum and {g.gold_partners} Gold partners certified "
         "and co-selling",
         f"Partner-sourced ARR reaches {_pct(share)} of total ARR",
         "Board report shows a positive return on the partnership program",
         f"Draft the {g.year + 1} roadmap: new geographies and joint-venture options",
         "Hold the first annual partner summit"],
    ]
    return PartnershipRoadmap(
        company=g.company, year=g.year, thesis=thesis,
        quarters=[RoadmapQuarter(quarter=f"Q{n}", name=QUARTER_NAMES[n - 1], milestones=m)
                  for n, m in enumerate(quarters, start=1)],
        review_months=ROADMAP_REVIEW_MONTHS, q3_pipeline_usd=pipeline, q4_arr_share_pct=share)


def _pct(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") + "%"
