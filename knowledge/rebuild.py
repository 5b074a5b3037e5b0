"""``partnerpilot index --rebuild``: re-embed everything aside, then switch (crash-safe).

The live collections are only read until the switch. The rebuild records the names it
builds (``rebuild.json``), builds new framework and partner collections under them, and
commits by replacing ``store.json`` (:mod:`knowledge.manifest`); only then are the old
collections deleted. Killed before the switch, the next open deletes the half-built
collections and the store is as it was; killed after it, the next open finishes the clean-up.
A stored partner that no longer validates is carried over as it was stored (re-embedded
from its stored text), so a rebuild never drops a record; the reads keep skipping it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from knowledge.chroma import (
    KNOWLEDGE,
    PARTNERS,
    WriteReport,
    is_chroma_error,
    open_collection,
    pages,
    sync_documents,
)
from knowledge.chunking import Chunk
from knowledge.locking import write_lock
from knowledge.manifest import (
    StoreState,
    clear_rebuild_marker,
    next_names,
    reached,
    read_rebuild_marker,
    read_state,
    write_rebuild_marker,
    write_state,
)
from knowledge.records import partner_record

#: A :class:`knowledge.store.Store` (typed loosely: the store imports this module).
Store = Any

Progress = Callable[[int], None]


def _ours(name: str) -> bool:
    return name in (KNOWLEDGE, PARTNERS) or name.startswith((f"{KNOWLEDGE}-", f"{PARTNERS}-"))


def drop_collections(client: Any, keep: StoreState | None, only: Sequence[str] = ()) -> None:
    """Delete our collections other than ``keep``'s (or just ``only``), if they exist."""
    names = list(only) or [c if isinstance(c, str) else c.name for c in client.list_collections()]
    for name in names:
        if not _ours(name) or (keep is not None and name in (keep.framework, keep.partners)):
            continue
        try:
            client.delete_collection(name)
        except Exception as exc:  # chromadb's NotFoundError: already gone
            if not is_chroma_error(exc):
                raise


def rebuild_store(store: Store, chunks: Sequence[Chunk], progress: Progress | None
                  ) -> tuple[list[str], WriteReport]:
    """Rebuild ``store`` for its current embedder (see the module doc).

    The partners are read, re-embedded and written one page at a time, so memory stays
    flat however many the store holds.

    Returns:
        The ids of the partners kept (all of them, re-embedded), and what indexing
        ``chunks`` did.

    Raises:
        FrameworkError: When another process holds the writer lock.
    """
    data_dir = store.data_dir
    with write_lock(data_dir, store.lock_timeout):
        store._sync()
        store._rollback()
        live = store._state
        new = next_names(live)
        write_rebuild_marker(data_dir, new)
        reached("rebuild:marked")
        framework = open_collection(store.client, new.framework, store.embedder)
        partners = open_collection(store.client, new.partners, store.embedder)
        report = sync_documents(framework, chunks, lambda texts: store._embed(texts, None))
        reached("rebuild:documents-built")
        kept: list[str] = []
        for got in pages(store.partners, ["documents", "metadatas"]):
            ids, docs, metas = _current_records(store, got)
            vectors = store._embed(docs, progress)
            for start in range(0, len(ids), store.batch_size):
                end = start + store.batch_size
                partners.upsert(ids=ids[start:end], documents=docs[start:end],
                                metadatas=metas[start:end], embeddings=vectors[start:end])
                reached("rebuild:partners-batch")
            kept.extend(ids)
        write_state(data_dir, new)  # the commit point
        reached("rebuild:switched")
        drop_collections(store.client, new)
        clear_rebuild_marker(data_dir)
        with store._mutex:
            store.knowledge, store.partners, store._index = framework, partners, None
        store._wrote()
    return sorted(kept), report


def _current_records(store: Store, got: dict[str, Any]
                     ) -> tuple[list[str], list[str], list[dict[str, Any]]]:
    """A page of stored partners as they are written today (an invalid one as it was)."""
    ids: list[str] = []
    docs: list[str] = []
    metas: list[dict[str, Any]] = []
    for pid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        partner = store.validated.parse(pid, str(meta.get("json", "")))
        if partner is not None:
            doc, meta = partner_record(partner)
        ids.append(pid)
        docs.append(str(doc))
        metas.append(dict(meta))
    return ids, docs, metas


def recover_rebuild(store: Store) -> str | None:
    """Finish or undo a rebuild a crash interrupted (lock held); what was done, in words."""
    marker = read_rebuild_marker(store.data_dir)
    if marker is None:
        return None
    live = read_state(store.data_dir)
    if (live.framework, live.partners) == (marker.framework, marker.partners):
        drop_collections(store.client, live)
        clear_rebuild_marker(store.data_dir)
        return ("finished an `index --rebuild` that was interrupted after it switched to "
                "the rebuilt collections")
    drop_collections(store.client, None, only=[marker.framework, marker.partners])
    clear_rebuild_marker(store.data_dir)
    return ("rolled back an `index --rebuild` that was interrupted; the store is as it was "
            f"before it ({store.partners.count()} partners): run it again")
