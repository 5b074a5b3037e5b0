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
Everything that can fail on bad input (parsing, validation, embedding) happens before the
journal is written, so the only failures left are crashes and store errors.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from tools.errors import FrameworkError

MANIFEST = "manifest.json"


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
