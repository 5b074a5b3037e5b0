"""The grounding guard measured on committed narrations (``tests/data/narrations.yaml``).

Targets (issue 10): at most 1 in 100 correct numbers withheld, at most 1 in 20 invented
numbers missed. Tools with ``args`` run for real (pure tools, no store); the facts are
collected exactly as the agent collects them, from the same events.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.events import Citation, ToolCall, ToolResult
from agent.guard import Facts, add_event_facts, guard_text
from agent.registry import execute
from agent.toolset import Deps
from knowledge.settings import Settings

CASES = yaml.safe_load((Path(__file__).parent / "data" / "narrations.yaml").read_text())


def facts_for(case: dict[str, Any], tmp_path: Path) -> Facts:
    facts = Facts()
    for text in [*case.get("earlier", []), case["user"]]:
        facts.add_text(text)
    deps = Deps(Settings(data_dir=tmp_path), store=None)
    for i, tool in enumerate(case.get("tools", [])):
        add_event_facts(facts, ToolCall(call_id=str(i), name=tool["name"],
                                        input=tool.get("args", {})))
        if "output" in tool:
            output = tool["output"]
        else:
            done = execute(tool["name"], tool["args"], deps)
            assert done.ok, (case["id"], done.error)
            output = done.output_data()
        add_event_facts(facts, ToolResult(call_id=str(i), name=tool["name"], output=output))
    for passage in case.get("passages", []):
        add_event_facts(facts, Citation(doc_id="d", title="t", section="s", snippet=passage))
    return facts


def measure(tmp_path: Path) -> dict[str, Any]:
    correct = withheld = invented = missed = 0
    wrong: list[str] = []
    for case in CASES:
        facts = facts_for(case, tmp_path)
        for text in case["correct"]:
            result = guard_text(text, facts)
            correct += result.checked
            withheld += len(result.ungrounded)
            wrong += [f"{case['id']}: withheld {n!r} in {text!r}" for n in result.ungrounded]
        for item in case["invented"]:
            result = guard_text(item["text"], facts)
            for number in item["numbers"]:
                invented += 1
                if number not in result.ungrounded:
                    missed += 1
                    wrong.append(f"{case['id']}: missed {number!r} in {item['text']!r}")
    return {"correct": correct, "withheld": withheld, "invented": invented, "missed": missed,
            "wrong": wrong}


def test_the_sets_are_big_enough() -> None:
    assert sum(len(c["correct"]) for c in CASES) >= 40
    assert sum(len(c["invented"]) for c in CASES) >= 30


def test_guard_targets_on_the_narration_sets(tmp_path: Path) -> None:
    figures = measure(tmp_path)
    assert figures["correct"] >= 100 and figures["invented"] >= 30
    assert figures["withheld"] <= figures["correct"] / 100, figures["wrong"]
    assert figures["missed"] <= figures["invented"] / 20, figures["wrong"]


@pytest.mark.parametrize(("text", "expected"), [
    ("The weights are 35/25/20/10/10.", ["35"]),
    ("after three consecutive quarters", ["three"]),
    ("a score of 74.5 out of 100 on December 1, 2026 (2026-12-01)", []),
    ("the Big 4 firms, 24/7 support", []),
    ("a score of 74", ["74"]),
    ("a 9% fee", ["9%"]),
])
def test_guard_readings(text: str, expected: list[str]) -> None:
    facts = Facts()
    facts.add_data({"score": 74.5, "contributions": {"x": 9.0}, "weights": {"a": 30, "b": 25,
                    "c": 20, "d": 10}, "rules": "two consecutive quarters"})
    assert guard_text(text, facts).ungrounded == expected
