"""The program's phase targets and operational KPI targets."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class PhaseTarget(BaseModel):
    """A program phase and its targets."""

    phase: int
    name: str
    months: str
    revenue_share_pct: int
    active_partnerships_min: int


class KpiTarget(BaseModel):
    """An operational KPI target."""

    key: str
    name: str
    target: float
    unit: str
    direction: Literal["at_least", "at_most"]


class ProgramTargets(BaseModel):
    """Phase targets and operational KPI targets."""

    phases: list[PhaseTarget]
    kpis: list[KpiTarget]


PHASE_TARGETS: tuple[PhaseTarget, ...] = (
    PhaseTarget(phase=1, name="Foundation", months="1-12", revenue_share_pct=15,
                active_partnerships_min=50),
    PhaseTarget(phase=2, name="Growth & scale", months="13-24", revenue_share_pct=40,
                active_partnerships_min=150),
    PhaseTarget(phase=3, name="Leadership & excellence", months="25-36", revenue_share_pct=60,
                active_partnerships_min=300),
    PhaseTarget(phase=4, name="Ecosystem excellence", months="37-48", revenue_share_pct=70,
                active_partnerships_min=500),
)
KPI_TARGETS: tuple[KpiTarget, ...] = (
    KpiTarget(key="partner_satisfaction", name="Partner satisfaction", target=8.5,
              unit="/10", direction="at_least"),
    KpiTarget(key="partner_retention", name="Partner retention", target=85, unit="%",
              direction="at_least"),
    KpiTarget(key="time_to_partnership", name="Time to partnership", target=90, unit="days",
              direction="at_most"),
    KpiTarget(key="integration_success", name="Integration success rate", target=95,
              unit="%", direction="at_least"),
    KpiTarget(key="deal_registration_sla", name="Deal registrations answered within 48 h",
              target=95, unit="%", direction="at_least"),
    KpiTarget(key="revenue_per_partner", name="Revenue per partner", target=2_000_000,
              unit="USD", direction="at_least"),
    KpiTarget(key="partner_roi", name="Partner ROI", target=25, unit="%",
              direction="at_least"),
)
#: The program's return on partnership investment, over five years (60 months).
ROI_GOAL_PCT = 300
ROI_GOAL_MONTHS = 60


def program_targets() -> ProgramTargets:
    """The framework's phase targets and operational KPI targets."""
    return ProgramTargets(phases=list(PHASE_TARGETS), kpis=list(KPI_TARGETS))
