"""The package dependency graph: layers point down only, and no module cycle anywhere.

Every import counts, including one made inside a function: a lazy import hides a dependency,
it does not remove it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tools", "prompts", "knowledge", "agent", "evals", "ui", "cli")

# What each package may import (besides itself). The CLI is the only importer of ui and evals.
ALLOWED = {
    "tools": {"prompts"},  # document templates are files in prompts/
    "prompts": set(),
    "knowledge": {"tools", "prompts"},
    "agent": {"tools", "prompts", "knowledge"},
    "evals": {"tools", "prompts", "knowledge", "agent"},
    "ui": {"tools", "prompts", "knowledge", "agent"},
    "cli": {"tools", "prompts", "knowledge", "agent", "evals", "ui"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Our modules that ``name`` imports (resolving ``from pkg import module``)."""
    found: set[str] = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")[: len(name.split(".")) - node.level + (1 if is_pkg else 0)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from pkg import module`` depends on the module; ``from mod import name`` on mod.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def test_graph_sees_real_imports() -> None:
    edges = graph()
    assert "knowledge.settings" in edges["knowledge.store"]
    assert "agent.core" in edges["cli.ask"]


@pytest.mark.parametrize("package", PACKAGES)
def test_packages_import_only_lower_layers(package: str) -> None:
    wrong = sorted(
        f"{src} -> {dst}"
        for src, dsts in graph().items() if src.split(".")[0] == package
        for dst in dsts
        if dst.split(".")[0] != package and dst.split(".")[0] not in ALLOWED[package]
    )
    assert wrong == []


def test_no_module_cycles() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            # A package importing its own submodules is not a cycle with them.
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    assert cycles == []


def lazy_imports_without_a_reason(source: str) -> list[int]:
    """Lines of imports made inside a function with no ``#`` reason.

    Consecutive import lines are one group; a comment on any line of the group or on the
    line above it gives the group's reason.
    """
    lines = source.splitlines()
    inside = sorted({(node.lineno, node.end_lineno or node.lineno)
                     for fn in ast.walk(ast.parse(source))
                     if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
                     for node in ast.walk(fn) if isinstance(node, ast.Import | ast.ImportFrom)})
    groups: list[list[int]] = []
    for first, last in inside:
        if groups and first == groups[-1][1] + 1:
            groups[-1][1] = last
        else:
            groups.append([first, last])
    return [first for first, last in groups
            if not any("#" in line for line in lines[max(first - 2, 0):last])]


def test_every_lazy_import_says_why() -> None:
    """An import inside a function hides a dependency: it needs a measured or stated reason."""
    missing = [f"{path.relative_to(ROOT)}:{line}" for path in all_modules().values()
               for line in lazy_imports_without_a_reason(path.read_text(encoding="utf-8"))]
    assert missing == []


def test_a_lazy_import_without_a_comment_is_found() -> None:
    source = ("def f():\n    import json\n    return json\n\n\n"
              "def g():\n    import csv  # lazy: a reason\n    from io import StringIO\n"
              "    return csv, StringIO\n\n\n"
              "def h():\n    # lazy: a reason above\n    import re\n    return re\n")
    assert lazy_imports_without_a_reason(source) == [2]
