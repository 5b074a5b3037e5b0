"""The joint operating plan: the first 90 days of a partnership, week by week."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, model_validator

from tools.documents.common import DocumentModel, InputModel, Name, Text, parse_input
from tools.documents.okrs import IndicatorKind
from tools.errors import FrameworkError

PLAN_DAYS = 90
PLAN_WEEKS = 13  # the 13th week is cut at day 90
DEFAULT_CADENCE = ("Joint steering committee monthly during the first 90 days, quarterly once "
                   "the partnership is stable; partnership leads meet weekly")


class Phase(InputModel):
    """One phase of the plan.

    Args:
        name: Phase name.
        start_week: First week (1-13).
        end_week: Last week (1-13).
        activities: What happens in the phase.
    """

    name: Name
    start_week: Annotated[int, Field(ge=1, le=PLAN_WEEKS)]
    end_week: Annotated[int, Field(ge=1, le=PLAN_WEEKS)]
    activities: Annotated[list[Text], Field(min_length=1)]

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end_week < self.start_week:
            raise ValueError(f"end_week {self.end_week} is before start_week {self.start_week}")
        return self


class Commitment(InputModel):
    """A resource one side commits.

    Args:
        role: The role or team (e.g. "Partner manager").
        allocation: How much of it (e.g. "50% of time", "2 engineers").
        name: The person, if known.
    """

    role: Name
    allocation: Name
    name: Name | None = None


class Kpi(InputModel):
    """A joint KPI on the shared dashboard.

    Args:
        name: What is measured.
        target: The 90-day target.
        kind: leading or lagging.
    """

    name: Name
    target: Name
    kind: IndicatorKind


class JointOperatingPlanInput(InputModel):
    """What a 90-day joint operating plan needs.

    Args:
        company: Our company.
        partner: The partner.
        start_date: Day 1 of the plan; week dates are shown when given.
        quick_wins: Small concrete results that build momentum.
        company_resources: What we commit.
        partner_resources: What the partner commits.
        kpis: Joint KPIs.
        phases: The plan's phases; the framework's launch sequence by default.
        governance_cadence: How often the steering committee meets.
        proof_point: The 90-day proof point, if agreed.
    """

    company: Name
    partner: Name
    start_date: dt.date | None = None
    quick_wins: Annotated[list[Text], Field(min_length=1)]
    company_resources: Annotated[list[Commitment], Field(min_length=1)]
    partner_resources: Annotated[list[Commitment], Field(min_length=1)]
    kpis: Annotated[list[Kpi], Field(min_length=1)]
    phases: Annotated[list[Phase], Field(min_length=1)] = Field(
        default_factory=lambda: default_phases())
    governance_cadence: Text = DEFAULT_CADENCE
    proof_point: Text | None = None


class ScheduledPhase(DocumentModel):
    """A phase with its week range (and dates, when the plan has a start date)."""

    name: str
    weeks: str
    dates: str | None
    activities: list[str]


class JointOperatingPlan(DocumentModel):
    """A finished 90-day joint operating plan."""

    company: str
    partner: str
    start_date: dt.date | None
    end_date: dt.date | None
    phases: list[ScheduledPhase]
    quick_wins: list[str]
    company_resources: list[Commitment]
    partner_resources: list[Commitment]
    kpis: list[Kpi]
    governance_cadence: str
    proof_point: str | None


def default_phases() -> list[Phase]:
    """The framework's launch sequence spread over 13 weeks."""
    return [
        Phase(name="Stand up the joint team", start_week=1, end_week=2, activities=[
            "Name dedicated people on both sides and their accountabilities",
            "Announce the partnership internally in both companies: goals and roles",
            "Hold the first joint steering committee and agree the cadence",
        ]),
        Phase(name="Enable and instrument", start_week=3, end_week=6, activities=[
            "Train and certify the partner's first team",
            "Open the shared deal register and the joint KPI dashboard",
            "Agree target accounts for the first joint motion",
        ]),
        Phase(name="First joint motion", start_week=7, end_week=10, activities=[
            "Run the first joint account plans and customer meetings",
            "Deliver the quick wins",
        ]),
        Phase(name="Prove and decide", start_week=11, end_week=13, activities=[
            "Review KPIs against targets at the steering committee",
            "Check the 90-day proof point and decide to scale, adjust or stop",
        ]),
    ]


def _schedule(phase: Phase, start: dt.date | None, end: dt.date | None) -> ScheduledPhase:
    weeks = (f"Week {phase.start_week}" if phase.start_week == phase.end_week
             else f"Weeks {phase.start_week}-{phase.end_week}")
    dates = None
    if start is not None:
        first = start + dt.timedelta(weeks=phase.start_week - 1)
        last = start + dt.timedelta(weeks=phase.end_week, days=-1)
        if end is not None:
            last = min(last, end)
        dates = f"{first.isoformat()} to {last.isoformat()}"
    return ScheduledPhase(name=phase.name, weeks=weeks, dates=dates,
                          activities=list(phase.activities))


def build_operating_plan(data: JointOperatingPlanInput | dict[str, Any]) -> JointOperatingPlan:
    """Build a 90-day joint operating plan with resources from both sides.

    Args:
        data: A JointOperatingPlanInput or a dict with its fields.

    Returns:
        The finished JointOperatingPlan.

    Raises:
        FrameworkError: A required field is missing, phases overlap or run out of order.
    """
    given = parse_input(JointOperatingPlanInput, data)
    phases = sorted(given.phases, key=lambda phase: phase.start_week)
    for index in range(1, len(phases)):
        if phases[index].start_week <= phases[index - 1].end_week:
            raise FrameworkError("phases", f"'{phases[index].name}' overlaps "
                                 f"'{phases[index - 1].name}'")
    end = (given.start_date + dt.timedelta(days=PLAN_DAYS - 1)) if given.start_date else None
    return JointOperatingPlan(
        company=given.company, partner=given.partner, start_date=given.start_date,
        end_date=end, phases=[_schedule(phase, given.start_date, end) for phase in phases],
        quick_wins=list(given.quick_wins), company_resources=list(given.company_resources),
        partner_resources=list(given.partner_resources), kpis=list(given.kpis),
        governance_cadence=given.governance_cadence, proof_point=given.proof_point,
    )
