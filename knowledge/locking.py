"""Write safety for the store: one writer at a time, and a rollback journal for imports.

**Lock.** Writers take ``<data_dir>/store.lock`` (a ``filelock`` lock, released when the
process dies). A second writer waits a few seconds, then gets a clear error naming the lock.

**Journal (atomic partner imports).** One partner is one Chroma record, so a partner is
never half-written; but an import writes in batches, and a crash between batches would leave
some partners new and some old. The journal, ``<data_dir>/journal/``, starts with a manifest
renamed into place (the commit point of the journal); then, before each batch is written,
the store saves the *previous* state of that batch's records (ids that are new, and the
document, metadata and vector of ids that exist) as a journal page, fsynced, whole or
absent. So memory stays one batch big however large the import (:class:`JournalWriter`).
After the last batch it deletes the journal. If the process dies in between, the next
:meth:`knowledge.store.Store.open` finds the journal, deletes the new ids and restores the
saved records of every page: the store is exactly as before the import. Rolling back is
idempotent, so a crash during recovery is also safe.
Readers in other processes see the pre-import records while the journal exists: they read
Chroma first and the journal second, and a batch's page is saved before the batch, so every
record they saw written has its page. The write generation of :mod:`knowledge.manifest` is
bumped after the first page is saved and again before the journal is cleared, so a reader
whose load overlapped a write can tell and load again.
Everything that can fail on bad input (parsing, validation) happens before the journal is
started; an embedding or store error mid-way rolls the written batches back.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from knowledge.manifest import bump, reached
from tools.errors import FrameworkError

MANIFEST = "manifest.json"
PAGE = 5000


@contextmanager
def write_lock(data_dir: Path, timeout: float = 5.0) -> Iterator[None]:
    """Hold the store's writer lock, or fail with a message saying who holds it.

    Raises:
        FrameworkError: When another process keeps the lock for ``timeout`` seconds.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "store.lock"
    lock = FileLock(str(path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise FrameworkError(
            "store",
            f"another partnerpilot process is writing to {data_dir} (lock {path}); "
            "wait for it to finish and try again",
        ) from None
    try:
        yield
    finally:
        lock.release()


@dataclass
class JournalEntry:
    """What a rollback needs: the collection, ids to delete, and records to put back."""

    collection: str
    new_ids: list[str]
    old_ids: list[str]
    old_documents: list[str]
    old_metadatas: list[dict[str, Any]]
    old_embeddings: np.ndarray


def _fsync_write(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def journal_dir(data_dir: Path) -> Path:
    """Where the journal lives."""
    return data_dir / "journal"


def start_journal(data_dir: Path, collection: str) -> None:
    """Begin an empty journal for ``collection`` (its manifest is the commit point)."""
    folder = journal_dir(data_dir)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    _fsync_write(folder / (MANIFEST + ".tmp"), json.dumps({"collection": collection,
                                                           "paged": True}).encode())
    os.replace(folder / (MANIFEST + ".tmp"), folder / MANIFEST)


def add_journal_page(data_dir: Path, number: int, entry: JournalEntry) -> None:
    """Save what one batch will overwrite, durably, before the batch is written.

    The page's vectors are written first; its JSON appears last, by an atomic rename, so a
    page is either whole or absent.
    """
    folder = journal_dir(data_dir)
    stem = f"page-{number:06d}"
    with open(folder / f"{stem}.npy", "wb") as handle:
        np.save(handle, np.asarray(entry.old_embeddings, dtype=np.float32))
        handle.flush()
        os.fsync(handle.fileno())
    payload = {"new_ids": entry.new_ids, "old_ids": entry.old_ids,
               "old_documents": entry.old_documents, "old_metadatas": entry.old_metadatas}
    _fsync_write(folder / f"{stem}.json.tmp", json.dumps(payload).encode())
    os.replace(folder / f"{stem}.json.tmp", folder / f"{stem}.json")


def write_journal(data_dir: Path, entry: JournalEntry) -> None:
    """Persist ``entry`` durably as a journal of one page."""
    start_journal(data_dir, entry.collection)
    add_journal_page(data_dir, 0, entry)


def read_journal(data_dir: Path) -> JournalEntry | None:
    """The pending journal (all its pages), or None when there is none.

    Raises:
        OSError, ValueError: When the journal is cleared while being read (readers retry).
    """
    folder = journal_dir(data_dir)
    manifest = folder / MANIFEST
    if not manifest.exists():
        return None
    payload = json.loads(manifest.read_text(encoding="utf-8"))
    entry = JournalEntry(payload["collection"], [], [], [], [],
                         np.zeros((0, 0), dtype=np.float32))
    vectors: list[np.ndarray] = []
    for page in sorted(folder.glob("page-*.json")):
        part = json.loads(page.read_text(encoding="utf-8"))
        entry.new_ids += part["new_ids"]
        entry.old_ids += part["old_ids"]
        entry.old_documents += part["old_documents"]
        entry.old_metadatas += part["old_metadatas"]
        old = np.load(page.with_suffix(".npy"))
        if len(old):
            vectors.append(old)
    if vectors:
        entry.old_embeddings = np.vstack(vectors)
    return entry


def clear_journal(data_dir: Path) -> None:
    """Delete the journal (the commit point of a finished import or rollback)."""
    manifest = journal_dir(data_dir) / MANIFEST
    if manifest.exists():
        manifest.unlink()
    shutil.rmtree(journal_dir(data_dir), ignore_errors=True)


def get_records(collection: Any, ids: Sequence[str], include: list[str]) -> dict[str, Any]:
    """Stored records for ``ids`` (as Chroma's ``get`` returns them), fetched in pages."""
    out: dict[str, Any] = {"ids": [], **{key: [] for key in include}}
    for start in range(0, len(ids), PAGE):
        got = collection.get(ids=list(ids[start : start + PAGE]), include=include)
        out["ids"].extend(got["ids"])
        for key in include:
            out[key].extend(list(got[key]))
    return out


@dataclass
class Batch:
    """Records to write: ids, documents, metadatas and vectors, aligned."""

    ids: list[str]
    documents: list[str]
    metadatas: list[dict[str, Any]]
    vectors: np.ndarray


class JournalWriter:
    """Writes batches to ``collection`` behind a paged rollback journal (see the module doc).

    Each batch's previous state is saved as a journal page before the batch is written, so
    memory stays one batch big however large the import. :meth:`finish` commits; on an
    exception the journal stays and the caller rolls back with :func:`rollback`.
    """

    def __init__(self, data_dir: Path, collection: Any, dimension: int,
                 before_batch: Callable[[int], None] | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.data_dir = data_dir
        self.collection = collection
        self.dimension = dimension
        self.before_batch = before_batch
        self.progress = progress
        self.pages = 0

    def write(self, batch: Batch, new_ids: set[str]) -> None:
        """Journal what ``batch`` overwrites (``new_ids`` are not stored yet), then write it."""
        old_ids = [i for i in batch.ids if i not in new_ids]
        previous = get_records(self.collection, old_ids, ["documents", "metadatas",
                                                          "embeddings"])
        if self.pages == 0:
            start_journal(self.data_dir, self.collection.name)
        add_journal_page(self.data_dir, self.pages, JournalEntry(
            self.collection.name, [i for i in batch.ids if i in new_ids], previous["ids"],
            previous["documents"], previous["metadatas"],
            np.asarray(previous["embeddings"], dtype=np.float32).reshape(-1, self.dimension),
        ))
        if self.pages == 0:
            reached("write:journal-saved")
            bump(self.data_dir)
        if self.before_batch is not None:
            self.before_batch(self.pages)
        self.pages += 1
        self.collection.upsert(ids=batch.ids, documents=batch.documents,
                               metadatas=batch.metadatas, embeddings=batch.vectors)
        if self.progress is not None:
            self.progress(len(batch.ids))
        reached("write:batch-written")

    def finish(self) -> None:
        """Commit: count the write and clear the journal (nothing to do if nothing was written)."""
        if self.pages == 0:
            return
        bump(self.data_dir)
        reached("write:batches-done")
        clear_journal(self.data_dir)


def journaled_upsert(
    data_dir: Path, collection: Any, batch: Batch, new_ids: set[str], dimension: int,
    batch_size: int, before_batch: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Write ``batch`` in slices of ``batch_size`` through a :class:`JournalWriter`."""
    writer = JournalWriter(data_dir, collection, dimension, before_batch, progress)
    for start in range(0, len(batch.ids), batch_size):
        end = start + batch_size
        writer.write(Batch(batch.ids[start:end], batch.documents[start:end],
                           batch.metadatas[start:end], batch.vectors[start:end]), new_ids)
    writer.finish()


def rollback(data_dir: Path, collection: Any, batch_size: int) -> bool:
    """Undo the journaled write on ``collection`` (idempotent); False when there is none."""
    entry = read_journal(data_dir)
    if entry is None:
        return False
    for start in range(0, len(entry.new_ids), batch_size):
        collection.delete(ids=entry.new_ids[start : start + batch_size])
    for start in range(0, len(entry.old_ids), batch_size):
        end = start + batch_size
        collection.upsert(
            ids=entry.old_ids[start:end], documents=entry.old_documents[start:end],
            metadatas=entry.old_metadatas[start:end], embeddings=entry.old_embeddings[start:end],
        )
    bump(data_dir)
    clear_journal(data_dir)
    return True
