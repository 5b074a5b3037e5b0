"""Embedding engines: ONNX matches NumPy and the shipped reference, caching, fallback, families."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge.chroma import legacy_family
from knowledge.embeddings import MINILM_NAME, MiniLMEmbedder, get_embedder
from knowledge.engines import (
    Engine,
    check_engine,
    exported_model,
    has_bf16_units,
    load_engine,
    model_dir,
    reference,
    weights_hash,
)
from knowledge.settings import Settings
from knowledge.store import Store
from tools.errors import FrameworkError

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ["Gold tier partners need a dedicated practice.", "ok",
         "Hospital cloud migration consultancy in EMEA " * 30]


@pytest.mark.slow
def test_onnx_engine_gives_the_numpy_vectors_and_passes_the_reference_check() -> None:
    onnx, numpy_engine = load_engine("onnx", 1), load_engine("numpy", 1)
    assert onnx.kind == "onnx" and onnx.checked >= 0.999
    ours, theirs = onnx.encode(TEXTS), numpy_engine.encode(TEXTS)
    assert ours.shape == (3, 384) and ours.dtype == np.float32
    assert float((ours * theirs).sum(axis=1).min()) > 0.9999
    texts, vectors = reference()
    assert float((onnx.encode(texts) * vectors).sum(axis=1).min()) >= 0.999


def test_bulk_embedding_runs_on_the_threads_the_settings_ask_for(tmp_path: Path) -> None:
    embedder = get_embedder(Settings(data_dir=tmp_path, embed_threads=2), cached=False)
    assert isinstance(embedder, MiniLMEmbedder) and embedder.threads == 2
    engine = embedder.loaded(embedder.threads)
    assert engine.runner.get_session_options().intra_op_num_threads == 2
    one = embedder.embed(TEXTS[:2])
    assert np.allclose(embedder.embed_many(TEXTS[:2]), one, atol=1e-5)


def test_the_export_is_cached_by_the_weights_hash(tmp_path: Path) -> None:
    weights = model_dir() / "model.safetensors"
    path = exported_model(weights, tmp_path)
    assert isinstance(path, Path) and path.parent == tmp_path
    assert path.name.startswith(f"minilm-{weights_hash(weights)[:16]}-g")
    stamp = path.stat().st_mtime_ns
    assert exported_model(weights, tmp_path) == path and path.stat().st_mtime_ns == stamp
    assert (tmp_path / "weights.json").exists()  # the hash is not recomputed each start
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.slow
def test_a_broken_onnx_model_falls_back_to_numpy_with_one_line(tmp_path: Path) -> None:
    weights = model_dir() / "model.safetensors"
    name = f"minilm-{weights_hash(weights)[:16]}-g1.onnx"
    (tmp_path / name).write_bytes(b"not an onnx model")
    code = ("import sys; from pathlib import Path; from knowledge.embeddings import "
            "MiniLMEmbedder; e = MiniLMEmbedder(cache_dir=Path(sys.argv[1])); "
            "v = e.embed(['a partner']); print(e.loaded().kind, v.shape)")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["numpy", "(1,", "384)"]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("note: the ONNX embedding engine is "
                                                   "unavailable"), proc.stderr
    assert "Traceback" not in proc.stderr


class Drifted:
    """An engine runner whose vectors are not MiniLM's (what a broken build would give)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        rng = np.random.default_rng(0)
        out = rng.normal(size=(len(texts), 384))
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def test_an_engine_that_drifts_from_the_reference_is_refused() -> None:
    with pytest.raises(FrameworkError, match="drifted from the reference vectors"):
        check_engine(Engine("numpy", 1, Drifted()))


def test_bf16_units_are_read_from_the_cpu_flags(tmp_path: Path) -> None:
    with_units, without = tmp_path / "a", tmp_path / "b"
    with_units.write_text("flags\t\t: fpu avx512f avx512_bf16 amx_tile\n")
    without.write_text("flags\t\t: fpu avx2 avx512f\n")
    assert has_bf16_units(with_units) and not has_bf16_units(without)
    assert not has_bf16_units(tmp_path / "missing")


def test_bf16_vectors_are_a_family_of_their_own() -> None:
    fp32, bf16 = MiniLMEmbedder(), MiniLMEmbedder(engine="bf16")
    assert (fp32.family, fp32.name) == ("fp32", MINILM_NAME)
    assert bf16.family == "bf16" and bf16.name != MINILM_NAME
    assert legacy_family(MINILM_NAME) == "fp32" and legacy_family(bf16.name) == "bf16"
    assert legacy_family("openai:text-embedding-3-small") == "remote"


def test_a_store_of_another_engine_family_is_refused(indexed_copy: Path) -> None:
    settings = Settings(data_dir=indexed_copy, backend="offline")
    store = Store.open(settings)
    assert store.partners.metadata["engine_family"] == "fp32"
    with pytest.raises(FrameworkError, match=r"fp32 vectors but the bf16.*index --rebuild"):
        Store.open(settings, embedder=MiniLMEmbedder(engine="bf16"))


def test_a_store_from_before_families_counts_as_fp32(indexed_copy: Path) -> None:
    settings = Settings(data_dir=indexed_copy, backend="offline")
    store = Store.open(settings)
    for collection in (store.knowledge, store.partners):
        meta = {k: v for k, v in (collection.metadata or {}).items() if k != "engine_family"}
        collection.modify(metadata={**meta, "engine_family": ""})  # as an older build left it
    Store.open(settings).check_embedder()  # fp32 engine: accepted
    with pytest.raises(FrameworkError, match="fp32 vectors"):
        Store.open(settings, embedder=MiniLMEmbedder(engine="bf16"))


@pytest.mark.slow
def test_a_query_reuses_a_loaded_bulk_engine_instead_of_a_second_session() -> None:
    bulk = load_engine("onnx", 2)
    shared = load_engine("onnx", 3, reuse=True)
    assert shared.kind == "onnx" and shared.threads in (1, 2)  # no 3-thread session built
    assert load_engine("onnx", 2) is bulk
