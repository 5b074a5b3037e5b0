"""No Python module of the project is over 400 lines (issue 11): product, tests and benches."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("tools", "prompts", "knowledge", "agent", "evals", "ui", "cli", "tests", "bench")
LIMIT = 400


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
             for folder in FOLDERS for path in (ROOT / folder).rglob("*.py")}
    assert len(sizes) > 100  # the walk found the project
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
