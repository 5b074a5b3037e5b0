"""Bulk imports stream: batch by batch behind a paged journal, never all records at once."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest

from knowledge.importer import import_file, scan_partners
from knowledge.locking import journal_dir, read_journal
from knowledge.settings import Settings
from knowledge.store import Store, warm
from knowledge.synth import iter_partners, write_csv, write_quarters_csv
from knowledge.tables import Limits
from tools.partners import Partner

N, BATCH = 60, 10


class HashEmbedder:
    """A real (if trivial) embedder: seeded unit vectors per text (the model is not the point)."""

    name = "hash-vectors"
    dimension = 16
    family = "fp32"

    def embed(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=16) for t in texts]
        out = np.asarray(rows, dtype=np.float32).reshape(-1, 16)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    partners, quarters = tmp_path / "partners.csv", tmp_path / "quarters.csv"
    write_csv(iter_partners(N, seed=3), partners)
    write_quarters_csv(iter_partners(N, seed=3), quarters)
    return partners, quarters


def live_partners() -> int:
    gc.collect()
    # type(), not isinstance(): Chainlit's context proxies raise when asked for __class__
    return sum(1 for o in gc.get_objects() if type(o) is Partner)


@pytest.mark.slow
def test_an_import_holds_one_batch_and_journals_it_before_writing(
        tmp_path: Path, files: tuple[Path, Path]) -> None:
    store = Store.open(Settings(data_dir=tmp_path / "data"), embedder=HashEmbedder())
    store.batch_size = BATCH
    seen: list[tuple[int, int, int]] = []

    def at_batch(number: int) -> None:
        pages = len(list(journal_dir(store.data_dir).glob("page-*.json")))
        seen.append((number, pages, live_partners()))

    store.before_batch = at_batch
    before = live_partners()
    report = import_file(store, files[0], history=files[1])
    assert report.added == N and store.counts()["partners"] == N
    assert [s[0] for s in seen] == list(range(N // BATCH))
    assert [s[1] for s in seen] == [n + 1 for n in range(N // BATCH)]  # one page per batch
    assert max(s[2] for s in seen) - before <= 3 * BATCH  # never all N partners at once
    assert read_journal(store.data_dir) is None


def test_a_failure_in_a_late_batch_rolls_every_batch_back(
        tmp_path: Path, files: tuple[Path, Path]) -> None:
    store = Store.open(Settings(data_dir=tmp_path / "data"), embedder=HashEmbedder())
    store.batch_size = BATCH

    def fail_late(number: int) -> None:
        if number == N // BATCH - 1:
            raise RuntimeError("injected failure in the last batch")

    store.before_batch = fail_late
    with pytest.raises(RuntimeError, match="injected"):
        import_file(store, files[0], history=files[1])
    assert store.counts()["partners"] == 0 and read_journal(store.data_dir) is None
    store.before_batch = None
    assert import_file(store, files[0], history=files[1]).added == N


def test_scan_validates_every_row_and_streams_the_same_partners(
        files: tuple[Path, Path]) -> None:
    scan = scan_partners(files[0], files[1], limits=Limits(max_rows=1000))
    assert scan.report.valid == N and not scan.report.issues
    streamed = [p for batch in scan.batches(7) for p in batch]
    assert [p.partner_id for p in streamed] == [p.partner_id for p in iter_partners(N, seed=3)]
    assert streamed == list(iter_partners(N, seed=3))  # history joined back from the quarters
    assert [len(b) for b in scan.batches(25)] == [25, 25, 10]


def test_warm_loads_the_engine_and_the_index(indexed_copy: Path) -> None:
    store = warm(Settings(data_dir=indexed_copy, backend="offline"))
    assert store._index is not None and len(store._index) == 72
    assert "partner" in store._queries
