"""The LLM path over real HTTP, against a scripted OpenAI-compatible server on loopback.

The server answers as GPT-4o-class models do (SSE, tool-call arguments split over chunks,
parallel calls, text before calls, a final usage chunk), and as Ollama and vLLM do when a
model cannot take ``tools`` (their 400 bodies), when ``stream`` is ignored, and when a
tool call comes back as Hermes-style text. Driven through the agent and the real CLI
(``ask --json``, ``chat``, ``eval --backend openai``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_script import Reply, ScriptedServer, agent_for, completion, gpt_stream, serve
from typer.testing import CliRunner

from agent.backends import make_backend, make_chat_model
from agent.core import Agent
from agent.events import FinalAnswer, TextDelta, ToolCall
from agent.session import Session
from agent.toolset import Deps
from cli.main import app
from knowledge.settings import Settings, get_settings
from tools.errors import FrameworkError

pytestmark = pytest.mark.timeout(180)
CRITERIA = {"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
            "partnership_appetite": 60, "revenue_potential": 50}
SCORE = ("Score a prospect: ICP overlap 80, market influence 90, practice alignment 70, "
         "partnership appetite 60, revenue potential 50")
OLLAMA_NO_TOOLS = (400, {"error": {"message": "registry.ollama.ai/library/gemma2:2b does not "
                                   "support tools", "type": "api_error", "param": None,
                                   "code": None}})
VLLM_NO_TOOLS = (400, {"object": "error", "message": "\"auto\" tool choice requires "
                       "--enable-auto-tool-choice and --tool-call-parser to be set",
                       "type": "BadRequestError", "param": None, "code": 400})
__all__ = ["serve"]  # the fixture, imported from openai_script


def test_text_before_parallel_calls_and_usage(serve: Any, tmp_path: Path) -> None:
    weaker = {**CRITERIA, "revenue_potential": 50, "icp_overlap": 80, "market_influence": 60}
    server = serve(lambda n, body: gpt_stream("Let me score both.", [
        ("call_a", "score_partner", CRITERIA), ("call_b", "score_partner", weaker)]) if n == 1
        else gpt_stream("The first scores 74.5; the second 67.0."))
    events = list(agent_for(server, tmp_path).stream(
        SCORE + "; and the same with market influence 60", Session()))
    assert [e.call_id for e in events if isinstance(e, ToolCall)] == ["call_a", "call_b"]
    [final] = [e for e in events if isinstance(e, FinalAnswer)]
    assert final.text == "The first scores 74.5; the second 67.0."  # no "Let me score both."
    assert final.ungrounded == []
    assert final.usage == {"input_tokens": 240, "output_tokens": 60, "total_tokens": 300}
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert streamed.startswith("Let me score both.") and streamed.count("Let me") == 1
    first, second = server.requests
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert "tool_choice" not in first and len(first["tools"]) <= 5
    tool_replies = [m for m in second["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_replies] == ["call_a", "call_b"]
    assert '"score": 74.5' in tool_replies[0]["content"]


@pytest.mark.parametrize("rejection", [OLLAMA_NO_TOOLS, VLLM_NO_TOOLS], ids=["ollama", "vllm"])
def test_a_server_that_rejects_tools_gets_a_narrated_turn(serve: Any, tmp_path: Path,
                                                          rejection: Any) -> None:
    server = serve(lambda n, body: ("json", rejection) if "tools" in body
                   else gpt_stream("The prospect scores 74.5, secondary band."))
    agent = agent_for(server, tmp_path)
    session = Session()
    result = agent.run(SCORE, session)
    assert result.error is None
    assert [c["name"] for c in result.tool_calls] == ["score_partner"]  # the planner ran it
    assert result.tool_calls[0]["output"]["result"]["score"] == 74.5
    assert result.answer == "The prospect scores 74.5, secondary band."
    narration = server.requests[1]
    assert "tools" not in narration and '"score": 74.5' in narration["messages"][0]["content"]
    agent.run(SCORE, session)  # the next turn goes straight to narration
    assert len(server.requests) == 3 and "tools" not in server.requests[2]


def test_a_server_that_ignores_stream_is_read_whole(serve: Any, tmp_path: Path) -> None:
    server = serve(lambda n, body: completion("Partnerships grow revenue."))
    result = agent_for(server, tmp_path).run("Why partner?", Session())
    assert result.error is None and result.answer == "Partnerships grow revenue."
    assert server.requests[-1]["stream"] is False


def test_a_tool_call_written_as_text_is_run(serve: Any, tmp_path: Path) -> None:
    text = ('<tool_call>\n{"name": "score_partner", "arguments": ' + json.dumps(CRITERIA)
            + "}\n</tool_call>")
    server = serve(lambda n, body: gpt_stream(text) if n == 1 else gpt_stream("It is 74.5."))
    result = agent_for(server, tmp_path).run(SCORE, Session())
    assert [c["name"] for c in result.tool_calls] == ["score_partner"]
    assert result.answer == "It is 74.5."
    streamed = "".join(e.text for e in result.events if isinstance(e, TextDelta))
    assert "<tool_call>" not in streamed and "tool_call" not in result.answer


def test_an_unreadable_text_tool_call_is_refused_clearly(serve: Any, tmp_path: Path) -> None:
    server = serve(lambda n, body: gpt_stream('<tool_call>\n{"name": score_partner'))
    result = agent_for(server, tmp_path).run(SCORE, Session())
    assert result.tool_calls == [] and "could not be read as a call" in result.answer
    assert "<tool_call>" not in result.answer


def test_responses_api_names_still_use_chat_completions(serve: Any, tmp_path: Path) -> None:
    server = serve(lambda n, body: gpt_stream("Hello."))
    result = agent_for(server, tmp_path, model="gpt-5.1-codex").run("hi", Session())
    assert result.answer == "Hello." and server.paths == ["/v1/chat/completions"]
    assert server.requests[0]["model"] == "gpt-5.1-codex"


def test_an_empty_model_name_is_refused_naming_the_setting() -> None:
    with pytest.raises(FrameworkError) as raised:
        make_chat_model(Settings(model=" "), base_url="http://127.0.0.1:9/v1")
    assert raised.value.field == "model" and "PARTNERPILOT_MODEL" in str(raised.value)


@pytest.fixture
def cli_server(serve: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
               ) -> Iterator[ScriptedServer]:
    def script(n: int, body: dict[str, Any]) -> Reply:
        if body["messages"][-1]["role"] == "tool":
            return gpt_stream("The prospect scores 74.5 (secondary).")
        return gpt_stream("", [(f"call_{n}", "score_partner", CRITERIA)])

    server = serve(script)
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("PARTNERPILOT_MODEL", "gpt-4o")
    get_settings.cache_clear()
    yield server
    get_settings.cache_clear()


def test_cli_ask_json_runs_the_model_tool_call(cli_server: ScriptedServer) -> None:
    result = CliRunner().invoke(app, ["ask", SCORE, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == "openai" and data["error"] is None
    assert [c["name"] for c in data["tool_calls"]] == ["score_partner"]
    assert data["tool_calls"][0]["output"]["result"]["score"] == 74.5
    assert data["answer"] == "The prospect scores 74.5 (secondary)." and data["ungrounded"] == []


def test_cli_chat_runs_the_model_tool_call(cli_server: ScriptedServer) -> None:
    result = CliRunner().invoke(app, ["chat"], input=SCORE + "\nexit\n")
    assert result.exit_code == 0, result.output
    assert "score_partner" in result.output and "74.5 (secondary)" in result.output


def test_cli_eval_with_the_openai_backend(cli_server: ScriptedServer, tmp_path: Path) -> None:
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "llm.yaml").write_text(json.dumps({"suite": "llm", "cases": [{
        "id": "llm-score", "message": SCORE,
        "expect": {"tools": ["score_partner"], "facts": ["74.5"]}}]}), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "--backend", "openai", "--datasets", str(folder),
                                      "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["failed"] == [] and summary["backend"] == "openai"


def test_a_failing_model_falls_back_to_the_next_configured_one(serve: Any,
                                                               tmp_path: Path) -> None:
    def script(n: int, body: dict[str, Any]) -> Reply:
        if body["model"] == "gpt-4o":
            return "json", (503, {"error": {"message": "overloaded", "type": "server_error"}})
        return gpt_stream("Partners extend your reach.")

    server = serve(script)
    settings = Settings(data_dir=tmp_path, backend="openai", openai_base_url=server.base_url,
                        model="gpt-4o", max_retries=1, fallback_models="backup-a, backup-b")
    deps = Deps(settings, store=None)
    result = Agent(make_backend(settings, deps, backoff=0.0), deps).run("Why partner?",
                                                                        Session())
    assert result.error is None and result.answer == "Partners extend your reach."
    # the main model was retried once, then the first fallback answered
    assert [r["model"] for r in server.requests] == ["gpt-4o", "gpt-4o", "backup-a"]
