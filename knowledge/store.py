"""The store: framework passages and partner records, embedded or on a Chroma server.

One code path above the client: :func:`knowledge.chroma.make_client` returns a
``PersistentClient`` under ``<data_dir>/chroma`` by default, or an ``HttpClient`` when
``CHROMA_HOST`` is set; :meth:`Store.open` refuses collections built by another embedder
with the re-index instruction.

Partner search runs on :class:`knowledge.partner_index.PartnerIndex` (exact, filtered, in
memory; see there for why), loaded from Chroma on first use. Writes take the writer lock and,
for partners, the rollback journal of :mod:`knowledge.locking`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz, process

from knowledge.chroma import (
    KNOWLEDGE,
    PARTNERS,
    check_built_with,
    make_client,
    open_collection,
    pages,
)
from knowledge.chunking import Chunk
from knowledge.embeddings import Embedder, get_embedder, one_blas_thread
from knowledge.locking import (
    Batch,
    get_records,
    journaled_upsert,
    read_journal,
    rollback,
    write_lock,
)
from knowledge.partner_index import PartnerIndex
from knowledge.records import PartnerHit, Passage, partner_record
from knowledge.settings import Settings, get_settings
from tools.errors import FrameworkError
from tools.partners import Partner

Progress = Callable[[int], None]

__all__ = ["Store", "Passage", "PartnerHit", "WriteReport", "make_client"]


class WriteReport(BaseModel):
    """What a write changed: ids added, updated, left as they were, and deleted."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


class Store:
    """Framework passages and partner records in two Chroma collections.

    Build it with :meth:`open`; all methods are safe to call from the agent's tools.
    """

    lock_timeout: float = 5.0
    batch_size: int = 1000
    #: Seconds between checks for writes made by other processes.
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
        self._queries: dict[str, np.ndarray] = {}
        #: Test seam: called with the batch number before each partner batch is written.
        self.before_batch: Callable[[int], None] | None = None
        self.knowledge = self._collection(KNOWLEDGE)
        self.partners = self._collection(PARTNERS)

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
            client = make_client(settings)
            store = cls(client, settings, embedder)
        except (ValueError, ConnectionError, OSError) as exc:
            if isinstance(exc, FrameworkError):
                raise
            where = (f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
                     if settings.chroma_host else f"store at {settings.data_dir}")
            raise FrameworkError("store", f"cannot open the {where}: {exc}") from None
        if check_embedder:
            store.check_embedder()
        store.recover()
        return store

    # -- collections and metadata -------------------------------------------------------

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
        if collection.name == PARTNERS:
            self._generation = generation

    def counts(self) -> dict[str, int]:
        """Records per collection."""
        return {"chunks": self.knowledge.count(), "partners": self.partners.count()}

    # -- writes ---------------------------------------------------------------------------

    def recover(self) -> bool:
        """Roll back an import that a crash interrupted (see :mod:`knowledge.locking`).

        Returns:
            True when a journal was found and rolled back. A journal held by a live writer
            is left alone (its lock cannot be taken).
        """
        if read_journal(self.data_dir) is None:
            return False
        try:
            with write_lock(self.data_dir, timeout=0.1):
                return self._rollback()
        except FrameworkError:
            return False

    def _rollback(self) -> bool:
        entry = read_journal(self.data_dir)
        if entry is None:
            return False
        collection = self.partners if entry.collection == PARTNERS else self.knowledge
        rollback(self.data_dir, collection, self.batch_size)
        self._bump_generation(collection)
        self._index = None
        return True

    def upsert_partners(
        self, partners: Sequence[Partner], progress: Progress | None = None,
        embed_progress: Progress | None = None,
    ) -> WriteReport:
        """Insert or replace partners by ``partner_id``, all or nothing.

        Unchanged partners (same content hash) are not written. Everything is embedded
        before the first write; a crash between batches is rolled back by the journal.

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
        with write_lock(self.data_dir, self.lock_timeout):
            self._rollback()
            old = get_records(self.partners, ids, ["metadatas"])
            old_hash = {i: m.get("hash") for i, m in zip(old["ids"], old["metadatas"], strict=True)}
            records = [partner_record(p) for p in partners]
            todo = [n for n, (pid, rec) in enumerate(zip(ids, records, strict=True))
                    if old_hash.get(pid) != rec[1]["hash"]]
            report = WriteReport(unchanged=len(ids) - len(todo))
            report.updated = sum(1 for n in todo if ids[n] in old_hash)
            report.added = len(todo) - report.updated
            if not todo:
                return report
            docs = [records[n][0] for n in todo]
            metas = [records[n][1] for n in todo]
            todo_ids = [ids[n] for n in todo]
            vectors = self._embed(docs, embed_progress)
            self._write_journaled(todo_ids, docs, metas, vectors, old_hash, progress)
            if self._index is not None:
                self._index.upsert(todo_ids, vectors, metas)
            return report

    def _embed(self, texts: Sequence[str], progress: Progress | None) -> np.ndarray:
        embed: Any = self.embedder.embed
        if progress is not None and hasattr(self.embedder, "cache"):
            return np.asarray(embed(texts, progress=progress))
        vectors = np.asarray(embed(texts))
        if progress is not None:
            progress(len(texts))
        return vectors

    def _write_journaled(
        self, ids: list[str], docs: list[str], metas: list[dict[str, Any]],
        vectors: np.ndarray, old_hash: dict[str, Any], progress: Progress | None,
    ) -> None:
        try:
            journaled_upsert(
                self.data_dir, self.partners, Batch(ids, docs, metas, vectors),
                new_ids={i for i in ids if i not in old_hash},
                dimension=self.embedder.dimension, batch_size=self.batch_size,
                before_batch=self.before_batch, progress=progress,
            )
        except BaseException:
            self._rollback()
            raise
        self._bump_generation(self.partners)

    def index_documents(self, chunks: Sequence[Chunk], progress: Progress | None = None
                        ) -> WriteReport:
        """Make the framework collection hold exactly ``chunks`` (idempotent).

        New and changed chunks are embedded and upserted under their stable ids; chunks no
        longer produced (a changed or removed document) are deleted.
        """
        with write_lock(self.data_dir, self.lock_timeout):
            stored = self.knowledge.get(include=["metadatas"])
            old_hash = {i: m.get("hash") for i, m in
                        zip(stored["ids"], stored["metadatas"], strict=True)}
            wanted = {c.chunk_id for c in chunks}
            todo = [c for c in chunks if old_hash.get(c.chunk_id) != c.content_hash]
            stale = [i for i in old_hash if i not in wanted]
            report = WriteReport(unchanged=len(chunks) - len(todo), deleted=len(stale))
            report.updated = sum(1 for c in todo if c.chunk_id in old_hash)
            report.added = len(todo) - report.updated
            if todo:
                vectors = self._embed([c.embed_text for c in todo], progress)
                self.knowledge.upsert(
                    ids=[c.chunk_id for c in todo], documents=[c.text for c in todo],
                    embeddings=vectors,
                    metadatas=[{"doc_id": c.doc_id, "title": c.title, "section": c.section,
                                "source": c.source, "index": c.index, "hash": c.content_hash}
                               for c in todo],
                )
            if stale:
                self.knowledge.delete(ids=stale)
            return report

    def rebuild(self) -> list[Partner]:
        """Drop both collections and recreate them for the current embedder.

        Returns:
            The partners that were stored, for the caller to re-upsert (re-embedded).
        """
        with write_lock(self.data_dir, self.lock_timeout):
            self._rollback()
            kept = self.all_partners()
            for name in (KNOWLEDGE, PARTNERS):
                self.client.delete_collection(name)
            self.knowledge = self._collection(KNOWLEDGE)
            self.partners = self._collection(PARTNERS)
            self._index = None
        return kept

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
        total = self.knowledge.count()
        if total == 0:
            return []
        got = self.knowledge.query(
            query_embeddings=[self.embed_query(query)], n_results=min(k, total),
            include=["documents", "metadatas", "distances"],
        )
        return [
            Passage(doc_id=str(m["doc_id"]), title=str(m["title"]), section=str(m["section"]),
                    source=str(m.get("source", "")), text=str(doc), distance=float(dist),
                    chunk_id=str(cid))
            for cid, doc, m, dist in zip(got["ids"][0], got["documents"][0],
                                         got["metadatas"][0], got["distances"][0], strict=True)
        ]

    def partner_index(self) -> PartnerIndex:
        """The in-memory partner index, (re)loaded when missing or stale."""
        now = time.monotonic()
        if self._index is not None and now - self._checked_at < self.freshness_interval:
            return self._index
        self._checked_at = now
        current = self.client.get_collection(PARTNERS, embedding_function=None)
        if current.id != self.partners.id:  # another process ran `index --rebuild`
            self.partners = current
            self.knowledge = self.client.get_collection(KNOWLEDGE, embedding_function=None)
            self._index = None
            self.check_embedder()
        generation = str((current.metadata or {}).get("generation", ""))
        if self._index is not None and generation == self._generation:
            return self._index
        index = PartnerIndex(self.embedder.dimension)
        for got in pages(self.partners, ["embeddings", "metadatas"]):
            index.upsert(got["ids"], np.asarray(got["embeddings"], np.float32),
                         got["metadatas"])
        self._index, self._generation = index, generation
        return index

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
        index = self.partner_index()
        filters = {"tier": tier, "partner_type": partner_type, "region": region,
                   "industry": industry, "band": band}
        vector = self.embed_query(query)
        with one_blas_thread():
            hits = index.search(vector, k, filters)
        return [PartnerHit.from_payload(index.payloads[row], dist) for row, dist in hits]

    def get_partner(self, partner_id: str) -> Partner | None:
        """The partner with this id (case-insensitive), or None."""
        if not partner_id.strip():
            return None
        got = self.partners.get(ids=[partner_id.strip()], include=["metadatas"])
        if got["ids"]:
            return Partner.model_validate_json(str(got["metadatas"][0]["json"]))
        index = self.partner_index()
        wanted = partner_id.strip().lower()
        row = next((n for n, pid in enumerate(index.ids) if pid.lower() == wanted), None)
        return None if row is None else Partner.model_validate_json(index.payloads[row])

    def find_partners_by_name(self, name: str, limit: int = 5) -> list[tuple[Partner, float]]:
        """Partners whose names look like ``name`` (rapidfuzz WRatio, 0-100), best first."""
        index = self.partner_index()
        found = process.extract(name, index.names, scorer=fuzz.WRatio, limit=limit,
                                processor=lambda s: str(s).lower())
        return [(Partner.model_validate_json(index.payloads[row]), float(score))
                for _, score, row in found]

    def all_partners(self) -> list[Partner]:
        """Every stored partner, sorted by id."""
        partners = [Partner.model_validate_json(str(m["json"]))
                    for got in pages(self.partners, ["metadatas"]) for m in got["metadatas"]]
        return sorted(partners, key=lambda p: p.partner_id)
