"""The store a suite that brings its own partners runs against (``Suite.partners``)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from agent.core import Agent
from knowledge.indexing import ensure_index
from knowledge.settings import Settings
from knowledge.store import Store
from tools.partners import Partner


def seeded_agents(settings: Settings, partners: list[Partner]) -> Callable[[], Agent]:
    """Agents over a store of their own: the framework, the samples and ``partners``.

    The store lives in a temporary folder (removed at exit), so a suite's planted records
    never reach the user's store.
    """
    folder = Path(tempfile.mkdtemp(prefix="partnerpilot-eval-"))
    atexit.register(shutil.rmtree, folder, True)
    seeded = settings.model_copy(update={"data_dir": folder, "chroma_host": None})
    store = Store.open(seeded)
    ensure_index(store)
    store.upsert_partners(partners)
    return lambda: Agent.from_settings(seeded, store=store)
