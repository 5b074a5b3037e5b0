"""Shared test set-up: no test may reach a real model or a hub by accident.

The fixtures below build one real Chroma store (framework documents and sample partners,
embedded with MiniLM) once per test session, so the test files that need a full store no
longer embed the same 155 texts each:

* ``indexed_dir``: the data folder of that store; never write to it.
* ``indexed_store``: the store itself, opened once; read only.
* ``indexed_agent``: the offline agent on that store, warmed up once; read only.
* ``indexed_copy``: a private copy of the data folder for a test that writes.
* ``warm_data_dir``: an empty data folder whose embedding cache already holds every
  vector of the full store, for a test that indexes by itself (``partnerpilot index``).

MiniLM is loaded once per process (``knowledge.embeddings`` caches the model), and each
text's vector is memoised (``_one_vector_per_text``): in memory for the session, and in a
SQLite file beside the shared ONNX graph for the next session, so a test file that builds
its own store from the same documents does not embed them again, and a second run embeds
only new texts. It is the on-disk embedding cache's job, done across data folders and
runs; the vectors are the model's own. ``PARTNERPILOT_TEST_VECTORS=off`` gives a cold run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# One exported ONNX graph per test run, shared by the workers and their subprocesses
# (the product caches it per data folder; tests make hundreds of folders).
os.environ.setdefault("PARTNERPILOT_MODEL_CACHE", os.path.join(
    tempfile.gettempdir(), f"partnerpilot-test-models-{os.getuid()}"))
for _key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTNERPILOT_BACKEND", "CHROMA_HOST"):
    os.environ.pop(_key, None)

import numpy as np  # noqa: E402 (after the offline flags above)
from promptfoo_pin import install_in_background  # noqa: E402

from agent.core import Agent  # noqa: E402
from agent.planner import OfflinePlanner  # noqa: E402
from agent.toolset import Deps  # noqa: E402
from knowledge.embeddings import MiniLMEmbedder  # noqa: E402
from knowledge.indexing import ensure_index  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import Store  # noqa: E402

EMBEDDING_CACHE = "embeddings.sqlite"
#: Test files by weight, heaviest first: one that drives Chromium, one that starts a server
#: or a model, one with a whole-suite run; then a file with a ``late`` test (it waits for
#: what :func:`pytest_collection_finish` started in the background, ready by then); then the
#: rest. The Makefile passes ``--no-loadscope-reorder``: xdist would otherwise hand out the
#: files with the most tests first and leave a heavy file with few tests for the end.
WEIGHTS = ("browser", "server", "live", "slow")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the heavy files first, each file's tests still together and in their order.

    The workers take one file at a time (``--dist loadfile``); a heavy file taken last kept
    one worker busy alone for half a minute or more at the end of ``make test``.
    """
    def weight(item: pytest.Item) -> int:
        return next((n for n, mark in enumerate(WEIGHTS) if item.get_closest_marker(mark)),
                    len(WEIGHTS) + 1)

    files: dict[str, int] = {}
    late = {item.nodeid.split("::", 1)[0] for item in items if item.get_closest_marker("late")}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        files[path] = (len(WEIGHTS) if path in late
                       else min(files.get(path, len(WEIGHTS) + 1), weight(item)))
    items.sort(key=lambda item: files[item.nodeid.split("::", 1)[0]])


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the pinned promptfoo's install now when its live test is selected (one worker)."""
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") == "gw0" and any(
            item.get_closest_marker("late") and "promptfoo" in item.nodeid
            for item in session.items):
        install_in_background()


#: Texts whose vectors a session keeps on disk for the next one (hypothesis makes new texts
#: every run; past this many stored rows nothing new is added).
PERSISTED_VECTORS_MAX = 30_000


def _vector_file() -> Path | None:
    """The on-disk memo of vectors, keyed by the weights' hash; None when switched off.

    ``PARTNERPILOT_TEST_VECTORS=off`` gives a cold run: every text is embedded again.
    """
    if os.environ.get("PARTNERPILOT_TEST_VECTORS", "").lower() == "off":
        return None
    from knowledge.engines import model_dir, weights_hash

    cache = Path(os.environ["PARTNERPILOT_MODEL_CACHE"])
    cache.mkdir(parents=True, exist_ok=True)
    digest = weights_hash(model_dir() / "model.safetensors", cache)[:16]
    return cache / f"test-vectors-{digest}.sqlite"


def _read_vectors(path: Path | None) -> dict[tuple[str, str], np.ndarray]:
    if path is None or not path.exists():
        return {}
    db = sqlite3.connect(path, timeout=60)
    try:
        rows = db.execute("SELECT name, text, vector FROM vectors").fetchall()
    except sqlite3.DatabaseError:
        return {}  # an unreadable memo is only a slower run
    finally:
        db.close()
    return {(name, text): np.frombuffer(blob, dtype=np.float32) for name, text, blob in rows}


def _write_vectors(path: Path | None, fresh: dict[tuple[str, str], np.ndarray]) -> None:
    if path is None or not fresh:
        return
    db = sqlite3.connect(path, timeout=60)
    try:
        with db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (name TEXT, text TEXT, vector BLOB, "
                       "PRIMARY KEY (name, text))")
            (stored,) = db.execute("SELECT COUNT(*) FROM vectors").fetchone()
            room = max(0, PERSISTED_VECTORS_MAX - stored)
            db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)",
                           [(name, text, vector.astype(np.float32).tobytes())
                            for (name, text), vector in list(fresh.items())[:room]])
    finally:
        db.close()


@pytest.fixture(scope="session", autouse=True)
def _one_vector_per_text() -> Iterator[None]:
    """Embed each distinct text with MiniLM once (see the module docstring).

    The vectors are the model's own, memoised by model name and text, in memory for the
    session and on disk for the next session (:func:`_vector_file`), as the product's
    embedding cache does across data folders. Tests of the engines call them directly.
    """
    path = _vector_file()
    vectors = _read_vectors(path)
    fresh: dict[tuple[str, str], np.ndarray] = {}
    originals = {"embed": MiniLMEmbedder.embed, "embed_many": MiniLMEmbedder.embed_many}

    def memoised(original: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        def embed(self: MiniLMEmbedder, texts: Sequence[str]) -> np.ndarray:
            if not texts:
                return original(self, texts)
            name = self.name
            missing = list(dict.fromkeys(t for t in texts if (name, t) not in vectors))
            if missing:
                new = dict(zip([(name, t) for t in missing], original(self, missing),
                               strict=True))
                vectors.update(new)
                fresh.update(new)
            return np.vstack([vectors[name, t] for t in texts]).astype(np.float32, copy=False)

        return embed

    for attr, original in originals.items():
        setattr(MiniLMEmbedder, attr, memoised(original))
    yield
    for attr, original in originals.items():
        setattr(MiniLMEmbedder, attr, original)
    _write_vectors(path, fresh)


@pytest.fixture(scope="session")
def indexed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("indexed") / "data"
    counts = ensure_index(Store.open(Settings(data_dir=folder, backend="offline")))
    assert counts["chunks"] > 0 and counts["partners"] == 72
    return folder


@pytest.fixture(scope="session")
def indexed_store(indexed_dir: Path) -> Store:
    return Store.open(Settings(data_dir=indexed_dir, backend="offline"))


@pytest.fixture(scope="session")
def indexed_agent(indexed_dir: Path, indexed_store: Store,
                  tmp_path_factory: pytest.TempPathFactory) -> Agent:
    """The offline agent on the shared indexed store, warmed up (read only).

    The documents it drafts go to a folder of its own.
    """
    settings = Settings(data_dir=indexed_dir, backend="offline")
    deps = Deps(settings, store=indexed_store,
                output_dir=tmp_path_factory.mktemp("indexed-agent") / "documents")
    planner = OfflinePlanner(deps)
    planner.warm_up()
    return Agent(planner, deps)


@pytest.fixture
def indexed_copy(indexed_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(indexed_dir, copy)
    return copy


def copy_embedding_cache(source_dir: Path, target_dir: Path) -> None:
    """Copy the SQLite embedding cache consistently (the source may still be open)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(source_dir / EMBEDDING_CACHE)
    target = sqlite3.connect(target_dir / EMBEDDING_CACHE)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


@pytest.fixture(scope="session")
def warm_cache(indexed_dir: Path) -> Callable[[Path], Path]:
    """Fill a data folder's embedding cache with every vector of the session store."""

    def fill(folder: Path) -> Path:
        copy_embedding_cache(indexed_dir, folder)
        return folder

    return fill


@pytest.fixture
def warm_data_dir(warm_cache: Callable[[Path], Path], tmp_path: Path) -> Path:
    return warm_cache(tmp_path / "warm-data")


@pytest.fixture
def retry_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays LangChain's ModelRetryMiddleware waits between retries, recorded, not slept."""
    from types import SimpleNamespace

    from langchain.agents.middleware import model_retry

    sleeps: list[float] = []
    monkeypatch.setattr(model_retry, "time", SimpleNamespace(sleep=sleeps.append))
    return sleeps
