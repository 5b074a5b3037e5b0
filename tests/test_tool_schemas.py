"""Snapshot of the JSON schema of every framework tool input model.

A docstring or bound edit changes the schema the agent sends to the model, so it must show
up as a diff here. Regenerate with ``PARTNERPILOT_UPDATE_SNAPSHOTS=1``; a missing snapshot
fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from snapshot import assert_snapshot

from tools.decisions import DecisionInput
from tools.documents.kinds import DOCUMENT_KINDS
from tools.gaps import GapMatrixInput
from tools.horizons import HorizonInput
from tools.models import ModelNeed
from tools.program import ProgramDescription
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
    assert_snapshot(SNAPSHOTS / f"{model.__name__}.json", render(model))


def test_every_snapshot_file_belongs_to_a_model() -> None:
    documents = {m.__name__ for kind in DOCUMENT_KINDS.values()
                 for m in (kind.input_model, kind.document_model)}
    expected = {f"{name}.json" for name in documents | {m.__name__ for m in MODELS}}
    assert {p.name for p in SNAPSHOTS.glob("*.json")} == expected


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_schema_is_documented(model: type[BaseModel]) -> None:
    schema = model.model_json_schema()
    assert schema.get("description"), f"{model.__name__} has no docstring"
    for name in schema["properties"]:
        assert name in schema["description"], f"{model.__name__}.{name} not in Args"
