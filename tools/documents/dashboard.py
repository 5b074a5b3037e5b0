"""The board dashboard: pipeline, partner-sourced revenue, time to impact, risk, KPIs and ROI.

Each KPI's actual is set against its framework target (``tools.targets``) and given one
status: ``on_track`` when it meets the target, ``at_risk`` when it misses by no more than
:data:`AT_RISK_BAND` (10%) of the target, ``off_track`` beyond that, ``no_data`` when no
actual was reported. Program ROI is ``(partner-sourced revenue - investment) / investment``;
the 300% goal is over 60 months, so the goal to date is pro rata to the program month.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

from tools.documents.common import (
    DocumentModel,
    InputModel,
    Money,
    Name,
    parse_input,
)
from tools.errors import FrameworkError
from tools.parsing import format_usd
from tools.partners import Tier
from tools.targets import (
    KPI_TARGETS,
    PHASE_TARGETS,
    ROI_GOAL_MONTHS,
    ROI_GOAL_PCT,
    KpiTarget,
    PhaseTarget,
)

#: A KPI that misses its target by at most this share of the target is at risk, not off track.
AT_RISK_BAND = 0.10
#: Months per program phase (four phases of 12 months).
PHASE_MONTHS = 12
#: Risk profile: share of pipeline held by the largest partner that makes the risk high/medium.
CONCENTRATION_HIGH_PCT = 25.0
CONCENTRATION_MEDIUM_PCT = 15.0
#: Risk profile: share of partners due a warning, demotion or exit that makes it high/medium.
FLAGGED_HIGH_PCT = 25.0
FLAGGED_MEDIUM_PCT = 10.0
FLAGGED_ACTIONS = ("warn", "demote", "exit")


class Status(StrEnum):
    """Where a KPI stands against its target."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"


class KpiActuals(InputModel):
    """The KPI actuals for the period; leave out what was not measured.

    Args:
        partner_satisfaction: Partner satisfaction score, 0-10.
        partner_retention: Partners retained over the last 12 months, percent.
        time_to_partnership: Average days from first contact to signed partnership.
        integration_success: Integrations delivered successfully, percent.
        deal_registration_sla: Deal registrations answered within 48 hours, percent.
        revenue_per_partner: Partner-sourced revenue per active partner, USD (computed from
            revenue and active partnerships when left out).
        partner_roi: The partners' own return on the partnership, percent.
    """

    partner_satisfaction: Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)] | None = None
    partner_retention: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    time_to_partnership: Annotated[float, Field(ge=0, le=3650, allow_inf_nan=False)] | None = None
    integration_success: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    deal_registration_sla: Annotated[float, Field(ge=0, le=100,
                                                  allow_inf_nan=False)] | None = None
    revenue_per_partner: Money | None = None
    partner_roi: Annotated[float, Field(ge=-100, le=10_000, allow_inf_nan=False)] | None = None


class PartnerPosition(InputModel):
    """One partner as the risk profile sees it.

    Args:
        name: The partner.
        tier: Its program tier.
        annual_pipeline_usd: Its trailing-twelve-month pipeline.
        review_action: Its tier-review outcome (promote, hold, warn, demote, exit).
    """

    name: Name
    tier: Tier = Tier.REGISTERED
    annual_pipeline_usd: Money = 0.0
    review_action: Literal["promote", "hold", "warn", "demote", "exit"] = "hold"


class BoardDashboardInput(InputModel):
    """What the board dashboard reports on.

    Args:
        company: Our company.
        period: The reporting period (e.g. "2026-Q4").
        program_month: Month of the partnership program, 1-60 (picks the phase target).
        total_revenue_usd: Company revenue in the period's trailing twelve months.
        partner_sourced_revenue_usd: The part of it sourced through partners.
        investment_usd: Cumulative investment in the partnership program.
        pipeline_usd: Partner-sourced pipeline (default: the partners' pipelines summed).
        active_partnerships: Active partnerships (default: the number of partners given).
        time_to_impact_days: Days from signing to the first partner-sourced revenue.
        kpis: The KPI actuals.
        partners: The partners, for pipeline and the risk profile.
    """

    company: Name
    period: Name
    program_month: Annotated[int, Field(ge=1, le=ROI_GOAL_MONTHS)]
    total_revenue_usd: Annotated[Money, Field(gt=0)]
    partner_sourced_revenue_usd: Money
    investment_usd: Annotated[Money, Field(gt=0)]
    pipeline_usd: Money | None = None
    active_partnerships: Annotated[int, Field(ge=0)] | None = None
    time_to_impact_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    kpis: KpiActuals = Field(default_factory=KpiActuals)
    partners: list[PartnerPosition] = Field(default_factory=list)


class KpiStatus(DocumentModel):
    """One KPI against its target."""

    key: str
    name: str
    target: float
    unit: str
    direction: Literal["at_least", "at_most"]
    actual: float | None
    status: Status
    shown_target: str
    shown_actual: str


class RiskProfile(DocumentModel):
    """Partner dependency and the partners due a move."""

    level: Literal["low", "medium", "high"]
    top_partner: str | None
    top_partner_share_pct: float
    flagged: dict[str, int]
    flagged_share_pct: float
    reasons: list[str]


class BoardDashboard(DocumentModel):
    """A finished board dashboard."""

    company: str
    period: str
    program_month: int
    phase: PhaseTarget
    pipeline_usd: float
    partner_sourced_revenue_usd: float
    total_revenue_usd: float
    revenue_share_pct: float
    revenue_share_status: Status
    active_partnerships: int
    active_partnerships_status: Status
    time_to_impact_days: int | None
    investment_usd: float
    roi_pct: float
    roi_goal_pct: float
    roi_goal_to_date_pct: float
    roi_status: Status
    kpis: list[KpiStatus]
    risk: RiskProfile
    status_counts: dict[str, int]
    shown_pipeline: str
    shown_revenue: str
    shown_investment: str


def kpi_status(actual: float | None, target: float,
               direction: Literal["at_least", "at_most"]) -> Status:
    """The status of one actual against its target (see the module docstring).

    Args:
        actual: The measured value, or None when not reported.
        target: The framework target.
        direction: ``at_least`` (higher is better) or ``at_most`` (lower is better).
    """
    if actual is None:
        return Status.NO_DATA
    band = abs(target) * AT_RISK_BAND
    if direction == "at_least":
        if actual >= target:
            return Status.ON_TRACK
        return Status.AT_RISK if actual >= target - band else Status.OFF_TRACK
    if actual <= target:
        return Status.ON_TRACK
    return Status.AT_RISK if actual <= target + band else Status.OFF_TRACK


def phase_for_month(month: int) -> PhaseTarget:
    """The phase target that applies in program month ``month`` (phase 4 from month 37 on)."""
    index = min((month - 1) // PHASE_MONTHS, len(PHASE_TARGETS) - 1)
    return PHASE_TARGETS[index]


def show_value(value: float | None, unit: str) -> str:
    """A KPI value as the board reads it: ``$2M``, ``85%``, ``8.5/10``, ``90 days``."""
    if value is None:
        return "not reported"
    if unit == "USD":
        return format_usd(value)
    text = f"{round(value, 1):g}"
    return f"{text} days" if unit == "days" else f"{text}{unit}"


def _kpi_rows(given: BoardDashboardInput, active: int) -> list[KpiStatus]:
    actuals: dict[str, Any] = given.kpis.model_dump()
    if actuals["revenue_per_partner"] is None and active > 0:
        actuals["revenue_per_partner"] = round(given.partner_sourced_revenue_usd / active, 2)
    rows = []
    for target in KPI_TARGETS:
        actual = actuals.get(target.key)
        rows.append(_row(target, actual))
    return rows


def _row(target: KpiTarget, actual: float | None) -> KpiStatus:
    sign = ">=" if target.direction == "at_least" else "<="
    return KpiStatus(key=target.key, name=target.name, target=target.target, unit=target.unit,
                     direction=target.direction, actual=actual,
                     status=kpi_status(actual, target.target, target.direction),
                     shown_target=f"{sign} {show_value(target.target, target.unit)}",
                     shown_actual=show_value(actual, target.unit))


def risk_profile(partners: list[PartnerPosition]) -> RiskProfile:
    """Dependency on the largest partner and the share of partners due a move down or out.

    Args:
        partners: The partners with their pipeline and tier-review outcome.
    """
    total = sum(p.annual_pipeline_usd for p in partners)
    top = max(partners, key=lambda p: (p.annual_pipeline_usd, p.name), default=None)
    share = round(100 * top.annual_pipeline_usd / total, 1) if top and total > 0 else 0.0
    flagged = {action: sum(1 for p in partners if p.review_action == action)
               for action in FLAGGED_ACTIONS}
    flagged_share = round(100 * sum(flagged.values()) / len(partners), 1) if partners else 0.0
    reasons: list[str] = []
    level: Literal["low", "medium", "high"] = "low"
    for limit_high, limit_medium, value, what in (
            (CONCENTRATION_HIGH_PCT, CONCENTRATION_MEDIUM_PCT, share,
             f"{top.name if top else 'no partner'} holds {share:g}% of partner pipeline"),
            (FLAGGED_HIGH_PCT, FLAGGED_MEDIUM_PCT, flagged_share,
             f"{flagged_share:g}% of partners are due a warning, demotion or exit")):
        if value >= limit_high:
            level = "high"
            reasons.append(f"{what} (high at {limit_high:g}% or more)")
        elif value >= limit_medium:
            level = "medium" if level == "low" else level
            reasons.append(f"{what} (medium at {limit_medium:g}% or more)")
    return RiskProfile(level=level, top_partner=top.name if top and total > 0 else None,
                       top_partner_share_pct=share, flagged=flagged,
                       flagged_share_pct=flagged_share, reasons=reasons)


def build_board_dashboard(data: BoardDashboardInput | dict[str, Any]) -> BoardDashboard:
    """Build the board dashboard: KPIs against targets, ROI against the 300% goal, risk.

    Args:
        data: A BoardDashboardInput or a dict with its fields.

    Raises:
        FrameworkError: Naming the field on bad input, or ``partner_sourced_revenue_usd``
            when it exceeds total revenue.
    """
    given = parse_input(BoardDashboardInput, data)
    if given.partner_sourced_revenue_usd > given.total_revenue_usd:
        raise FrameworkError("partner_sourced_revenue_usd", "cannot exceed total_revenue_usd",
                             given.partner_sourced_revenue_usd)
    active = (given.active_partnerships if given.active_partnerships is not None
              else len(given.partners))
    pipeline = (given.pipeline_usd if given.pipeline_usd is not None
                else sum(p.annual_pipeline_usd for p in given.partners))
    phase = phase_for_month(given.program_month)
    share = round(100 * given.partner_sourced_revenue_usd / given.total_revenue_usd, 1)
    roi = round(100 * (given.partner_sourced_revenue_usd - given.investment_usd)
                / given.investment_usd, 1)
    goal_to_date = round(ROI_GOAL_PCT * given.program_month / ROI_GOAL_MONTHS, 1)
    kpis = _kpi_rows(given, active)
    statuses = [
        kpi_status(share, phase.revenue_share_pct, "at_least"),
        kpi_status(active, phase.active_partnerships_min, "at_least"),
        kpi_status(roi, goal_to_date, "at_least"),
    ]
    counts = {s.value: 0 for s in Status}
    for status in [*statuses, *(k.status for k in kpis)]:
        counts[status.value] += 1
    return BoardDashboard(
        company=given.company, period=given.period, program_month=given.program_month,
        phase=phase, pipeline_usd=pipeline,
        partner_sourced_revenue_usd=given.partner_sourced_revenue_usd,
        total_revenue_usd=given.total_revenue_usd, revenue_share_pct=share,
        revenue_share_status=statuses[0], active_partnerships=active,
        active_partnerships_status=statuses[1], time_to_impact_days=given.time_to_impact_days,
        investment_usd=given.investment_usd, roi_pct=roi, roi_goal_pct=ROI_GOAL_PCT,
        roi_goal_to_date_pct=goal_to_date, roi_status=statuses[2], kpis=kpis,
        risk=risk_profile(given.partners), status_counts=counts,
        shown_pipeline=format_usd(pipeline),
        shown_revenue=format_usd(given.partner_sourced_revenue_usd),
        shown_investment=format_usd(given.investment_usd))
