"""The partnership term sheet: operating model, economics, governance, IP, term and exit."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, computed_field

from prompts import format_pct
from tools.documents.common import (
    DocumentModel,
    InputModel,
    ModelKey,
    Name,
    Percent,
    Text,
    parse_input,
)
from tools.documents.framework import ModelTerms, model_terms
from tools.errors import FrameworkError

RENEWAL_NOTICE_MONTHS = 12
DEFAULT_CADENCE = "monthly while the partnership launches, quarterly once it is stable"
DEFAULT_ESCALATION = [
    "Partnership leads on both sides resolve it within the operating team",
    "Joint steering committee decides at its next meeting or an extraordinary one",
    "Executive sponsors of both companies settle it between themselves",
]
DEFAULT_TERMINATION_TRIGGERS = [
    "Kill-switch milestone missed",
    "Material breach not cured after written notice",
    "Change of control of either party",
    "Insolvency of either party",
]


class IpOwner(StrEnum):
    """Who owns IP that the two parties create together."""

    JOINT = "joint"
    COMPANY = "company"
    PARTNER = "partner"


class OperatingModelInput(InputModel):
    """What each side contributes (people, technology, capital, market access, IP).

    Args:
        company_contributions: What we bring.
        partner_contributions: What the partner brings.
    """

    company_contributions: Annotated[list[Text], Field(min_length=1)]
    partner_contributions: Annotated[list[Text], Field(min_length=1)]


class EconomicsInput(InputModel):
    """The economic model.

    Args:
        fee_pct: The fee or margin, as one percent or a [low, high] band; must sit inside the
            chosen model's framework range. Omit to quote the framework range.
        cost_sharing: How joint costs are split.
        payment_terms: When and how money is paid.
        other_terms: Milestone payments, joint investment and the like.
    """

    fee_pct: Percent | tuple[Percent, Percent] | None = None
    cost_sharing: Text = "Each party bears its own costs unless the steering committee agrees "\
        "a joint budget in writing"
    payment_terms: Text = "Settled quarterly in arrears against the shared deal register"
    other_terms: list[Text] = Field(default_factory=list)


class GovernanceInput(InputModel):
    """Governance of the partnership.

    Args:
        steering_committee: Members of the joint steering committee.
        cadence: How often the steering committee meets.
        escalation_path: Levels an issue climbs, first to last.
        decision_rights: Who decides what.
        dispute_resolution: What happens when escalation does not settle it.
    """

    steering_committee: list[Text] = Field(default_factory=lambda: [
        "Executive sponsor of each party", "Partnership lead of each party"])
    cadence: Text = DEFAULT_CADENCE
    escalation_path: list[Text] = Field(default_factory=lambda: list(DEFAULT_ESCALATION),
                                        min_length=1)
    decision_rights: list[Text] = Field(default_factory=lambda: [
        "Steering committee: scope, joint budget, targets and changes to this term sheet",
        "Partnership leads: day-to-day execution inside the agreed plan",
    ])
    dispute_resolution: Text = "Escalation path first, then non-binding mediation before any "\
        "formal proceedings"


class IpInput(InputModel):
    """Intellectual property.

    Args:
        joint_ip_owner: Who owns jointly created IP: joint, company or partner.
        licence: Licence each party grants the other.
        on_termination: What happens to IP and licences when the partnership ends.
    """

    joint_ip_owner: IpOwner = IpOwner.JOINT
    licence: Text = "Each party keeps its background IP and grants the other a non-exclusive "\
        "licence limited to the purpose of the partnership"
    on_termination: Text = "Licences end with the wind-down; jointly owned IP stays jointly "\
        "owned and neither party may license it exclusively without the other's consent"


class ExclusivityInput(InputModel):
    """Exclusivity; leave ``scope`` empty for none.

    Args:
        scope: What is exclusive (e.g. a product line or segment); None for no exclusivity.
        territory: Where exclusivity applies.
        duration_months: How long exclusivity lasts.
    """

    scope: Text | None = None
    territory: Text | None = None
    duration_months: Annotated[int, Field(ge=1, le=120)] | None = None


class TermInput(InputModel):
    """Term and exit.

    Args:
        duration_months: Length of the initial term.
        renewal: How the agreement renews.
        termination_triggers: Events that allow termination.
        wind_down: How the partnership winds down.
        non_compete: Any non-compete after termination.
    """

    duration_months: Annotated[int, Field(ge=1, le=120)]
    renewal: Text = "Renews for the same term by written agreement of both parties"
    termination_triggers: list[Text] = Field(
        default_factory=lambda: list(DEFAULT_TERMINATION_TRIGGERS), min_length=1)
    wind_down: Text = "Deals registered before notice close under these terms; joint "\
        "customers keep support until their current contract ends"
    non_compete: Text = "None after termination"


class TermSheetInput(InputModel):
    """What a term sheet needs.

    Args:
        company: Our company.
        partner: The partner company.
        model: The partnership model (referral, reseller, co-sell, implementation, oem,
            joint-venture, technology-alliance).
        operating_model: Contributions of each side.
        economics: Fee or margin and money terms.
        governance: Steering committee, cadence, escalation, decision rights, disputes.
        ip: Ownership of joint IP, licence, treatment on termination.
        exclusivity: Exclusivity terms; none by default.
        term: Duration, renewal, termination triggers, wind-down, non-compete.
        executive_sponsor: Our single executive sponsor.
        partner_sponsor: The partner's executive sponsor.
        proof_point_90_day: What must be shown within 90 days.
        kill_switch: The milestone whose miss ends the partnership.
    """

    company: Name
    partner: Name
    model: ModelKey
    operating_model: OperatingModelInput
    economics: EconomicsInput = Field(default_factory=EconomicsInput)
    governance: GovernanceInput = Field(default_factory=GovernanceInput)
    ip: IpInput = Field(default_factory=IpInput)
    exclusivity: ExclusivityInput = Field(default_factory=ExclusivityInput)
    term: TermInput
    executive_sponsor: Name
    partner_sponsor: Name | None = None
    proof_point_90_day: Text
    kill_switch: Text


class Economics(DocumentModel):
    """The economic model as agreed."""

    mechanism: str
    fee: str
    framework_range: str
    cost_sharing: str
    payment_terms: str
    other_terms: list[str]


class TermSheet(DocumentModel):
    """A finished partnership term sheet."""

    company: str
    partner: str
    model: ModelTerms
    operating_model: OperatingModelInput
    economics: Economics
    governance: GovernanceInput
    ip: IpInput
    exclusivity: ExclusivityInput
    term: TermInput
    executive_sponsor: str
    partner_sponsor: str | None
    proof_point_90_day: str
    kill_switch: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def renewal_talks_month(self) -> int:
        """Month of the term in which renewal talks start (12 months before the end)."""
        return max(1, self.term.duration_months - RENEWAL_NOTICE_MONTHS)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exclusivity_text(self) -> str:
        """Exclusivity in one line."""
        ex = self.exclusivity
        if ex.scope is None:
            return "None: both parties may work with others"
        parts = [f"Exclusive: {ex.scope}"]
        if ex.territory:
            parts.append(f"in {ex.territory}")
        if ex.duration_months:
            parts.append(f"for {ex.duration_months} months")
        return ", ".join(parts)


def _range_text(terms: ModelTerms) -> str:
    return terms.range_text or f"no percentage range ({terms.revenue_mechanism})"


def _pct_text(low: float, high: float, basis: str) -> str:
    low_text = format_pct(low)[:-1]
    if low == high:
        return f"{low_text}{basis}"
    return f"{low_text}-{format_pct(high)[:-1]}{basis}"


def _fee_text(terms: ModelTerms, fee: float | tuple[float, float] | None) -> str:
    """Check the fee against the model's range and describe it."""
    mechanism = terms.revenue_mechanism[0].upper() + terms.revenue_mechanism[1:]
    if fee is None:
        return mechanism
    shown: Any = list(fee) if isinstance(fee, tuple) else fee
    if not terms.cash_fee:
        raise FrameworkError("economics.fee_pct",
                             f"a {terms.label.lower()} partnership pays no direct fee "
                             f"({terms.revenue_mechanism}); leave it out", shown)
    low, high = fee if isinstance(fee, tuple) else (fee, fee)
    if low > high:
        raise FrameworkError("economics.fee_pct", "the low end must not exceed the high end",
                             shown)
    if terms.fee_min_pct is not None and terms.fee_max_pct is not None and (
            low < terms.fee_min_pct or high > terms.fee_max_pct):
        raise FrameworkError("economics.fee_pct",
                             f"must be within the {terms.label.lower()} range of "
                             f"{terms.range_text}", shown)
    basis = terms.fee_basis or "%"
    agreed = _pct_text(low, high, basis)
    if terms.range_text:
        return f"{agreed} (framework range {terms.range_text})"
    return f"{agreed} ({terms.revenue_mechanism})"


def build_term_sheet(data: TermSheetInput | dict[str, Any]) -> TermSheet:
    """Build a term sheet, checking the fee against the chosen partnership model's range.

    Args:
        data: A TermSheetInput or a dict with its fields.

    Returns:
        The finished TermSheet.

    Raises:
        FrameworkError: A required field is missing, or ``economics.fee_pct`` is outside the
            model's range (e.g. a referral fee must be 5-15% of ACV).
    """
    given = parse_input(TermSheetInput, data)
    if given.company.casefold() == given.partner.casefold():
        raise FrameworkError("partner", "must be a different company from company", given.partner)
    terms = model_terms(given.model)
    if given.exclusivity.scope is None and (given.exclusivity.territory
                                            or given.exclusivity.duration_months):
        raise FrameworkError("exclusivity.scope",
                             "is required when a territory or duration is given")
    economics = Economics(
        mechanism=terms.revenue_mechanism,
        fee=_fee_text(terms, given.economics.fee_pct),
        framework_range=_range_text(terms),
        cost_sharing=given.economics.cost_sharing,
        payment_terms=given.economics.payment_terms,
        other_terms=list(given.economics.other_terms),
    )
    return TermSheet(
        company=given.company, partner=given.partner, model=terms,
        operating_model=given.operating_model, economics=economics,
        governance=given.governance, ip=given.ip, exclusivity=given.exclusivity,
        term=given.term, executive_sponsor=given.executive_sponsor,
        partner_sponsor=given.partner_sponsor, proof_point_90_day=given.proof_point_90_day,
        kill_switch=given.kill_switch,
    )
