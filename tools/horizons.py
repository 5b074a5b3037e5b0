"""Two-speed horizons: how far out an initiative pays back decides how it is run."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tools.errors import validate

HORIZON_1_MAX_MONTHS = 18
HORIZON_2_MAX_MONTHS = 60


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
