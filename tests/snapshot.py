"""Snapshot files that never write themselves.

A snapshot is only (re)written when ``PARTNERPILOT_UPDATE_SNAPSHOTS=1`` is set; otherwise a
missing snapshot fails, so deleting one cannot make a test pass.
"""

from __future__ import annotations

import os
from pathlib import Path

UPDATE_VAR = "PARTNERPILOT_UPDATE_SNAPSHOTS"


def updating() -> bool:
    """Whether this run rewrites snapshots."""
    return os.environ.get(UPDATE_VAR) == "1"


def assert_snapshot(path: Path, current: str) -> None:
    """Fail unless ``path`` holds exactly ``current`` (rewrite it when updating)."""
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(current, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; write it with {UPDATE_VAR}=1"
    assert path.read_text(encoding="utf-8") == current, (
        f"{path.name} changed; review the diff and re-run with {UPDATE_VAR}=1 if intended")
