"""Export the eval suites as a promptfoo config that runs against ``partnerpilot serve``.

``partnerpilot eval --export promptfoo DIR`` writes three files into ``DIR``:

- ``promptfooconfig.yaml``: one promptfoo test per single-turn case; the provider is
  promptfoo's own ``openai:chat`` pointed at the served API (``apiBaseUrl``), the key read
  from ``PARTNERPILOT_API_KEY``. Assertions use promptfoo's types where a grader maps:
  ``icontains`` (a plain-word fact, a cited doc id), ``regex`` (one expected tool, read from
  the answer's "Computed by" section), ``python`` (facts with numbers, ``any_facts``,
  ``forbidden`` and tool trajectories, graded by partnerpilot's own normaliser in
  ``partnerpilot_asserts.py``, so ``$2M`` still equals ``$2,000,000``).
- ``partnerpilot_asserts.py``: those python assertions (run with ``PROMPTFOO_PYTHON`` set to
  the Python that has partnerpilot installed).
- ``README.md``: what maps and what does not: graders with no promptfoo equivalent, per case,
  and the cases not exported (multi-turn ones), so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evals.cases import Case, Expect, Suite

CONFIG_FILE = "promptfooconfig.yaml"
ASSERTS_FILE = "partnerpilot_asserts.py"
README_FILE = "README.md"
DEFAULT_URL = "http://127.0.0.1:8000/v1"
KEY_ENV = "PARTNERPILOT_API_KEY"
PLAIN_WORDS = re.compile(r"^[A-Za-z][A-Za-z \-]*$")
#: Expect fields with no promptfoo equivalent (the served text does not carry them).
UNMAPPED = ("args", "result", "document", "partners", "follow_up", "refusal",
            "max_latency_s", "max_tokens", "forbidden_tools", "max_documents", "withheld")

ASSERTS_SOURCE = '''"""promptfoo python assertions for partnerpilot's exported eval cases.

Written by ``partnerpilot eval --export promptfoo``. They grade the served answer the way
``partnerpilot eval`` does (``evals.normalise``), so run promptfoo with PROMPTFOO_PYTHON set
to the Python that has partnerpilot installed. Each reads its case's ``expect`` var.
"""

import re
from collections import Counter

from evals.normalise import contains

APPENDIX = re.compile(r"\\n\\n\\*\\*(?:Sources|Computed by|Documents)\\*\\*\\n")


def _answer(output):
    return APPENDIX.split(output, maxsplit=1)[0]


def _tools(output):
    match = re.search(r"\\*\\*Computed by\\*\\*\\n((?:- .*\\n?)*)", output)
    return re.findall(r"^- `([a-z_]+)`", match.group(1), re.M) if match else []


def facts(output, context):
    """Every fact present, at least one of any_facts, no forbidden text (answer part only)."""
    expect = context["vars"]["expect"]
    answer = _answer(output)
    missing = [f for f in expect.get("facts", []) if not contains(answer, f)]
    present = [f for f in expect.get("forbidden", []) if contains(answer, f)]
    any_facts = expect.get("any_facts", [])
    any_ok = not any_facts or any(contains(answer, f) for f in any_facts)
    ok = not missing and not present and any_ok
    reason = "; ".join(filter(None, [missing and f"missing {missing}",
                                     present and f"forbidden present {present}",
                                     (not any_ok) and f"none of {any_facts}"]))
    return {"pass": ok, "score": 1.0 if ok else 0.0, "reason": reason or "facts hold"}


def tools(output, context):
    """The tools in "Computed by" match the expected ones (strict, unordered or subset)."""
    expect = context["vars"]["expect"]
    actual, want = _tools(output), expect["tools"]
    mode = expect.get("trajectory", "subset")
    if mode == "strict":
        ok = actual == want
    elif mode == "unordered":
        ok = Counter(actual) == Counter(want)
    else:
        ok = not (Counter(want) - Counter(actual))
    return {"pass": ok, "score": 1.0 if ok else 0.0,
            "reason": f"{mode}: expected {want}, called {actual}"}
'''


@dataclass
class Export:
    """What an export wrote and what it could not map."""

    directory: Path
    exported: list[str] = field(default_factory=list)
    partly: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def paths(self) -> list[Path]:
        """The files written."""
        return [self.directory / n for n in (CONFIG_FILE, ASSERTS_FILE, README_FILE)]


def _assertions(expect: Expect) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    python_facts = bool(expect.any_facts or expect.forbidden)
    for fact in expect.facts:
        if PLAIN_WORDS.match(fact):
            found.append({"type": "icontains", "value": fact})
        else:
            python_facts = True
    if python_facts:
        found.append({"type": "python", "value": f"file://{ASSERTS_FILE}:facts"})
    found.extend({"type": "icontains", "value": f"({doc})"} for doc in expect.cites)
    if expect.tools is not None:
        if expect.trajectory == "subset" and len(expect.tools) == 1:
            found.append({"type": "regex",  # JavaScript syntax: no inline flags
                          "value": rf"\*\*Computed by\*\*(\n- .*)*\n- `{expect.tools[0]}`"})
        else:
            found.append({"type": "python", "value": f"file://{ASSERTS_FILE}:tools"})
    return found


def _unmapped(expect: Expect) -> list[str]:
    data = expect.model_dump(exclude_unset=True)
    return [name for name in UNMAPPED if name in data and data[name] is not None
            and data[name] != [] and data[name] != {}]


def _test(case: Case, expect: Expect) -> dict[str, Any]:
    wanted = {k: v for k, v in {
        "facts": expect.facts, "any_facts": expect.any_facts, "forbidden": expect.forbidden,
        "tools": expect.tools, "trajectory": expect.trajectory}.items() if v}
    return {"description": case.id, "vars": {"message": case.message, "expect": wanted},
            "metadata": {"case": case.id, "suite": case.suite}, "assert": _assertions(expect)}


def build_config(suites: list[Suite], url: str = DEFAULT_URL,
                 model: str = "partnerpilot-offline") -> tuple[dict[str, Any], Export]:
    """The promptfoo config for ``suites`` and the record of what mapped."""
    export = Export(directory=Path("."))
    tests: list[dict[str, Any]] = []
    for suite in suites:
        for case in suite.cases:
            if case.message is None:
                export.skipped[case.id] = "multi-turn (promptfoo sends one prompt per test)"
                continue
            if suite.partners:
                export.skipped[case.id] = "its suite brings its own partner records"
                continue
            expect = case.turn_specs()[-1].expect or Expect()
            test = _test(case, expect)
            if not test["assert"]:
                export.skipped[case.id] = "no grader maps (" + (
                    ", ".join(_unmapped(expect)) or "graded on grounding only") + ")"
                continue
            tests.append(test)
            export.exported.append(case.id)
            if _unmapped(expect):
                export.partly[case.id] = _unmapped(expect)
    config = {
        "description": "partnerpilot eval suites ("
                       + ", ".join(s.suite for s in suites) + "), served by partnerpilot serve",
        "prompts": ["{{message}}"],
        "providers": [{"id": f"openai:chat:{model}", "label": model,
                       "config": {"apiBaseUrl": url, "apiKeyEnvar": KEY_ENV}}],
        "tests": tests,
    }
    return config, export


def _readme(export: Export, suites: list[Suite], url: str) -> str:
    lines = [
        "# partnerpilot eval cases for promptfoo", "",
        f"Suites: {', '.join(s.suite for s in suites)}. Exported: {len(export.exported)} "
        f"cases; not exported: {len(export.skipped)}.", "",
        "Run: start `partnerpilot serve` (the config calls it at " + url + "), then",
        "", "```sh",
        f"export {KEY_ENV}=<a key from partnerpilot keys add>  # any text if serve has no keys",
        "export PROMPTFOO_PYTHON=$(which python)  # the Python that has partnerpilot",
        "npx promptfoo@0.120.0 eval -c promptfooconfig.yaml", "```", "",
        "## Graders with no promptfoo equivalent", "",
        "Every case: `grounded_numbers` (each number traced to a tool, passage or the user) and "
        "the citation checks beyond the cited id (retrieved in the turn, snippet faithful) "
        "read the agent's events, which a chat reply does not carry. Per case:", "",
    ]
    lines += [f"- `{case}`: " + ", ".join(f"`{g}`" for g in graders)
              for case, graders in export.partly.items()] or ["- none"]
    lines += ["", "## Cases not exported", ""]
    lines += [f"- `{case}`: {why}" for case, why in export.skipped.items()] or ["- none"]
    return "\n".join(lines) + "\n"


def write_export(suites: list[Suite], directory: Path, url: str = DEFAULT_URL,
                 model: str = "partnerpilot-offline") -> Export:
    """Write the config, the python assertions and the README into ``directory``."""
    config, export = build_config(suites, url, model)
    export.directory = directory
    directory.mkdir(parents=True, exist_ok=True)
    header = "# yaml-language-server: $schema=https://promptfoo.dev/config-schema.json\n"
    (directory / CONFIG_FILE).write_text(
        header + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100),
        encoding="utf-8")
    (directory / ASSERTS_FILE).write_text(ASSERTS_SOURCE, encoding="utf-8")
    (directory / README_FILE).write_text(_readme(export, suites, url), encoding="utf-8")
    return export
