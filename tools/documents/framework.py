"""What the documents take from the framework tools: partnership model terms and fee ranges."""

from __future__ import annotations

from prompts import format_pct
from tools.documents.common import DocumentModel, PartnershipModelName
from tools.models import PARTNERSHIP_MODELS

# Models that pay a direct fee, margin or royalty; the others move no cash between the sides.
CASH_FEE_MODELS = frozenset({
    PartnershipModelName.REFERRAL, PartnershipModelName.RESELLER, PartnershipModelName.OEM,
})


class ModelTerms(DocumentModel):
    """One partnership model as a document shows it.

    Args:
        name: Model key (e.g. ``referral``).
        label: Display name.
        definition: What the model is.
        best_for: The partners it suits.
        revenue_mechanism: How money flows.
        fee_min_pct: Lowest fee or margin in the framework's range, if the model has one.
        fee_max_pct: Highest fee or margin in the range, if the model has one.
        fee_basis: What the percentage applies to (e.g. ``% of ACV``).
        cash_fee: Whether the model pays a direct fee, margin or royalty at all.
    """

    name: PartnershipModelName
    label: str
    definition: str
    best_for: str
    revenue_mechanism: str
    fee_min_pct: float | None
    fee_max_pct: float | None
    fee_basis: str
    cash_fee: bool

    @property
    def range_text(self) -> str | None:
        """The framework's fee range, e.g. ``5-15% of ACV``; None when it gives none."""
        if self.fee_min_pct is None or self.fee_max_pct is None:
            return None
        return f"{format_pct(self.fee_min_pct)[:-1]}-{format_pct(self.fee_max_pct)[:-1]}" \
            f"{self.fee_basis}"


def model_terms(name: PartnershipModelName | str) -> ModelTerms:
    """Look up one partnership model's terms from the framework (``tools.models``).

    Args:
        name: A model key such as ``referral`` or ``co_sell``.
    """
    key = PartnershipModelName(name)
    model = PARTNERSHIP_MODELS[key.value]
    fee = model.fee_range
    return ModelTerms(
        name=key, label=model.name, definition=model.definition, best_for=model.best_for,
        revenue_mechanism=model.revenue_mechanism,
        fee_min_pct=fee.low if fee else None, fee_max_pct=fee.high if fee else None,
        fee_basis=fee.basis if fee else "", cash_fee=key in CASH_FEE_MODELS,
    )
