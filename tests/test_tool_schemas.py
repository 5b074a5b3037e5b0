"""Snapshot of the JSON schema of every framework tool input model.

A docstring or bound edit changes the schema the agent sends to the model, so it must show
up as a diff here. Regenerate with ``PARTNERPILOT_UPDATE_SNAPSHOTS=1``; a missing snapshot
fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from snapshot import assert_snapshot

from agent.llm_tools import SURFACE, docstring_args
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


def _undescribed(schema: dict[str, Any], path: str) -> list[str]:
    missing: list[str] = []
    for name, prop in (schema.get("properties") or {}).items():
        where = f"{path}.{name}"
        if not prop.get("description"):
            missing.append(where)
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        missing += _undescribed(prop, where) + _undescribed(items, where + "[]")
    return missing


def test_every_field_a_model_sees_is_described() -> None:
    """The docstring is the schema: a field the model fills must say what it is (its own
    description, or its line in the model's ``Args:`` section)."""
    missing = [m for name, tool in SURFACE.items()
               for m in _undescribed(tool.openai()["function"]["parameters"], name)]
    assert not missing, "fields without a description: " + ", ".join(missing)


def test_args_sections_are_read_field_by_field() -> None:
    doc = """A thing.

    Args:
        first: One line.
        second (int): Two
            lines.

    Returns:
        Nothing.
    """
    assert docstring_args(doc) == {"first": "One line.", "second": "Two lines."}
