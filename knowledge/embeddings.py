"""Embedders: a local MiniLM model shipped in a PyPI package, or any OpenAI-compatible endpoint.

Both sit behind the small :class:`Embedder` protocol (``name``, ``dimension``,
``embed(texts)``) and return float32 rows of unit length, so cosine similarity is a dot
product. :class:`CachedEmbedder` wraps either with a persistent cache keyed by the sha256 of
the model name and the text: re-indexing or re-importing unchanged text embeds nothing.

Nothing is loaded at import time. The MiniLM model is loaded on first use and cached for the
life of the process; the OpenAI client is built by :func:`make_openai_client`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from knowledge.engines import (
    Engine,
    EngineKind,
    family_of,
    load_engine,
    load_sentence_transformer,
)
from tools.errors import FrameworkError

if TYPE_CHECKING:
    from knowledge.settings import Settings

MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIMENSION = 384
#: From this many texts to embed, use the inner embedder's bulk path (``embed_many``).
BULK_FROM = 256
#: Output sizes of well-known OpenAI embedding models (others are probed once).
OPENAI_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors."""

    @property
    def name(self) -> str:
        """Stable model name, stored in collection metadata and cache keys."""

    @property
    def dimension(self) -> int:
        """Length of each vector."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` into an ``(len(texts), dimension)`` float32 array."""

    def __hash__(self) -> int:
        """Embedders are hashable, so caches may be keyed by one (``lru_cache``)."""
        ...


def normalise(matrix: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit length (zero rows stay zero)."""
    out = np.asarray(matrix, dtype=np.float32)
    if out.ndim == 1:
        out = out.reshape(1, -1)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    from threadpoolctl import ThreadpoolController  # lazy: only searches pin BLAS threads

    return ThreadpoolController()


def one_blas_thread() -> Any:
    """Context manager running BLAS on one thread.

    Small products lose more to thread hand-offs (and, on a busy machine, to waiting for
    the second core) than they gain.
    """
    return _blas_controller().limit(limits=1, user_api="blas")


def _load_numpy_minilm() -> Any:
    """The NumPy forward pass over the packaged model files (see knowledge.minilm)."""
    return load_engine("numpy").runner


def _load_minilm() -> Any:
    """all-MiniLM-L6-v2 in sentence-transformers (torch fp32), for tests and the bench."""
    return load_sentence_transformer()


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 on the CPU, from the packaged weights (no network).

    The engine (:mod:`knowledge.engines`) is loaded on first use and checked against the
    shipped reference vectors: ONNX Runtime fp32 by default, NumPy when ONNX is unavailable,
    bf16 when asked for. Small calls (a search query) run on one thread, where hand-offs
    cost more than a second core gains; :meth:`embed_many` (bulk imports, rebuilds) runs on
    ``threads`` (a query reuses the bulk engine when it is loaded: one session, not two).
    fp32 engines give the same vectors (cosine 0.99999) and share the model
    name; bf16 vectors get their own name and family, so they are never mixed with them.

    Args:
        batch_size: Texts per forward pass.
        engine: ``auto`` (ONNX, else NumPy), ``onnx``, ``numpy`` or ``bf16``.
        threads: Threads for bulk embedding (:meth:`embed_many`).
        cache_dir: Where the exported ONNX graph is cached (None: built in memory).
    """

    def __init__(self, batch_size: int = 32, engine: EngineKind = "auto", threads: int = 1,
                 cache_dir: Path | None = None) -> None:
        self.batch_size = batch_size
        self.engine = engine
        self.threads = threads
        self.cache_dir = cache_dir

    @property
    def family(self) -> str:
        """The vector family: ``fp32`` (ONNX, NumPy) or ``bf16``."""
        return family_of(self.engine)

    @property
    def name(self) -> str:
        """Model name stored with the index (bf16 vectors are named apart)."""
        return MINILM_NAME if self.family == "fp32" else f"{MINILM_NAME}@{self.family}"

    @property
    def dimension(self) -> int:
        """384."""
        return MINILM_DIMENSION

    def loaded(self, threads: int = 1) -> Engine:
        """The checked engine for ``threads`` threads (loaded once per process)."""
        return load_engine(self.engine, threads, self.cache_dir)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts on one thread; returns unit-length float32 rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        engine = load_engine(self.engine, 1, self.cache_dir, reuse=True)
        with one_blas_thread():
            return normalise(engine.encode(list(texts)))

    def embed_many(self, texts: Sequence[str]) -> np.ndarray:
        """Embed a bulk of texts on :attr:`threads` threads."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalise(self.loaded(self.threads).encode(list(texts)))


def make_openai_client(settings: Settings) -> Any:
    """Build the OpenAI client for the embeddings endpoint (the one place it is built)."""
    from openai import OpenAI  # lazy: ~0.5 s, only the openai embedder needs it

    return OpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
    )


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint (OpenAI, vLLM, Ollama, llama.cpp).

    Args:
        client: An ``openai.OpenAI`` client (see :func:`make_openai_client`).
        model: Embedding model name sent to the endpoint.
        batch_size: Texts per request.
        dimension: Vector length, when known; otherwise probed with one request.
    """

    def __init__(
        self, client: Any, model: str, batch_size: int = 64, dimension: int | None = None
    ) -> None:
        self.client = client
        self.model = model
        self.batch_size = batch_size
        self._dimension = dimension or OPENAI_DIMENSIONS.get(model)

    @property
    def name(self) -> str:
        """``openai:<model>``."""
        return f"openai:{self.model}"

    @property
    def dimension(self) -> int:
        """Vector length (one probe request when the model is not a known one)."""
        if self._dimension is None:
            self._dimension = int(self._request(["dimension probe"]).shape[1])
        return self._dimension

    def _request(self, texts: list[str]) -> np.ndarray:
        response = self.client.embeddings.create(model=self.model, input=texts)
        rows = sorted(response.data, key=lambda item: item.index)
        if len(rows) != len(texts):
            raise FrameworkError(
                "embeddings", f"endpoint returned {len(rows)} vectors for {len(texts)} texts"
            )
        return normalise(np.array([row.embedding for row in rows], dtype=np.float32))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts in batches; returns unit-length float32 rows."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [
            self._request(list(texts[i : i + self.batch_size]))
            for i in range(0, len(texts), self.batch_size)
        ]
        out = np.vstack(parts)
        if self._dimension is None:
            self._dimension = int(out.shape[1])
        return out


def cache_key(model_name: str, text: str) -> str:
    """sha256 of the model name and the text: the embedding cache key."""
    return hashlib.sha256(f"{model_name}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    """A SQLite file of vectors keyed by :func:`cache_key` (safe for several processes).

    Args:
        path: The SQLite file (created with its folder when missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, v BLOB)"
            )

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30)
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors found for ``keys`` (missing keys are simply absent)."""
        found: dict[str, np.ndarray] = {}
        conn = self._connect()
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, v FROM vectors WHERE key IN ({marks})", chunk)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors (one transaction)."""
        rows = [(k, int(v.shape[0]), np.asarray(v, np.float32).tobytes()) for k, v in items.items()]
        with self._connect() as conn:
            conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM vectors").fetchone()[0])


class CachedEmbedder:
    """Wraps an embedder with :class:`EmbeddingCache`; only unseen texts reach the model.

    Args:
        inner: The embedder that computes vectors on a cache miss.
        cache: Where vectors persist.
        chunk_size: Texts embedded (and cached) per step, so progress shows and an
            interrupted run keeps what it already computed.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache, chunk_size: int = 1024) -> None:
        self.inner = inner
        self.cache = cache
        self.chunk_size = chunk_size
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The inner model's name."""
        return self.inner.name

    @property
    def family(self) -> str:
        """The inner model's vector family (``remote`` for an endpoint)."""
        return str(getattr(self.inner, "family", "remote"))

    @property
    def dimension(self) -> int:
        """The inner model's dimension."""
        return self.inner.dimension

    def embed(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Embed texts, reading cached vectors and computing the rest.

        Args:
            texts: The texts.
            progress: Called with the number of texts done after each step.
        """
        keys = [cache_key(self.name, text) for text in texts]
        found = self.cache.get_many(sorted(set(keys)))
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in found:
                first.setdefault(key, i)
        missing = sorted(first.values())
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if progress:
            progress(len(texts) - len(missing))
        bulk = getattr(self.inner, "embed_many", None)
        embed = bulk if bulk is not None and len(missing) >= BULK_FROM else self.inner.embed
        for start in range(0, len(missing), self.chunk_size):
            idx = missing[start : start + self.chunk_size]
            vectors = embed([texts[i] for i in idx])
            fresh = {keys[i]: vectors[n] for n, i in enumerate(idx)}
            self.cache.put_many(fresh)
            found.update(fresh)
            if progress:
                progress(len(idx))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([found[key] for key in keys]).astype(np.float32, copy=False)


def get_embedder(settings: Settings, cached: bool = True) -> Embedder:
    """The embedder the settings ask for, wrapped in the on-disk cache unless ``cached=False``.

    Args:
        settings: ``embedder`` picks ``minilm`` (local, default) or ``openai``
            (``embedding_model`` at ``OPENAI_BASE_URL``); ``data_dir`` holds the cache.
        cached: Wrap with the embedding cache under ``data_dir``.
    """
    inner: Embedder
    if settings.embedder == "openai":
        inner = OpenAIEmbedder(make_openai_client(settings), settings.embedding_model)
    else:
        models = settings.model_cache or Path(settings.data_dir) / "models"
        inner = MiniLMEmbedder(engine=settings.embed_engine, threads=settings.embed_threads,
                               cache_dir=models)
    if not cached:
        return inner
    return CachedEmbedder(inner, EmbeddingCache(Path(settings.data_dir) / "embeddings.sqlite"))
