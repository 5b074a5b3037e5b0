"""The framework's vocabularies that several modules name: defined here once, imported."""

from __future__ import annotations

#: The five partner attractiveness criteria, in the framework's order (weights 30/25/20/15/10
#: in ``tools/data/weights.json``).
CRITERIA: tuple[str, ...] = (
    "icp_overlap",
    "market_influence",
    "practice_alignment",
    "partnership_appetite",
    "revenue_potential",
)
