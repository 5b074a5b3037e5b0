"""Bulk partner writes in bounded memory: batches stream through embedding into the journal.

:func:`upsert_stream` takes partners in batches (an iterable, so a 100k import never holds
all its records): each batch is compared with the stored content hashes, its changed
records are embedded, and it is written behind a journal page
(:class:`knowledge.locking.JournalWriter`), all or nothing. Embedding runs in a worker thread
one batch ahead of the writes, so the embedder (ONNX Runtime on ``embed_threads`` threads,
releasing the GIL) and Chroma's writes overlap on the two cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.chroma import WriteReport, is_chroma_error
from knowledge.locking import Batch, JournalWriter, get_records, write_lock
from knowledge.records import partner_record
from tools.errors import FrameworkError
from tools.partners import Partner

#: A :class:`knowledge.store.Store` (typed loosely: the store imports this module).
Store = Any
Progress = Callable[[int], None]
Changed = list[tuple[list[str], np.ndarray, list[dict[str, Any]]]]
#: Up to this many changed partners, a loaded in-memory index is updated in place after the
#: commit; above, it is dropped and reloaded on the next read (bounded memory).
INDEX_UPDATE_MAX = 20_000


@dataclass
class _Prepared:
    ids: list[str]
    docs: list[str]
    metas: list[dict[str, Any]]
    new_ids: set[str]


def _prepare(store: Store, partners: Sequence[Partner], seen: set[str],
             report: WriteReport) -> _Prepared:
    ids = [p.partner_id for p in partners]
    for pid in ids:
        if pid in seen:
            raise FrameworkError("partner_id", "appears more than once", pid)
        seen.add(pid)
    old = get_records(store.partners, ids, ["metadatas"])
    old_hash = {i: m.get("hash") for i, m in zip(old["ids"], old["metadatas"], strict=True)}
    out = _Prepared([], [], [], set())
    for pid, partner in zip(ids, partners, strict=True):
        doc, meta = partner_record(partner)
        if old_hash.get(pid) == meta["hash"]:
            report.unchanged += 1
            continue
        if pid in old_hash:
            report.updated += 1
            report.updated_ids.append(pid)
        else:
            report.added += 1
            report.added_ids.append(pid)
            out.new_ids.add(pid)
        out.ids.append(pid)
        out.docs.append(doc)
        out.metas.append(meta)
    return out


def upsert_stream(store: Store, batches: Iterable[Sequence[Partner]],
                  progress: Progress | None = None, embed_progress: Progress | None = None
                  ) -> WriteReport:
    """Insert or replace partners by id, batch by batch, all or nothing (see the module doc).

    Raises:
        FrameworkError: On a duplicate id (anywhere in the stream), when another process
            holds the lock, or on a store error; nothing is changed then.
    """
    report = WriteReport()
    with write_lock(store.data_dir, store.lock_timeout):
        store._sync()
        store._rollback()
        writer = JournalWriter(store.data_dir, store.partners, store.embedder.dimension,
                               store.before_batch, progress)
        changed: Changed | None = []
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="embed") as pool:
                pending: tuple[Future[np.ndarray], _Prepared] | None = None
                seen: set[str] = set()
                for partners in batches:
                    prepared = _prepare(store, partners, seen, report)
                    if embed_progress is not None and len(partners) > len(prepared.ids):
                        embed_progress(len(partners) - len(prepared.ids))  # unchanged
                    if not prepared.ids:
                        continue
                    future = pool.submit(store._embed, prepared.docs, embed_progress)
                    if pending is not None:
                        changed = _write(writer, store.validated.invalid, *pending, changed)
                    pending = (future, prepared)
                if pending is not None:
                    changed = _write(writer, store.validated.invalid, *pending, changed)
            writer.finish()
        except BaseException as exc:
            store._rollback()
            if is_chroma_error(exc):  # a tool's caller gets a clear error, not chromadb's
                raise FrameworkError("store", f"cannot write to the store at "
                                     f"{store.data_dir}: {exc}; nothing was changed") from None
            raise
        if writer.pages:
            store._bump_generation(store.partners)
            store._wrote()
        _update_index(store, changed)
    return report


def _write(writer: JournalWriter, invalid: dict[str, str], future: Future[np.ndarray],
           prepared: _Prepared, changed: Changed | None) -> Changed | None:
    vectors = np.asarray(future.result(), dtype=np.float32)
    writer.write(Batch(prepared.ids, prepared.docs, prepared.metas, vectors), prepared.new_ids)
    for pid in prepared.ids:
        invalid.pop(pid, None)  # rewritten: valid now
    if changed is not None and sum(len(c[0]) for c in changed) + len(prepared.ids) \
            <= INDEX_UPDATE_MAX:
        changed.append((prepared.ids, vectors, prepared.metas))
        return changed
    return None


def _update_index(store: Store, changed: Changed | None) -> None:
    with store._mutex:
        if store._index is None:
            return
        if changed is None:
            store._index = None  # too many to keep twice: reloaded on the next read
            return
        for ids, vectors, metas in changed:
            store._index.upsert(ids, vectors, metas)
