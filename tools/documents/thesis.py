"""The partnership thesis: who we partner with, why, and how we measure it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, computed_field

from prompts import format_pct
from tools.documents.common import (
    DocumentModel,
    InputModel,
    ModelKey,
    Name,
    PartnershipModelName,
    Text,
    join_words,
    parse_input,
)
from tools.documents.framework import ModelTerms, model_terms
from tools.errors import FrameworkError

DEFAULT_NORTH_STAR = "partner-sourced ARR"

# Which models suit which kind of partner, after the "best for" column of the framework's
# model table. Used only when the user names partner types but no models.
MODELS_BY_PARTNER_WORD: tuple[tuple[str, tuple[PartnershipModelName, ...]], ...] = (
    ("big 4", (PartnershipModelName.CO_SELL, PartnershipModelName.IMPLEMENTATION)),
    ("big4", (PartnershipModelName.CO_SELL, PartnershipModelName.IMPLEMENTATION)),
    ("gsi", (PartnershipModelName.CO_SELL, PartnershipModelName.IMPLEMENTATION)),
    ("systems integrator", (PartnershipModelName.CO_SELL, PartnershipModelName.IMPLEMENTATION)),
    ("consult", (PartnershipModelName.IMPLEMENTATION,)),
    ("boutique", (PartnershipModelName.REFERRAL,)),
    ("advisor", (PartnershipModelName.REFERRAL,)),
    ("var", (PartnershipModelName.RESELLER,)),
    ("resell", (PartnershipModelName.RESELLER,)),
    ("distributor", (PartnershipModelName.RESELLER,)),
    ("isv", (PartnershipModelName.OEM,)),
    ("platform", (PartnershipModelName.OEM,)),
    ("saas", (PartnershipModelName.TECHNOLOGY_ALLIANCE,)),
    ("technology", (PartnershipModelName.TECHNOLOGY_ALLIANCE,)),
)


class ThesisInput(InputModel):
    """What a partnership thesis needs; the statement is built from these fields.

    Args:
        company: Our company name.
        partner_led_share_pct: Share of total ARR the partner channel should contribute.
        years: Years to reach that share.
        partner_types: Kinds of partner we will work with (e.g. "Big 4 consulting firms").
        icp: The ideal customer profile those partners serve.
        markets: Markets where partner-led growth should accelerate.
        prioritized_models: Partnership models to prioritize; derived from the partner types
            when omitted.
        rationale: Why those models; a default is built from the framework's model table.
        mechanism: How partners accelerate penetration; a default is built from the fields.
        north_star_metric: The one metric the program is measured by.
    """

    company: Name
    partner_led_share_pct: Annotated[float, Field(gt=0, le=100)]
    years: Annotated[int, Field(ge=1, le=10)]
    partner_types: Annotated[list[Name], Field(min_length=1, max_length=8)]
    icp: Text
    markets: Annotated[list[Name], Field(min_length=1, max_length=8)]
    prioritized_models: list[ModelKey] = Field(default_factory=list, max_length=7)
    rationale: Text | None = None
    mechanism: Text | None = None
    north_star_metric: Name = DEFAULT_NORTH_STAR


class Thesis(DocumentModel):
    """A finished partnership thesis."""

    company: str
    partner_led_share_pct: float
    years: int
    partner_types: list[str]
    icp: str
    markets: list[str]
    models: list[ModelTerms]
    rationale: str
    mechanism: str
    north_star_metric: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def statement(self) -> str:
        """The thesis statement, built from the fields."""
        years = "year" if self.years == 1 else "years"
        names = join_words([model.label for model in self.models])
        return (
            f"{self.company} will build a partner-led revenue channel that contributes "
            f"{format_pct(self.partner_led_share_pct)} of total ARR within {self.years} {years} "
            f"by partnering with {join_words(self.partner_types)} who serve {self.icp} in "
            f"{join_words(self.markets)}. We will prioritize {names} models because "
            f"{_lower_first(self.rationale)} Partner-led growth speeds up our market "
            f"penetration because {_lower_first(self.mechanism)} The program is measured by "
            f"{self.north_star_metric}."
        )


LOWERABLE_FIRST_WORDS = frozenset(
    {"the", "they", "their", "these", "this", "those", "it", "its", "our", "we", "partners"})


def _lower_first(text: str) -> str:
    """Make a sentence fit after "because": end it with a period, lower a leading pronoun."""
    text = text.strip()
    if not text.endswith((".", "!", "?")):
        text += "."
    first, _, rest = text.partition(" ")
    if first.lower() in LOWERABLE_FIRST_WORDS:
        return f"{first.lower()} {rest}".strip()
    return text


def _models_for(partner_types: list[str]) -> list[PartnershipModelName]:
    found: list[PartnershipModelName] = []
    for partner_type in partner_types:
        lowered = partner_type.lower()
        for word, models in MODELS_BY_PARTNER_WORD:
            if word in lowered:
                found.extend(model for model in models if model not in found)
                break
    return found


def build_thesis(data: ThesisInput | dict[str, Any]) -> Thesis:
    """Build a partnership thesis from a few inputs, filling the rest from the framework.

    Args:
        data: A ThesisInput or a dict with its fields.

    Returns:
        The finished Thesis.

    Raises:
        FrameworkError: A required field is missing or a value is out of range.
    """
    given = parse_input(ThesisInput, data)
    chosen = list(given.prioritized_models) or _models_for(given.partner_types)
    if not chosen:
        raise FrameworkError(
            "prioritized_models",
            "is required: the partner types do not suggest a model; name one of "
            + ", ".join(model.value for model in PartnershipModelName),
        )
    terms = [model_terms(model) for model in chosen]
    rationale = given.rationale or (
        f"they match how {join_words(given.partner_types)} already serve {given.icp}."
    )
    mechanism = given.mechanism or (
        f"{join_words(given.partner_types)} give us access to accounts at {given.icp} in "
        f"{join_words(given.markets)} that direct sales cannot reach as quickly."
    )
    return Thesis(
        company=given.company,
        partner_led_share_pct=given.partner_led_share_pct,
        years=given.years,
        partner_types=list(given.partner_types),
        icp=given.icp,
        markets=list(given.markets),
        models=terms,
        rationale=rationale,
        mechanism=mechanism,
        north_star_metric=given.north_star_metric,
    )
