from __future__ import annotations

import pytest

from tools.errors import FrameworkError
from tools.models import PARTNERSHIP_MODELS, Commitment, recommend_model


def ranked(**need: object) -> list[str]:
    return [r.model for r in recommend_model(need).recommendations]


def test_seven_models_with_fee_ranges_from_the_framework() -> None:
    assert set(PARTNERSHIP_MODELS) == {"referral", "reseller", "co_sell", "implementation",
                                       "oem", "joint_venture", "technology_alliance"}
    referral = PARTNERSHIP_MODELS["referral"].fee_range
    reseller = PARTNERSHIP_MODELS["reseller"].fee_range
    assert referral is not None and (referral.low, referral.high) == (5, 15)
    assert reseller is not None and (reseller.low, reseller.high) == (20, 40)
    assert "no direct cash" in PARTNERSHIP_MODELS["technology_alliance"].revenue_mechanism
    assert "royalty" in PARTNERSHIP_MODELS["oem"].revenue_mechanism


def test_commitment_spectrum_order() -> None:
    assert [c.rank for c in Commitment] == [0, 1, 2, 3, 4]
    assert Commitment.TRANSACTIONAL.rank < Commitment.CO_MARKETING.rank
    assert Commitment.JOINT_VENTURE.rank < Commitment.STRATEGIC_INVESTMENT.rank
    assert PARTNERSHIP_MODELS["joint_venture"].commitment is Commitment.JOINT_VENTURE
    assert PARTNERSHIP_MODELS["referral"].commitment is Commitment.TRANSACTIONAL


@pytest.mark.parametrize(
    ("need", "best"),
    [("lead_generation", "referral"), ("resale_capacity", "reseller"),
     ("joint_selling", "co_sell"), ("delivery_capacity", "implementation"),
     ("embed_in_partner_product", "oem"), ("technical_integration", "technology_alliance")],
)
def test_primary_model_for_each_need(need: str, best: str) -> None:
    assert ranked(needs=[need])[0] == best


def test_new_market_entry_with_shared_investment_is_jv() -> None:
    assert ranked(needs=["new_market_entry"], shared_investment=True)[0] == "joint_venture"
    without = recommend_model({"needs": ["new_market_entry"]}).recommendations
    assert without[0].model != "joint_venture"
    assert any("needs one" in r for rec in without if rec.model == "joint_venture"
               for r in rec.reasons)


def test_low_commitment_and_max_commitment() -> None:
    low = ranked(needs=["technical_integration", "lead_generation"], wants_low_commitment=True)
    assert low[0] == "referral"
    capped = recommend_model({"needs": ["new_market_entry"], "shared_investment": True,
                              "max_commitment": "co_marketing_co_selling"})
    assert "joint_venture" not in [r.model for r in capped.recommendations]
    assert capped.excluded and capped.excluded[0].startswith("joint_venture")


def test_recommendations_carry_fee_ranges_and_ranks() -> None:
    recs = recommend_model({"needs": ["lead_generation"]}).recommendations
    assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
    assert recs[0].fee_range is not None and recs[0].fee_range.basis == "% of ACV"


@pytest.mark.parametrize(("need", "field"), [({"needs": []}, "needs"),
                                             ({"needs": ["telepathy"]}, "needs.0")])
def test_bad_need_names_field(need: dict[str, object], field: str) -> None:
    with pytest.raises(FrameworkError) as info:
        recommend_model(need)
    assert info.value.field == field
