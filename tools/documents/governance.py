"""The governance playbook: RACI over the program's decisions, review cadence and escalation."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator

from tools.documents.common import DocumentModel, InputModel, Name, Text, parse_input
from tools.errors import FrameworkError

ROLES: tuple[str, ...] = (
    "CPO",
    "VP Alliance / GTM",
    "Director, Partner Dev",
    "Director, Partner Ops",
    "Finance",
    "Legal",
)


class Raci(StrEnum):
    """Responsible, Accountable, Consulted, Informed."""

    R = "R"
    A = "A"
    C = "C"
    I = "I"  # noqa: E741 - the RACI letter


# The framework's internal RACI, one letter per role in ROLES order.
DEFAULT_RACI: tuple[tuple[str, str], ...] = (
    ("New partnership approval", "ACRICC"),
    ("Tier promotion/demotion", "ARCCII"),
    ("Commercial terms approval", "ACCIRR"),
    ("Deal registration approval", "IAIRII"),
    ("MDF allocation", "ACIRRI"),
    ("Partner exit decision", "ARCCIC"),
)


class RaciRow(InputModel):
    """Who does what for one decision.

    Args:
        decision: The decision (e.g. "New partnership approval").
        assignments: RACI letter per role; exactly one role is A (Accountable).
    """

    decision: Name
    assignments: dict[Name, Raci]

    @field_validator("assignments")
    @classmethod
    def _one_accountable(cls, value: dict[str, Raci]) -> dict[str, Raci]:
        accountable = [role for role, letter in value.items() if letter is Raci.A]
        if len(accountable) != 1:
            found = ", ".join(accountable) or "none"
            raise ValueError(f"needs exactly one A (Accountable), found {len(accountable)} "
                             f"({found})")
        if not any(letter is Raci.R for letter in value.values()):
            raise ValueError("needs at least one R (Responsible)")
        return value


class CadenceItem(InputModel):
    """One recurring review.

    Args:
        forum: The meeting (e.g. "Quarterly business review").
        frequency: How often it happens.
        purpose: What it covers.
    """

    forum: Name
    frequency: Name
    purpose: Text


class GovernancePlaybookInput(InputModel):
    """What a governance playbook needs; everything but the company defaults to the framework.

    Args:
        company: Our company.
        roles: Role names, in table order.
        raci: Decisions with a RACI letter per role; the framework's table by default.
        cadence: Recurring reviews; QBR and annual strategic review by default.
        escalation_path: Levels an issue climbs, first to last.
        conflict_resolution: Principles for handling conflict.
    """

    company: Name
    roles: Annotated[list[Name], Field(min_length=1, max_length=12)] = Field(
        default_factory=lambda: list(ROLES))
    raci: Annotated[list[RaciRow], Field(min_length=1)] = Field(
        default_factory=lambda: default_raci())
    cadence: Annotated[list[CadenceItem], Field(min_length=1)] = Field(
        default_factory=lambda: default_cadence())
    escalation_path: Annotated[list[Text], Field(min_length=1)] = Field(default_factory=lambda: [
        "Partner manager and the partner's counterpart settle it at working level",
        "VP Alliance / GTM and the partner's alliance lead",
        "Joint steering committee",
        "CPO and the partner's executive sponsor",
    ])
    conflict_resolution: Annotated[list[Text], Field(min_length=1)] = Field(
        default_factory=lambda: [
            "Raise issues early and directly; do not let them build up",
            "Use the agreed escalation path, one level at a time",
            "Decide on shared data (pipeline, deal register, KPIs), not on anecdotes",
            "Record each decision and its owner in the governance log",
        ])


class GovernancePlaybook(DocumentModel):
    """A finished governance playbook."""

    company: str
    roles: list[str]
    raci: list[RaciRow]
    cadence: list[CadenceItem]
    escalation_path: list[str]
    conflict_resolution: list[str]

    def table(self) -> list[list[str]]:
        """The RACI table as rows of letters in role order ("-" where a role has none)."""
        return [[row.decision] + [row.assignments[role].value if role in row.assignments
                                  else "-" for role in self.roles] for row in self.raci]


def default_raci() -> list[RaciRow]:
    """The framework's RACI table over the six program decisions."""
    return [RaciRow(decision=decision, assignments={
        role: Raci(letter) for role, letter in zip(ROLES, letters, strict=True)})
        for decision, letters in DEFAULT_RACI]


def default_cadence() -> list[CadenceItem]:
    """The framework's review cadence."""
    return [
        CadenceItem(forum="Steering committee", frequency="Monthly at launch, then quarterly",
                    purpose="Review joint metrics, unblock issues, agree next steps"),
        CadenceItem(forum="Quarterly business review (QBR)", frequency="Quarterly",
                    purpose="Performance against KPIs, market changes, strategic alignment, "
                            "resource adequacy and tier evaluation"),
        CadenceItem(forum="Annual strategic review", frequency="Annually",
                    purpose="Is the partnership still strategically relevant; should its "
                            "scope expand, contract or evolve"),
        CadenceItem(forum="Relationship health check", frequency="Quarterly",
                    purpose="Trust, communication quality, perceived fairness and "
                            "satisfaction at working and leadership level"),
        CadenceItem(forum="Renewal or exit planning", frequency="12 months before term end",
                    purpose="Open renewal talks, or plan a professional wind-down"),
    ]


def build_governance_playbook(data: GovernancePlaybookInput | dict[str, Any]
                              ) -> GovernancePlaybook:
    """Build a governance playbook, defaulting to the framework's RACI table and cadence.

    Args:
        data: A GovernancePlaybookInput or a dict with its fields.

    Returns:
        The finished GovernancePlaybook.

    Raises:
        FrameworkError: Missing company, a RACI row without exactly one A, a role the
            table does not list, or the same decision twice.
    """
    given = parse_input(GovernancePlaybookInput, data)
    seen: set[str] = set()
    for index, row in enumerate(given.raci):
        if row.decision.casefold() in seen:
            raise FrameworkError(f"raci.{index}.decision", "appears twice", row.decision)
        seen.add(row.decision.casefold())
        unknown = [role for role in row.assignments if role not in given.roles]
        if unknown:
            raise FrameworkError(f"raci.{index}.assignments",
                                 "names a role not in roles: " + ", ".join(unknown))
    return GovernancePlaybook(
        company=given.company, roles=list(given.roles), raci=list(given.raci),
        cadence=list(given.cadence), escalation_path=list(given.escalation_path),
        conflict_resolution=list(given.conflict_resolution),
    )
