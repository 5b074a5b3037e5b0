"""A store's view of its two Chroma collections, kept current while other processes write.

Every read runs through :meth:`StoreView._reading`: it first compares the write generation in
``store.json`` (:mod:`knowledge.manifest`) with the one this view has seen and, when another
process wrote, reopens the Chroma client (an embedded ``PersistentClient`` does not see other
processes' writes) and the collections ``store.json`` names. A Chroma error retries once on a
fresh view, then becomes a :class:`~tools.errors.FrameworkError` naming the store.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from knowledge.chroma import (
    check_built_with,
    is_chroma_error,
    make_client,
    open_collection,
    seen_generation,
)
from knowledge.embeddings import Embedder
from knowledge.manifest import read_state
from knowledge.partner_index import PartnerIndex
from knowledge.settings import Settings
from tools.errors import FrameworkError

T = TypeVar("T")
log = logging.getLogger(__name__)


class StoreView:
    """The client, the live collections, and the in-memory partner index of one store."""

    #: Seconds between checks of the partner collection's own generation (server mode).
    freshness_interval: float = 2.0

    def __init__(self, client: Any, settings: Settings, embedder: Embedder) -> None:
        self.client = client
        self.settings = settings
        self.embedder = embedder
        self.data_dir = Path(settings.data_dir)
        self.server_mode = bool(settings.chroma_host)
        self._index: PartnerIndex | None = None
        self._generation = ""
        self._checked_at = 0.0
        self._mutex = threading.RLock()  # sessions of one UI process share this store
        self._state = read_state(self.data_dir)
        self.knowledge = self._collection(self._state.framework)
        self.partners = self._collection(self._state.partners)

    def _collection(self, name: str) -> Any:
        return open_collection(self.client, name, self.embedder)

    def check_embedder(self) -> None:
        """Raise the re-index error when a collection was built by another embedder."""
        for collection in (self.knowledge, self.partners):
            check_built_with(collection, self.embedder)

    def _bump_generation(self, collection: Any) -> None:
        generation = f"{time.time_ns()}"
        meta = {**(collection.metadata or {}), "generation": generation}
        collection.modify(metadata=meta)
        if collection.name == self.partners.name:
            self._generation = generation

    def _wrote(self) -> None:
        """After this store wrote (lock held): its view is current; no reopen for it."""
        with self._mutex:
            self._state = read_state(self.data_dir)
            seen_generation(self.settings, self.client, self._state.generation)

    def _sync(self, force: bool = False) -> None:
        """Reopen the view when another process wrote (or ``force``, after a Chroma error)."""
        with self._mutex:
            state = read_state(self.data_dir)
            if state == self._state and not force:
                return
            if not self.server_mode:
                self.client = make_client(self.settings, state.generation, fresh=force)
            self._state = state
            self.knowledge = self._collection(state.framework)
            self.partners = self._collection(state.partners)
            self._index = None
            self._checked_at = 0.0

    def _reading(self, read: Callable[[], T]) -> T:
        """Run ``read`` on a current view; a Chroma error reopens once, then is a clear error.

        Raises:
            FrameworkError: When Chroma still fails on a fresh view.
        """
        with self._mutex:
            self._sync()
            try:
                return read()
            except Exception as exc:  # chromadb's errors have no common importable base
                if not is_chroma_error(exc):
                    raise
                log.info("store view was stale (%s); reopening", exc)
            try:
                self._sync(force=True)
                return read()
            except Exception as exc:
                if not is_chroma_error(exc):
                    raise
                raise FrameworkError(
                    "store", f"cannot read the store at {self.data_dir}: {exc}; "
                    "if another partnerpilot process is rebuilding it, try again") from None

    def counts(self) -> dict[str, int]:
        """Records per collection."""
        return self._reading(lambda: {"chunks": self.knowledge.count(),
                                      "partners": self.partners.count()})
