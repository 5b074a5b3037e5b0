"""Snapshot of the JSON schema of every framework tool input model.

A docstring or bound edit changes the schema the agent sends to the model, so it must show
up as a diff here. Regenerate with ``UPDATE_SNAPSHOTS=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import BaseModel

from tools.decisions import DecisionInput
from tools.models import ModelNeed
from tools.program import GapMatrixInput, HorizonInput, ProgramDescription
from tools.scoring import AttractivenessInput, WeightSet
from tools.star import StarInput
from tools.tiers import TierFigures, TierReviewInput

SNAPSHOTS = Path(__file__).parent / "snapshots"
MODELS: list[type[BaseModel]] = [
    AttractivenessInput, WeightSet, StarInput, TierFigures, TierReviewInput, ModelNeed,
    DecisionInput, GapMatrixInput, HorizonInput, ProgramDescription,
]


def render(model: type[BaseModel]) -> str:
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_matches_snapshot(model: type[BaseModel]) -> None:
    path = SNAPSHOTS / f"{model.__name__}.json"
    current = render(model)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(current, encoding="utf-8")
    assert path.exists(), f"no snapshot for {model.__name__}; run with UPDATE_SNAPSHOTS=1"
    assert path.read_text(encoding="utf-8") == current, (
        f"{model.__name__} schema changed; review and rerun with UPDATE_SNAPSHOTS=1")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_is_documented(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert schema.get("description"), f"{model.__name__} has no docstring"
    for name in schema["properties"]:
        assert name in schema["description"], f"{model.__name__}.{name} not in Args"
