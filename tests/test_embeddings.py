"""Embedders: local MiniLM (NumPy and torch paths agree), the cache, an OpenAI-style server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge.embeddings import (
    MINILM_NAME,
    CachedEmbedder,
    EmbeddingCache,
    MiniLMEmbedder,
    OpenAIEmbedder,
    _load_minilm,
    _load_numpy_minilm,
    cache_key,
    get_embedder,
    make_openai_client,
)
from knowledge.settings import Settings

TEXTS = [
    "Gold tier partners need a dedicated practice.",
    "A referral partner earns a one-off fee.",
    "Hospital cloud migration consultancy in EMEA " * 30,  # long: truncated at 256 tokens
    "ok",
]


@pytest.mark.slow  # imports torch and sentence-transformers: 15-30 s on two cores
def test_numpy_forward_pass_matches_sentence_transformers() -> None:
    ours = _load_numpy_minilm().encode(TEXTS)
    reference = _load_minilm().encode(TEXTS, normalize_embeddings=True)
    cosines = (ours * reference).sum(axis=1)
    assert cosines.min() > 0.9999


def test_minilm_vectors_are_unit_float32_and_meaningful() -> None:
    embedder = MiniLMEmbedder()
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[1], embedder.embed([TEXTS[1]])[0]) or np.allclose(
        vectors[1], embedder.embed([TEXTS[1]])[0], atol=1e-5)
    query = embedder.embed(["what commission does a referral partner get"])[0]
    assert float(vectors[1] @ query) > float(vectors[0] @ query)
    assert embedder.embed([]).shape == (0, 384)
    assert embedder.name == MINILM_NAME and embedder.dimension == 384


def test_importing_the_module_loads_no_model() -> None:
    code = ("import sys, knowledge.embeddings, knowledge.store; "
            "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.split() == ["False", "False"]


class CountingEmbedder:
    """A real (if trivial) embedder: character histograms, counting what it is asked."""

    name = "char-histogram"
    dimension = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def embed(self, texts: Any) -> np.ndarray:
        self.seen.extend(texts)
        rows = [[sum(ord(c) % 8 == i for c in t) + 1 for i in range(8)] for t in texts]
        out = np.asarray(rows, dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_cache_embeds_each_text_once_across_processes_and_keys_by_model(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"), chunk_size=2)
    first = cached.embed(["a", "b", "a", "c"])
    assert sorted(inner.seen) == ["a", "b", "c"]
    done: list[int] = []
    second = CachedEmbedder(inner, EmbeddingCache(tmp_path / "cache.sqlite"))
    again = second.embed(["c", "a", "b", "a"], progress=done.append)
    assert np.array_equal(again, first[[3, 0, 1, 0]])
    assert len(inner.seen) == 3 and (second.hits, second.misses) == (4, 0)
    assert sum(done) == 4
    assert cache_key("m1", "a") != cache_key("m2", "a")


class FakeEmbeddingsHandler(BaseHTTPRequestHandler):
    """A tiny OpenAI-compatible /v1/embeddings endpoint (answers in reverse order)."""

    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"path": self.path, "body": body,
                                    "auth": self.headers.get("Authorization")})
        data = [{"object": "embedding", "index": i,
                 "embedding": [float(len(text)), 3.0, 4.0 if "x" in text else 0.0]}
                for i, text in enumerate(body["input"])]
        payload = json.dumps({"object": "list", "data": data[::-1], "model": body["model"],
                              "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def embeddings_server() -> Iterator[str]:
    FakeEmbeddingsHandler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEmbeddingsHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_openai_embedder_against_a_local_endpoint(embeddings_server: str, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedder="openai", embedding_model="tiny-embed",
                        openai_base_url=embeddings_server, openai_api_key="sk-test",
                        max_retries=0)
    embedder = OpenAIEmbedder(make_openai_client(settings), "tiny-embed", batch_size=2)
    assert embedder.dimension == 3  # probed with one request
    vectors = embedder.embed(["abc", "x", "hello"])
    expected = np.array([[3, 3, 0], [1, 3, 4], [5, 3, 0]], dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert np.allclose(vectors, expected, atol=1e-6)
    calls = FakeEmbeddingsHandler.requests
    assert [c["body"]["input"] for c in calls] == [["dimension probe"], ["abc", "x"], ["hello"]]
    assert calls[0]["path"] == "/v1/embeddings" and calls[0]["auth"] == "Bearer sk-test"
    wrapped = get_embedder(settings)
    assert wrapped.name == "openai:tiny-embed"
    wrapped.embed(["abc"])
    wrapped.embed(["abc"])
    assert len(FakeEmbeddingsHandler.requests) == 4  # the second call came from the cache
