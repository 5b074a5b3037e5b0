"""The store: framework passages and partner records, embedded or on a Chroma server.

One code path above the client: :func:`knowledge.chroma.make_client` returns a
``PersistentClient`` under ``<data_dir>/chroma`` by default, or an ``HttpClient`` when
``CHROMA_HOST`` is set; :meth:`Store.open` refuses collections built by another embedder
with the re-index instruction.

Partner search runs on :class:`knowledge.partner_index.PartnerIndex` (exact, filtered, in
memory; see there for why), loaded from Chroma on first use. Writes take the writer lock and,
for partners, the rollback journal of :mod:`knowledge.locking`; a rebuild builds aside and
switches (:mod:`knowledge.rebuild`).

Reads stay right while other processes write: every read first checks the write generation
in ``store.json`` (:mod:`knowledge.manifest`) and reopens its view when another process
wrote; the partner index lays a pending import's journal over what Chroma returns, so a
half-written import is never seen; a Chroma error retries once on a fresh view, then becomes
a :class:`~tools.errors.FrameworkError`. A stored partner that no longer validates (written
by an older version) is logged, counted in :attr:`Store.invalid` and skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from rapidfuzz import fuzz, process

from knowledge.bulk import upsert_stream
from knowledge.chroma import WriteReport, make_client, sync_documents
from knowledge.chunking import Chunk
from knowledge.embeddings import Embedder, get_embedder, one_blas_thread
from knowledge.locking import read_journal, rollback, write_lock
from knowledge.manifest import bump, reached, read_rebuild_marker, read_state
from knowledge.partner_index import PartnerIndex
from knowledge.partner_view import Ranked, Validated, committed_payload, load_index
from knowledge.rebuild import rebuild_store, recover_rebuild
from knowledge.records import PartnerHit, Passage, score_and_band
from knowledge.settings import Settings, get_settings
from knowledge.store_view import StoreView
from tools.errors import FrameworkError
from tools.partners import Partner

Progress = Callable[[int], None]
T = TypeVar("T")
log = logging.getLogger(__name__)

__all__ = ["Store", "Passage", "PartnerHit", "WriteReport", "make_client", "warm"]


class Store(StoreView):
    """Framework passages and partner records in two Chroma collections.

    Build it with :meth:`open`; all methods are safe to call from the agent's tools, also
    from several threads at once (the chat UI's sessions share one store).
    """

    lock_timeout: float = 5.0
    batch_size: int = 1000

    def __init__(self, client: Any, settings: Settings, embedder: Embedder) -> None:
        super().__init__(client, settings, embedder)
        self._queries: dict[str, np.ndarray] = {}
        #: Stored partners that no longer validate (logged once, counted, skipped).
        self.validated = Validated()
        #: What :meth:`open` repaired (an interrupted import or rebuild), in words.
        self.recovered: list[str] = []
        #: Test seam: called with the batch number before each partner batch is written.
        self.before_batch: Callable[[int], None] | None = None

    @classmethod
    def open(
        cls, settings: Settings | None = None, embedder: Embedder | None = None,
        check_embedder: bool = True,
    ) -> Store:
        """Open (creating when missing) the store the settings point at.

        Args:
            settings: Defaults to :func:`knowledge.settings.get_settings`.
            embedder: Defaults to :func:`knowledge.embeddings.get_embedder` (cached).
            check_embedder: Refuse collections built with another embedding model.

        Raises:
            FrameworkError: When the index was built with another embedding model (run
                ``partnerpilot index --rebuild``), or the Chroma server cannot be reached.
        """
        settings = settings or get_settings()
        embedder = embedder or get_embedder(settings)
        try:
            client = make_client(settings, read_state(Path(settings.data_dir)).generation)
            store = cls(client, settings, embedder)
        except (ValueError, ConnectionError, OSError) as exc:
            if isinstance(exc, FrameworkError):
                raise
            where = (f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
                     if settings.chroma_host else f"store at {settings.data_dir}")
            raise FrameworkError("store", f"cannot open the {where}: {exc}") from None
        store.recover()
        if check_embedder:
            store.check_embedder()
        return store

    # -- writes ---------------------------------------------------------------------------

    def recover(self) -> bool:
        """Repair what a crash interrupted: roll back an import, finish or undo a rebuild.

        What was done is added to :attr:`recovered`, in words.

        Returns:
            True when something was repaired. A journal or rebuild held by a live writer is
            left alone (its lock cannot be taken).
        """
        if read_journal(self.data_dir) is None and read_rebuild_marker(self.data_dir) is None:
            return False
        try:
            with write_lock(self.data_dir, timeout=0.1):
                self._sync()
                note = recover_rebuild(self)
                if note:
                    self.recovered.append(note)
                if self._rollback():
                    self.recovered.append("rolled back an import that was interrupted; "
                                          "the partners are as they were before it")
                return bool(self.recovered)
        except FrameworkError:
            return False

    def _rollback(self) -> bool:
        entry = read_journal(self.data_dir)
        if entry is None:
            return False
        collection = self.partners if entry.collection == self.partners.name else self.knowledge
        rollback(self.data_dir, collection, self.batch_size)
        self._bump_generation(collection)
        self._wrote()
        with self._mutex:
            self._index = None
        return True

    def upsert_partners(
        self, partners: Sequence[Partner], progress: Progress | None = None,
        embed_progress: Progress | None = None,
    ) -> WriteReport:
        """Insert or replace partners by ``partner_id``, all or nothing.

        Unchanged partners (same content hash) are not written. Batches of
        :attr:`batch_size` are embedded and written one after the other behind the journal;
        a failure or a crash between batches is rolled back.

        Args:
            partners: Validated partner records (ids must be unique).
            progress: Called with the number of partners written after each batch.
            embed_progress: Called with the number of texts embedded after each step.

        Raises:
            FrameworkError: On duplicate ids, or when another process holds the lock.
        """
        ids = [p.partner_id for p in partners]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise FrameworkError("partner_id", "appears more than once", dup)
        size = self.batch_size
        return self.upsert_stream((partners[i : i + size] for i in range(0, len(ids), size)),
                                  progress, embed_progress)

    def upsert_stream(self, batches: Iterable[Sequence[Partner]],
                      progress: Progress | None = None, embed_progress: Progress | None = None,
                      ) -> WriteReport:
        """:meth:`upsert_partners` for partners that come in batches (bounded memory).

        See :func:`knowledge.bulk.upsert_stream`; a duplicate id anywhere rolls back.
        """
        return upsert_stream(self, batches, progress, embed_progress)

    def _embed(self, texts: Sequence[str], progress: Progress | None) -> np.ndarray:
        embed: Any = self.embedder.embed
        if progress is not None and hasattr(self.embedder, "cache"):
            return np.asarray(embed(texts, progress=progress))
        vectors = np.asarray(embed(texts))
        if progress is not None:
            progress(len(texts))
        return vectors

    def index_documents(self, chunks: Sequence[Chunk], progress: Progress | None = None
                        ) -> WriteReport:
        """Make the framework collection hold exactly ``chunks`` (idempotent).

        New and changed chunks are embedded and upserted under their stable ids; chunks no
        longer produced (a changed or removed document) are deleted.
        """
        with write_lock(self.data_dir, self.lock_timeout):
            self._sync()
            report = sync_documents(self.knowledge, chunks,
                                    lambda texts: self._embed(texts, progress))
            reached("index:documents-written")
            if report.added or report.updated or report.deleted:
                bump(self.data_dir)
                self._wrote()
            return report

    def rebuild(self, chunks: Sequence[Chunk] = (), embed_progress: Progress | None = None
                ) -> tuple[list[str], WriteReport]:
        """Re-embed everything into new collections, then switch to them (crash-safe).

        Args:
            chunks: The framework passages to index into the new framework collection.
            embed_progress: Called with the number of partner texts embedded after each step.

        Returns:
            The ids of the partners kept (re-embedded and stored page by page), and what
            indexing the chunks did.
        """
        return rebuild_store(self, chunks, embed_progress)

    # -- reads ----------------------------------------------------------------------------

    def embed_query(self, text: str) -> np.ndarray:
        """The query's vector (kept in a small in-process cache)."""
        vector = self._queries.get(text)
        if vector is None:
            inner = getattr(self.embedder, "inner", self.embedder)
            vector = np.asarray(inner.embed([text]), dtype=np.float32)[0]
            if len(self._queries) > 512:
                self._queries.clear()
            self._queries[text] = vector
        return vector

    def search_knowledge(self, query: str, k: int = 5) -> list[Passage]:
        """Framework passages nearest to ``query``, citation-ready, best first."""
        if not query.strip():
            raise FrameworkError("query", "must not be empty", query)
        if k < 1:
            raise FrameworkError("k", "must be at least 1", k)
        vector = self.embed_query(query)

        def read() -> dict[str, Any] | None:
            total = self.knowledge.count()
            if total == 0:
                return None
            got: dict[str, Any] = self.knowledge.query(
                query_embeddings=[vector], n_results=min(k, total),
                include=["documents", "metadatas", "distances"])
            return got

        got = self._reading(read)
        if got is None:
            return []
        return [
            Passage(doc_id=str(m["doc_id"]), title=str(m["title"]), section=str(m["section"]),
                    source=str(m.get("source", "")), text=str(doc), distance=float(dist),
                    chunk_id=str(cid))
            for cid, doc, m, dist in zip(got["ids"][0], got["documents"][0],
                                         got["metadatas"][0], got["distances"][0], strict=True)
        ]

    def partner_index(self) -> PartnerIndex:
        """The in-memory partner index, (re)loaded when missing or stale."""
        return self._reading(self._current_index)

    def _current_index(self) -> PartnerIndex:
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < self.freshness_interval:
            return self._index
        self._checked_at = now
        current = self.client.get_collection(self._state.partners, embedding_function=None)
        if current.id != self.partners.id:  # recreated without a store.json switch
            self.partners = current
            self.knowledge = self.client.get_collection(self._state.framework,
                                                        embedding_function=None)
            self._index = None
            self.check_embedder()
        generation = str((current.metadata or {}).get("generation", ""))
        if self._index is not None and generation == self._generation:
            return self._index
        self._index, self._generation = self._load_index(), generation
        return self._index

    def _load_index(self) -> PartnerIndex:
        def sync() -> tuple[Any, int]:
            self._sync()
            return self.partners, self._state.generation

        return load_index(sync, self.data_dir, self.embedder.dimension)

    def _best_valid(self, fetch: Callable[[PartnerIndex, int], Ranked], k: int
                    ) -> list[tuple[Partner, float]]:
        def read() -> list[tuple[Partner, float]]:
            index = self._current_index()
            return self.validated.best(index, lambda n: fetch(index, n), k)

        return self._reading(read)

    def search_partners(
        self, query: str, k: int = 5, tier: str | None = None, partner_type: str | None = None,
        region: str | None = None, industry: str | None = None, band: str | None = None,
    ) -> list[PartnerHit]:
        """Partners nearest to ``query`` in meaning, optionally filtered (exact match).

        Args:
            query: What to look for, in words.
            k: How many hits at most.
            tier: Keep only this tier.
            partner_type: Keep only this partner type.
            region: Keep only this region.
            industry: Keep only this industry.
            band: Keep only this attractiveness band.
        """
        if not query.strip():
            raise FrameworkError("query", "must not be empty", query)
        if k < 1:
            raise FrameworkError("k", "must be at least 1", k)
        filters = {"tier": tier, "partner_type": partner_type, "region": region,
                   "industry": industry, "band": band}
        vector = self.embed_query(query)

        def fetch(index: PartnerIndex, want: int) -> list[tuple[int, float]]:
            with one_blas_thread():
                return index.search(vector, want, filters)

        hits = []
        for partner, distance in self._best_valid(fetch, k):
            score, band = score_and_band(partner)
            hits.append(PartnerHit(partner=partner, distance=distance, score=score, band=band))
        return hits

    def get_partner(self, partner_id: str) -> Partner | None:
        """The partner with this id (case-insensitive), or None.

        Raises:
            FrameworkError: When the stored record no longer validates.
        """
        wanted = partner_id.strip()
        if not wanted:
            return None

        def read() -> tuple[str, str] | None:
            payload = committed_payload(self.partners, self.data_dir, wanted)
            if payload is not None:  # one record: no need to load the whole index
                return wanted, payload
            index = self._current_index()
            row = index.pos.get(wanted)
            if row is None:
                low = wanted.lower()
                row = next((n for n, pid in enumerate(index.ids) if pid.lower() == low), None)
            return None if row is None else (index.ids[row], index.payloads[row])

        found = self._reading(read)
        if found is None:
            return None
        partner = self.validated.parse(*found)
        if partner is None:
            raise FrameworkError("partner", f"the stored record {found[0]} is invalid "
                                 f"({self.validated.invalid[found[0]]}); import it again")
        return partner

    def find_partners_by_name(self, name: str, limit: int = 5) -> list[tuple[Partner, float]]:
        """Partners whose names look like ``name`` (rapidfuzz WRatio, 0-100), best first."""
        def fetch(index: PartnerIndex, want: int) -> list[tuple[int, float]]:
            found = process.extract(name, index.names, scorer=fuzz.WRatio, limit=want,
                                    processor=lambda s: str(s).lower())
            return [(int(row), float(score)) for _, score, row in found]

        return self._best_valid(fetch, limit)

    def all_partners(self) -> list[Partner]:
        """Every stored partner that validates, sorted by id (see :attr:`invalid`)."""
        return self.validated.all(self._reading(self._current_index))


def warm(settings: Settings | None = None) -> Store:
    """Open the store and load what the first answer would wait for: engine and index.

    For a long-lived front end (the chat UI) to call at start, so its first search is as
    fast as the rest: the embedding engine is loaded and checked, a query is embedded, and
    the in-memory partner index is loaded from Chroma.
    """
    store = Store.open(settings)
    store.embed_query("partner")
    store.partner_index()
    return store
