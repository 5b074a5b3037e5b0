"""Program level: strategic gap matrix, horizons, KPI and phase targets, quality rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.errors import validate
from tools.partners import Tier

Level = Annotated[int, Field(ge=1, le=5)]
HORIZON_1_MAX_MONTHS = 18
HORIZON_2_MAX_MONTHS = 60
ROADMAP_REVIEW_MONTHS = 3
COMPETITOR_MAP_MONTHS = 6
PROOF_POINT_DAYS = 90


class GapDimension(StrEnum):
    """The five dimensions of the strategic gap matrix."""

    TECHNOLOGY = "technology"
    GEOGRAPHY = "geography"
    CHANNEL = "channel"
    REGULATORY = "regulatory"
    SUPPLY_CHAIN_RESILIENCE = "supply_chain_resilience"


class GapAssessment(BaseModel):
    """One row of the gap matrix.

    Args:
        dimension: Which of the five dimensions.
        importance: How much the dimension matters to the strategy, 1-5.
        capability: How well we cover it today, 1 (not at all) to 5 (fully).
        note: Optional context.
    """

    model_config = ConfigDict(extra="forbid")

    dimension: GapDimension
    importance: Level
    capability: Level
    note: Annotated[str, Field(max_length=500)] = ""


class GapMatrixInput(BaseModel):
    """The gap matrix, and optionally the gaps a proposed relationship would close.

    Args:
        gaps: One row per dimension (each dimension at most once).
        relationship_closes: Dimensions a proposed relationship would close.
    """

    model_config = ConfigDict(extra="forbid")

    gaps: Annotated[list[GapAssessment], Field(min_length=1, max_length=5)]
    relationship_closes: list[GapDimension] = Field(default_factory=list)

    @field_validator("gaps")
    @classmethod
    def _unique(cls, value: list[GapAssessment]) -> list[GapAssessment]:
        dims = [g.dimension for g in value]
        if len(set(dims)) != len(dims):
            raise ValueError("each dimension may appear only once")
        return value


class GapRow(BaseModel):
    """A scored gap: importance x (5 - capability), 0-20."""

    dimension: GapDimension
    importance: int
    capability: int
    gap: int


class GapMatrixResult(BaseModel):
    """Gaps ranked largest first and the top three.

    Args:
        rows: Every dimension given, largest gap first.
        top_three: The up-to-three largest non-zero gaps.
        relationship_closes_top_gap: Whether the proposed relationship closes a top-three
            gap (None when no relationship was given). Only those are pursued.
    """

    rows: list[GapRow]
    top_three: list[GapDimension]
    relationship_closes_top_gap: bool | None


def gap_matrix(inputs: GapMatrixInput | Mapping[str, Any]) -> GapMatrixResult:
    """Score the strategic gap matrix and pick the top three gaps.

    Gap = importance x (5 - capability). Ties go to higher importance, then to the order
    technology, geography, channel, regulatory, supply-chain resilience.

    Args:
        inputs: Gap rows and, optionally, the dimensions a relationship closes.
    """
    data = validate(GapMatrixInput, inputs)
    order = list(GapDimension)
    rows = sorted(
        (GapRow(dimension=g.dimension, importance=g.importance, capability=g.capability,
                gap=g.importance * (5 - g.capability)) for g in data.gaps),
        key=lambda r: (-r.gap, -r.importance, order.index(r.dimension)),
    )
    top = [r.dimension for r in rows if r.gap > 0][:3]
    closes = (any(d in top for d in data.relationship_closes)
              if data.relationship_closes else None)
    return GapMatrixResult(rows=rows, top_three=top, relationship_closes_top_gap=closes)


class Horizon(StrEnum):
    """Two-speed engagement model."""

    HORIZON_1 = "horizon_1"
    HORIZON_2 = "horizon_2"
    OUTSIDE = "outside"


class HorizonInput(BaseModel):
    """A relationship to place on the two-speed model.

    Args:
        months_to_pnl_impact: Months until it affects the P&L.
        co_innovation: It is a co-innovation bet (joint development, research).
        joint_ip: It creates joint IP or a JV.
    """

    model_config = ConfigDict(extra="forbid")

    months_to_pnl_impact: Annotated[int, Field(ge=0, le=240)]
    co_innovation: bool = False
    joint_ip: bool = False


class HorizonResult(BaseModel):
    """Horizon and why."""

    horizon: Horizon
    reason: str


def classify_horizon(inputs: HorizonInput | Mapping[str, Any]) -> HorizonResult:
    """Horizon 1 (commercial, P&L within 12-18 months) or horizon 2 (co-innovation, 3-5 years).

    Co-innovation or joint IP is horizon 2 when it pays off within 60 months; otherwise a
    P&L impact within 18 months is horizon 1, within 60 months horizon 2; beyond 60 months
    it is outside both horizons.

    Args:
        inputs: Months to P&L impact and the nature of the relationship.
    """
    data = validate(HorizonInput, inputs)
    months = data.months_to_pnl_impact
    if months > HORIZON_2_MAX_MONTHS:
        return HorizonResult(horizon=Horizon.OUTSIDE, reason=(
            f"P&L impact in {months} months is beyond both horizons (max "
            f"{HORIZON_2_MAX_MONTHS})"))
    if data.co_innovation or data.joint_ip:
        return HorizonResult(horizon=Horizon.HORIZON_2, reason=(
            "a co-innovation or joint-IP bet that shapes the market in 3-5 years"))
    if months <= HORIZON_1_MAX_MONTHS:
        return HorizonResult(horizon=Horizon.HORIZON_1, reason=(
            f"commercial, P&L impact in {months} months (within {HORIZON_1_MAX_MONTHS})"))
    return HorizonResult(horizon=Horizon.HORIZON_2, reason=(
        f"P&L impact in {months} months is beyond horizon 1's {HORIZON_1_MAX_MONTHS}"))


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
)


def program_targets() -> ProgramTargets:
    """The framework's phase targets and operational KPI targets."""
    return ProgramTargets(phases=list(PHASE_TARGETS), kpis=list(KPI_TARGETS))


class KeyResultSpec(BaseModel):
    """A key result and whether it is a leading or lagging indicator."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1)]
    kind: Literal["leading", "lagging"]


class OkrSpec(BaseModel):
    """An objective with its key results."""

    model_config = ConfigDict(extra="forbid")

    objective: Annotated[str, Field(min_length=1)]
    key_results: Annotated[list[KeyResultSpec], Field(min_length=1)]


class PartnerTierStatus(BaseModel):
    """A partner's tier and how many consecutive quarters it has missed that tier."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    tier: Tier
    consecutive_missed_quarters: Annotated[int, Field(ge=0)] = 0


class AllianceSpec(BaseModel):
    """An alliance's governance set-up."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    executive_sponsors: list[str] = Field(default_factory=list)
    proof_point_days: Annotated[int, Field(ge=1)] | None = None
    kill_switch: bool = False


class DecisionSpec(BaseModel):
    """A logged build-vs-partner decision."""

    model_config = ConfigDict(extra="forbid")

    decision_id: Annotated[str, Field(pattern=r"^D-\d{3,}$")]
    finance_reviewed: bool


class ProgramDescription(BaseModel):
    """The state of a partner program, checked against the framework's quality rules.

    Args:
        as_of: Date of the check.
        thesis_signed_off: Whether the partnership thesis is signed off.
        recruiting: Whether partner recruitment has started.
        decisions: Logged build-vs-partner decisions.
        okrs: The partnership OKRs.
        partners: Partners' tiers and consecutive missed quarters.
        roadmap_last_reviewed: When the roadmap was last revisited.
        competitor_map_refreshed: When the competitor ecosystem map was last refreshed.
        alliances: Alliances with their governance set-up.
    """

    model_config = ConfigDict(extra="forbid")

    as_of: date
    thesis_signed_off: bool = False
    recruiting: bool = False
    decisions: list[DecisionSpec] = Field(default_factory=list)
    okrs: list[OkrSpec] = Field(default_factory=list)
    partners: list[PartnerTierStatus] = Field(default_factory=list)
    roadmap_last_reviewed: date | None = None
    competitor_map_refreshed: date | None = None
    alliances: list[AllianceSpec] = Field(default_factory=list)


class Finding(BaseModel):
    """The result of one quality rule."""

    rule_id: str
    rule: str
    passed: bool
    message: str


class ProgramCheck(BaseModel):
    """Findings for every quality rule; ``passed`` only when all pass."""

    passed: bool
    findings: list[Finding]


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for dd in (day.day, 30, 29, 28):
        try:
            return date(year, month, dd)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _qr1(p: ProgramDescription) -> tuple[bool, str]:
    if p.recruiting and not p.thesis_signed_off:
        return False, "recruitment has started without a signed-off partnership thesis"
    return True, "thesis signed off" if p.thesis_signed_off else "not recruiting yet"


def _qr2(p: ProgramDescription) -> tuple[bool, str]:
    lacking = [d.decision_id for d in p.decisions if not d.finance_reviewed]
    if lacking:
        return False, "no Finance input on " + ", ".join(lacking)
    return True, f"{len(p.decisions)} decision(s), all with Finance input"


def _qr3(p: ProgramDescription) -> tuple[bool, str]:
    if not p.okrs:
        return False, "no OKRs defined"
    bad = [o.objective for o in p.okrs
           if {k.kind for k in o.key_results} != {"leading", "lagging"}]
    if bad:
        return False, "OKRs lacking leading or lagging key results: " + "; ".join(bad)
    return True, "every objective has leading and lagging key results"


def _qr4(p: ProgramDescription) -> tuple[bool, str]:
    stuck = [f"{s.name} ({s.tier.value}, {s.consecutive_missed_quarters} misses)"
             for s in p.partners
             if s.tier is not Tier.REGISTERED and s.consecutive_missed_quarters >= 2]
    if stuck:
        return False, "must move down a tier: " + ", ".join(stuck)
    return True, "no partner has missed its tier for two consecutive quarters"


def _dated(last: date | None, as_of: date, months: int, what: str) -> tuple[bool, str]:
    if last is None:
        return False, f"{what} has no recorded date"
    due = months_before(as_of, months)
    if last < due:
        return False, f"{what} last done {last}, older than {months} months (before {due})"
    return True, f"{what} done {last}, within {months} months"


def _qr7(p: ProgramDescription) -> tuple[bool, str]:
    problems: list[str] = []
    for a in p.alliances:
        if len(a.executive_sponsors) != 1:
            problems.append(f"{a.name}: {len(a.executive_sponsors)} executive sponsors (need 1)")
        if a.proof_point_days is None or a.proof_point_days > PROOF_POINT_DAYS:
            problems.append(f"{a.name}: no proof point within {PROOF_POINT_DAYS} days")
        if not a.kill_switch:
            problems.append(f"{a.name}: no milestone-based kill switch")
    if problems:
        return False, "; ".join(problems)
    return True, (f"{len(p.alliances)} alliance(s) with one sponsor, a 90-day proof point "
                  "and a kill switch")


def check_program(program: ProgramDescription | Mapping[str, Any]) -> ProgramCheck:
    """Check a program description against the framework's quality rules.

    Rules: QR-1 no recruitment without a signed-off thesis; QR-2 build-vs-partner decisions
    need Finance input; QR-3 OKRs need leading and lagging indicators; QR-4 tier criteria
    enforced (two consecutive misses must move the partner); QR-5 roadmap revisited in the
    last 3 months; QR-6 competitor map refreshed in the last 6 months; QR-7 every alliance
    has exactly one executive sponsor, a proof point within 90 days and a kill switch.

    Args:
        program: The program description.
    """
    p = validate(ProgramDescription, program)
    checks = (
        ("QR-1", "no recruitment without a signed-off thesis", _qr1(p)),
        ("QR-2", "build-vs-partner decisions include Finance input", _qr2(p)),
        ("QR-3", "OKRs hold leading and lagging indicators", _qr3(p)),
        ("QR-4", "tier criteria are enforced", _qr4(p)),
        ("QR-5", "roadmap revisited quarterly",
         _dated(p.roadmap_last_reviewed, p.as_of, ROADMAP_REVIEW_MONTHS, "roadmap review")),
        ("QR-6", "competitor map refreshed every 6 months",
         _dated(p.competitor_map_refreshed, p.as_of, COMPETITOR_MAP_MONTHS,
                "competitor map refresh")),
        ("QR-7", "every alliance has one sponsor, a 90-day proof point and a kill switch",
         _qr7(p)),
    )
    findings = [Finding(rule_id=rid, rule=rule, passed=ok, message=msg)
                for rid, rule, (ok, msg) in checks]
    return ProgramCheck(passed=all(f.passed for f in findings), findings=findings)
