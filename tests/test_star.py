from __future__ import annotations

from typing import Any

import pytest

from tools.errors import FrameworkError
from tools.star import Verdict, assess_star


def star(fit: int = 4, trust: int = 4, assets: int = 4, econ: int = 4,
         **evidence: str) -> dict[str, Any]:
    def dim(name: str, score: int) -> dict[str, Any]:
        return {"score": score, "evidence": evidence.get(name, f"{name} evidence")}
    return {
        "partner": "Northwind",
        "strategic_fit": dim("strategic_fit", fit),
        "trust_and_culture": dim("trust_and_culture", trust),
        "asset_complementarity": dim("asset_complementarity", assets),
        "relationship_economics": dim("relationship_economics", econ),
    }


def codes(result: Any) -> set[str]:
    return {flag.code for flag in result.red_flags}


def test_strong_candidate_proceeds() -> None:
    result = assess_star(star(5, 4, 4, 4))
    assert result.overall == 4.3  # 4.25 rounds half up
    assert result.verdict is Verdict.PROCEED
    assert result.red_flags == []
    assert result.partner == "Northwind"


def test_proceed_boundary_at_4_0() -> None:
    assert assess_star(star(4, 4, 4, 4)).verdict is Verdict.PROCEED
    assert assess_star(star(4, 4, 4, 3)).verdict is Verdict.CONDITIONAL  # 3.75 -> 3.8


def test_dimension_below_3_blocks_proceed_even_with_high_mean() -> None:
    result = assess_star(star(5, 5, 5, 2))
    assert result.overall == 4.3
    assert result.verdict is Verdict.CONDITIONAL
    assert "economics_too_small" in codes(result)
    assert result.weakest_dimension == "relationship_economics"


def test_low_mean_or_a_one_is_do_not_proceed() -> None:
    assert assess_star(star(3, 3, 3, 2)).verdict is Verdict.DO_NOT_PROCEED  # 2.75 -> 2.8
    assert assess_star(star(3, 3, 3, 3)).verdict is Verdict.CONDITIONAL  # exactly 3.0
    assert assess_star(star(5, 5, 5, 1)).verdict is Verdict.DO_NOT_PROCEED


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"assets": 2}, "heavy_capability_overlap"), ({"trust": 2}, "low_trust"),
     ({"econ": 2}, "economics_too_small"), ({"fit": 2}, "strategic_misalignment")],
)
def test_score_red_flags(kwargs: dict[str, int], code: str) -> None:
    assert code in codes(assess_star(star(**kwargs)))
    assert code not in codes(assess_star(star()))


def test_keyword_flags_from_evidence() -> None:
    result = assess_star(star(asset_complementarity="Heavy overlap in data connectors",
                              strategic_fit="They compete with us in EMEA"))
    assert {"heavy_capability_overlap", "competitor"} <= codes(result)
    assert result.verdict is Verdict.CONDITIONAL


def test_negated_or_icp_overlap_is_not_a_flag() -> None:
    result = assess_star(star(asset_complementarity="No overlap: they bring delivery we lack",
                              strategic_fit="Strong ICP overlap in banking"))
    assert codes(result) == set()
    assert result.verdict is Verdict.PROCEED


def test_side_project_flags_asymmetric_commitment() -> None:
    result = assess_star(star(trust_and_culture="For them this is a side project"))
    assert "asymmetric_commitment" in codes(result)


def test_weakest_tie_goes_to_star_order() -> None:
    assert assess_star(star(3, 3, 4, 4)).weakest_dimension == "strategic_fit"


@pytest.mark.parametrize(("path", "value"), [("score", 6), ("score", 0), ("evidence", "  ")])
def test_bad_dimension_names_the_field(path: str, value: Any) -> None:
    data = star()
    data["trust_and_culture"][path] = value
    with pytest.raises(FrameworkError) as info:
        assess_star(data)
    assert info.value.field == f"trust_and_culture.{path}"


def test_missing_evidence_is_rejected() -> None:
    data = star()
    del data["asset_complementarity"]["evidence"]
    with pytest.raises(FrameworkError, match="asset_complementarity.evidence"):
        assess_star(data)
