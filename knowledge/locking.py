"""Write safety for the store: one writer at a time, and a rollback journal for imports.

**Lock.** Writers take ``<data_dir>/store.lock`` (a ``filelock`` lock, released when the
process dies). A second writer waits a few seconds, then gets a clear error naming the lock.

**Journal (atomic partner imports).** One partner is one Chroma record, so a partner is
never half-written; but an import writes in batches, and a crash between batches would leave
some partners new and some old. Before the first write, the store saves the *previous*
state of every record it is about to touch (ids that are new, and the document, metadata
and vector of ids that exist) into ``<data_dir>/journal/``, fsyncs it, and renames the
manifest into place (the commit point of the journal). After the last batch it deletes the
journal. If the process dies in between, the next :meth:`knowledge.store.Store.open` finds
the journal, deletes the new ids and restores the saved records: the store is exactly as
before the import. Rolling back is idempotent, so a crash during recovery is also safe.
Readers in other processes see the pre-import records while the journal exists (they lay it
over what Chroma returns), and the write generation of :mod:`knowledge.manifest` is bumped
after the journal is saved and again before it is cleared, so a reader whose load overlapped
a write can tell and load again.
Everything that can fail on bad input (parsing, validation, embedding) happens before the
journal is written, so the only failures left are crashes and store errors.
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


def write_journal(data_dir: Path, entry: JournalEntry) -> None:
    """Persist ``entry`` durably; the manifest appears last, by an atomic rename."""
    folder = journal_dir(data_dir)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with open(folder / "old.npy", "wb") as handle:
        np.save(handle, np.asarray(entry.old_embeddings, dtype=np.float32))
        handle.flush()
        os.fsync(handle.fileno())
    payload = {
        "collection": entry.collection, "new_ids": entry.new_ids, "old_ids": entry.old_ids,
        "old_documents": entry.old_documents, "old_metadatas": entry.old_metadatas,
    }
    _fsync_write(folder / (MANIFEST + ".tmp"), json.dumps(payload).encode())
    os.replace(folder / (MANIFEST + ".tmp"), folder / MANIFEST)


def read_journal(data_dir: Path) -> JournalEntry | None:
    """The pending journal, or None when there is none (or only a half-written one)."""
    folder = journal_dir(data_dir)
    manifest = folder / MANIFEST
    if not manifest.exists():
        return None
    payload = json.loads(manifest.read_text(encoding="utf-8"))
    embeddings = np.load(folder / "old.npy")
    return JournalEntry(
        collection=payload["collection"], new_ids=payload["new_ids"],
        old_ids=payload["old_ids"], old_documents=payload["old_documents"],
        old_metadatas=payload["old_metadatas"], old_embeddings=embeddings,
    )


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


def journaled_upsert(
    data_dir: Path, collection: Any, batch: Batch, new_ids: set[str], dimension: int,
    batch_size: int, before_batch: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Save the journal, upsert in batches, then clear the journal (see the module doc).

    On an exception the journal stays; the caller rolls back with :func:`rollback`.
    """
    old_ids = [i for i in batch.ids if i not in new_ids]
    previous = get_records(collection, old_ids, ["documents", "metadatas", "embeddings"])
    write_journal(data_dir, JournalEntry(
        collection.name, [i for i in batch.ids if i in new_ids], previous["ids"],
        previous["documents"], previous["metadatas"],
        np.asarray(previous["embeddings"], dtype=np.float32).reshape(-1, dimension),
    ))
    reached("write:journal-saved")
    bump(data_dir)
    for number, start in enumerate(range(0, len(batch.ids), batch_size)):
        if before_batch is not None:
            before_batch(number)
        end = start + batch_size
        collection.upsert(ids=batch.ids[start:end], documents=batch.documents[start:end],
                          metadatas=batch.metadatas[start:end],
                          embeddings=batch.vectors[start:end])
        if progress is not None:
            progress(len(batch.ids[start:end]))
        reached("write:batch-written")
    bump(data_dir)
    reached("write:batches-done")
    clear_journal(data_dir)


def rollback(data_dir: Path, collection: Any, batch_size: int) -> bool:
    """Undo the journaled write on ``collection`` (idempotent); False when there is none."""
    entry = read_journal(data_dir)
    if entry is None:
        return False
    if entry.new_ids:
        collection.delete(ids=entry.new_ids)
    for start in range(0, len(entry.old_ids), batch_size):
        end = start + batch_size
        collection.upsert(
            ids=entry.old_ids[start:end], documents=entry.old_documents[start:end],
            metadatas=entry.old_metadatas[start:end], embeddings=entry.old_embeddings[start:end],
        )
    bump(data_dir)
    clear_journal(data_dir)
    return True
