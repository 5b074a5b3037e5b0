"""Program quality rules: the checks a partner program must pass (QR-1 ... QR-7)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import validate
from tools.partners import Tier
from tools.text import SINGLE_LINE

ROADMAP_REVIEW_MONTHS = 3
COMPETITOR_MAP_MONTHS = 6
PROOF_POINT_DAYS = 90


class KeyResultSpec(BaseModel):
    """A key result and whether it is a leading or lagging indicator.

    Args:
        text: The key result as written.
        kind: ``leading`` (an activity that predicts revenue) or ``lagging`` (an outcome).
    """

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(min_length=1, max_length=2000), SINGLE_LINE]
    kind: Literal["leading", "lagging"]


class OkrSpec(BaseModel):
    """An objective with its key results.

    Args:
        objective: The objective as written.
        key_results: Its key results (at least one).
    """

    model_config = ConfigDict(extra="forbid")

    objective: Annotated[str, Field(min_length=1, max_length=2000), SINGLE_LINE]
    key_results: Annotated[list[KeyResultSpec], Field(min_length=1)]


class PartnerTierStatus(BaseModel):
    """A partner's tier and how many consecutive quarters it has missed that tier.

    Args:
        name: The partner's name.
        tier: Its current tier.
        consecutive_missed_quarters: Quarters in a row it has missed its tier's criteria.
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
    tier: Tier
    consecutive_missed_quarters: Annotated[int, Field(ge=0)] = 0


class AllianceSpec(BaseModel):
    """An alliance's governance set-up.

    Args:
        name: The alliance (the partner's name).
        executive_sponsors: The named executive sponsors.
        proof_point_days: Days to the first joint proof point, if set.
        kill_switch: Whether exit criteria (a kill switch) are agreed.
    """

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200), SINGLE_LINE]
    executive_sponsors: list[Annotated[str, Field(max_length=200), SINGLE_LINE]] = Field(
        default_factory=list)
    proof_point_days: Annotated[int, Field(ge=1)] | None = None
    kill_switch: bool = False


class DecisionSpec(BaseModel):
    """A logged build-vs-partner decision.

    Args:
        decision_id: The decision's log id, ``D-`` and three or more digits.
        finance_reviewed: Whether finance reviewed the decision.
    """

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
