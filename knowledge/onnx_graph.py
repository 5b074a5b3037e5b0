"""all-MiniLM-L6-v2 as an ONNX graph, written straight from the packaged weights.

Why not ``torch.onnx.export``: it needs torch (15-40 s to import here) at the first use of
every new data folder, and its TorchScript exporter is deprecated. The model is a six-layer
BERT, the same few operations :mod:`knowledge.minilm` runs in NumPy, so this module writes
them as ONNX Runtime's fused CPU kernels (``Attention``, ``SkipLayerNormalization``,
``BiasGelu`` of the ``com.microsoft`` domain: the graph ORT's own BERT optimiser produces
from an exported model) into the ONNX protobuf format with a tiny encoder, no ``onnx``
package needed. The graph maps ``input_ids`` and ``attention_mask`` (int64, batch x length)
to the last hidden state; pooling and the L2 norm stay in NumPy. ``tests/test_onnx_engine.py``
checks the vectors against the NumPy path and the shipped reference vectors.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

#: Bump when the graph changes: it is part of the cached model's file name.
GRAPH_VERSION = 1
LAYERS = 6
HEADS = 12
EPS = 1e-12
_FLOAT, _INT32, _INT64 = 1, 6, 7  # TensorProto.DataType
_ATTR_FLOAT, _ATTR_INT, _ATTR_INTS = 1, 2, 7  # AttributeProto.AttributeType


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values are ten-byte varints
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _int(field: int, value: int) -> bytes:
    return _key(field, 0) + _varint(value)


def _bytes(field: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _key(field, 2) + _varint(len(data)) + data


def _float(field: int, value: float) -> bytes:
    return _key(field, 5) + struct.pack("<f", value)


def tensor(name: str, array: np.ndarray) -> bytes:
    """A ``TensorProto`` holding ``array`` (float32, int32 or int64) as raw little-endian data."""
    kinds = {np.dtype(np.float32): _FLOAT, np.dtype(np.int32): _INT32,
             np.dtype(np.int64): _INT64}
    data = np.ascontiguousarray(array)
    out = b"".join(_int(1, d) for d in data.shape)
    out += _int(2, kinds[data.dtype]) + _bytes(8, name)
    return out + _bytes(9, data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes())


def _attribute(name: str, value: float | int | list[int]) -> bytes:
    if isinstance(value, list):
        return _bytes(1, name) + b"".join(_int(8, v) for v in value) + _int(20, _ATTR_INTS)
    if isinstance(value, float):
        return _bytes(1, name) + _float(2, value) + _int(20, _ATTR_FLOAT)
    return _bytes(1, name) + _int(3, value) + _int(20, _ATTR_INT)


def node(op: str, inputs: Iterable[str], outputs: Iterable[str], domain: str = "",
         **attributes: float | int | list[int]) -> bytes:
    """A ``NodeProto``."""
    out = b"".join(_bytes(1, i) for i in inputs) + b"".join(_bytes(2, o) for o in outputs)
    out += _bytes(4, op)
    out += b"".join(_bytes(5, _attribute(k, v)) for k, v in attributes.items())
    return out + (_bytes(7, domain) if domain else b"")


def value_info(name: str, elem_type: int, dims: Iterable[int | str]) -> bytes:
    """A ``ValueInfoProto`` of a tensor whose dimensions are sizes or symbolic names."""
    shape = b"".join(_bytes(1, _int(1, d) if isinstance(d, int) else _bytes(2, d))
                     for d in dims)
    tensor_type = _int(1, elem_type) + _bytes(2, shape)
    return _bytes(1, name) + _bytes(2, _bytes(1, tensor_type))


def model(nodes: list[bytes], initializers: list[bytes], inputs: list[bytes],
          outputs: list[bytes], opsets: dict[str, int]) -> bytes:
    """A serialised ``ModelProto`` (IR version 8) with one graph."""
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, "minilm")
    graph += b"".join(_bytes(5, t) for t in initializers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    out = _int(1, 8) + _bytes(2, "partnerpilot") + _bytes(3, str(GRAPH_VERSION))
    out += b"".join(_bytes(8, _bytes(1, d) + _int(2, v)) for d, v in opsets.items())
    return out + _bytes(7, graph)


def minilm_graph(weights: Path) -> bytes:
    """The serialised ONNX model of the BERT encoder in ``weights`` (a ``model.safetensors``)."""
    w = load_file(str(weights))
    inits: list[bytes] = []
    nodes: list[bytes] = []

    def init(name: str, array: np.ndarray) -> str:
        inits.append(tensor(name, np.asarray(array)))
        return name

    init("word", w["embeddings.word_embeddings.weight"])
    init("position", w["embeddings.position_embeddings.weight"])
    init("type0", w["embeddings.token_type_embeddings.weight"][0])
    init("emb_g", w["embeddings.LayerNorm.weight"])
    init("emb_b", w["embeddings.LayerNorm.bias"])
    init("zero", np.array([0], dtype=np.int64))
    init("one", np.array([1], dtype=np.int64))
    nodes += [
        node("Shape", ["input_ids"], ["ids_shape"]),
        node("Gather", ["ids_shape", "one"], ["length"], axis=0),
        node("Slice", ["position", "zero", "length", "zero"], ["pos"]),
        node("Gather", ["word", "input_ids"], ["tok"], axis=0),
        node("Add", ["tok", "pos"], ["tok_pos"]),
        node("Add", ["tok_pos", "type0"], ["emb"]),
        node("LayerNormalization", ["emb", "emb_g", "emb_b"], ["x0"], axis=-1, epsilon=EPS),
        node("Cast", ["attention_mask"], ["mask32"], to=_INT32),
    ]
    x = "x0"
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        qkv_w = np.concatenate([w[p + f"attention.self.{n}.weight"]
                                for n in ("query", "key", "value")], axis=0).T
        qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"]
                                for n in ("query", "key", "value")])
        names = {k: f"l{i}_{k}" for k in ("qkv_w", "qkv_b", "o_w", "o_b", "g1", "b1", "i_w",
                                          "i_b", "f_w", "f_b", "g2", "b2")}
        init(names["qkv_w"], qkv_w)
        init(names["qkv_b"], qkv_b)
        init(names["o_w"], w[p + "attention.output.dense.weight"].T)
        init(names["o_b"], w[p + "attention.output.dense.bias"])
        init(names["g1"], w[p + "attention.output.LayerNorm.weight"])
        init(names["b1"], w[p + "attention.output.LayerNorm.bias"])
        init(names["i_w"], w[p + "intermediate.dense.weight"].T)
        init(names["i_b"], w[p + "intermediate.dense.bias"])
        init(names["f_w"], w[p + "output.dense.weight"].T)
        init(names["f_b"], w[p + "output.dense.bias"])
        init(names["g2"], w[p + "output.LayerNorm.weight"])
        init(names["b2"], w[p + "output.LayerNorm.bias"])
        nodes += [
            node("Attention", [x, names["qkv_w"], names["qkv_b"], "mask32"], [f"l{i}_ctx"],
                 domain="com.microsoft", num_heads=HEADS),
            node("MatMul", [f"l{i}_ctx", names["o_w"]], [f"l{i}_att"]),
            node("SkipLayerNormalization", [f"l{i}_att", x, names["g1"], names["b1"],
                                            names["o_b"]], [f"l{i}_h1"],
                 domain="com.microsoft", epsilon=EPS),
            node("MatMul", [f"l{i}_h1", names["i_w"]], [f"l{i}_up"]),
            node("BiasGelu", [f"l{i}_up", names["i_b"]], [f"l{i}_act"], domain="com.microsoft"),
            node("MatMul", [f"l{i}_act", names["f_w"]], [f"l{i}_down"]),
            node("SkipLayerNormalization", [f"l{i}_down", f"l{i}_h1", names["g2"], names["b2"],
                                            names["f_b"]], [f"l{i}_x"],
                 domain="com.microsoft", epsilon=EPS),
        ]
        x = f"l{i}_x"
    nodes.append(node("Identity", [x], ["hidden"]))
    inputs = [value_info("input_ids", _INT64, ["batch", "length"]),
              value_info("attention_mask", _INT64, ["batch", "length"])]
    outputs = [value_info("hidden", _FLOAT, ["batch", "length", int(w[
        "embeddings.word_embeddings.weight"].shape[1])])]
    return model(nodes, inits, inputs, outputs, {"": 17, "com.microsoft": 1})
