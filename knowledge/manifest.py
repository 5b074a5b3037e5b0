"""Which collections are live, and how many writes the store has seen, in one small file.

``<data_dir>/store.json`` names the live framework and partner collections and carries a
write *generation*. Every writer bumps the generation under the writer lock (an atomic
``os.replace`` of an fsynced file), so a long-lived reader in another process (the chat UI)
learns that its Chroma view is stale by reading this file, and reopens.

A rebuild (``partnerpilot index --rebuild``) builds new collections under new names next to
the live ones, then switches ``store.json`` to them: that one rename is the commit point.
``<data_dir>/rebuild.json`` records the new names while they are built; if the process dies
before the switch, the next open deletes the half-built collections (the live ones were
never touched); after the switch, it finishes deleting the old ones. A store without
``store.json`` uses the original names, ``framework`` and ``partners``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from knowledge.chroma import KNOWLEDGE, PARTNERS

STATE_FILE = "store.json"
REBUILD_FILE = "rebuild.json"
PAUSE_AT = "PARTNERPILOT_PAUSE_AT"
PAUSE_FILE = "PARTNERPILOT_PAUSE_FILE"


@dataclass(frozen=True)
class StoreState:
    """The live collection names and the write generation."""

    framework: str = KNOWLEDGE
    partners: str = PARTNERS
    generation: int = 0


def _write_atomic(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(json.dumps(payload).encode())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    return data if isinstance(data, dict) else None


def read_state(data_dir: Path) -> StoreState:
    """The state in ``store.json`` (the original names and generation 0 when absent)."""
    data = _read(data_dir / STATE_FILE) or {}
    return StoreState(framework=str(data.get("framework", KNOWLEDGE)),
                      partners=str(data.get("partners", PARTNERS)),
                      generation=int(data.get("generation", 0)))


def write_state(data_dir: Path, state: StoreState) -> None:
    """Replace ``store.json`` atomically (callers hold the writer lock)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    _write_atomic(data_dir / STATE_FILE, asdict(state))


def bump(data_dir: Path) -> StoreState:
    """Count one more write in ``store.json`` and return the new state (lock held)."""
    state = read_state(data_dir)
    new = replace(state, generation=state.generation + 1)
    write_state(data_dir, new)
    return new


def next_names(state: StoreState) -> StoreState:
    """Fresh collection names for a rebuild (never equal to the live ones)."""
    token = time.time_ns()
    return StoreState(framework=f"{KNOWLEDGE}-{token}", partners=f"{PARTNERS}-{token}",
                      generation=state.generation + 1)


def write_rebuild_marker(data_dir: Path, new: StoreState) -> None:
    """Record the names a rebuild is building (before it creates them)."""
    _write_atomic(data_dir / REBUILD_FILE, asdict(new))


def read_rebuild_marker(data_dir: Path) -> StoreState | None:
    """The names of an unfinished rebuild, or None."""
    data = _read(data_dir / REBUILD_FILE)
    if data is None:
        return None
    return StoreState(framework=str(data["framework"]), partners=str(data["partners"]),
                      generation=int(data.get("generation", 0)))


def clear_rebuild_marker(data_dir: Path) -> None:
    """Forget a finished (or rolled back) rebuild."""
    (data_dir / REBUILD_FILE).unlink(missing_ok=True)


def reached(phase: str) -> None:
    """Crash-test seam: a write announces each phase it reaches.

    With ``PARTNERPILOT_PAUSE_AT`` set to ``phase``, the process writes the phase name to
    ``PARTNERPILOT_PAUSE_FILE`` and waits there to be killed, so a test can deliver a real
    signal at an exact point of a real write. Unset (always, outside tests) it does nothing.
    """
    if os.environ.get(PAUSE_AT) != phase:
        return
    Path(os.environ[PAUSE_FILE]).write_text(phase, encoding="utf-8")
    while True:  # pragma: no cover - ended by the test's signal
        time.sleep(0.05)
