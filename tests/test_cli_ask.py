"""``partnerpilot ask`` and ``chat``, driven through the real CLI app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai_script import ScriptedServer, gpt_stream, status_error
from typer.testing import CliRunner

from cli.main import app
from knowledge.settings import get_settings

pytestmark = pytest.mark.timeout(120)
runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PARTNERPILOT_MAX_RETRIES", "1")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def server(env: pytest.MonkeyPatch) -> Iterator[ScriptedServer]:
    with ScriptedServer(lambda n, _: gpt_stream("Partnerships grow revenue.")) as fault:
        env.setenv("OPENAI_BASE_URL", fault.base_url)
        get_settings.cache_clear()
        yield fault


def test_ask_json_with_the_openai_backend(server: ScriptedServer) -> None:
    result = runner.invoke(app, ["ask", "Why partner?", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["answer"] == "Partnerships grow revenue."
    assert data["backend"] == "openai"
    assert data["citations"] == [] and data["tool_calls"] == [] and data["documents"] == []
    assert server.requests[0]["messages"][-1] == {"role": "user", "content": "Why partner?"}


def test_ask_human_output_names_the_backend(server: ScriptedServer) -> None:
    result = runner.invoke(app, ["ask", "Why partner?"])
    assert result.exit_code == 0
    assert "Partnerships grow revenue." in result.stdout
    assert "answered by: openai" in result.stdout


def test_model_failure_exits_1_with_one_error_line(env: pytest.MonkeyPatch) -> None:
    with ScriptedServer(lambda n, _: status_error(500)) as fault:
        env.setenv("OPENAI_BASE_URL", fault.base_url)
        get_settings.cache_clear()
        result = runner.invoke(app, ["ask", "Why partner?"])
    assert result.exit_code == 1
    assert "error: the model server kept failing with a 5xx error" in result.stderr
    assert "Traceback" not in result.output


def test_bad_backend_and_empty_question_exit_2(env: pytest.MonkeyPatch) -> None:
    bad = runner.invoke(app, ["ask", "hi", "--backend", "gpt5"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: backend: ")
    empty = runner.invoke(app, ["ask", "  "])
    assert empty.exit_code == 2 and "error: question: must not be empty" in empty.stderr
    local = runner.invoke(app, ["ask", "hi", "--backend", "local"])
    assert local.exit_code == 2 and "error: gguf: " in local.stderr


def test_ask_offline_scores_with_the_tool(env: Any) -> None:
    result = runner.invoke(app, [
        "ask", "Score a partner with ICP overlap 80, market influence 90, practice alignment "
        "70, partnership appetite 60 and revenue potential 50", "--json", "--backend",
        "offline"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["backend"] == "offline"
    assert [c["name"] for c in data["tool_calls"]] == ["score_partner"]
    assert data["tool_calls"][0]["output"]["result"]["score"] == 74.5
    assert "74.5" in data["answer"] and data["ungrounded"] == []


def test_chat_streams_and_exits_on_exit(server: ScriptedServer) -> None:
    result = runner.invoke(app, ["chat"], input="Why partner?\nexit\n")
    assert result.exit_code == 0, result.output
    assert "answered by: openai" in result.stdout
    assert "Partnerships grow revenue." in result.stdout
    assert len(server.requests) == 1


def test_chat_ends_on_eof(server: ScriptedServer) -> None:
    result = runner.invoke(app, ["chat"], input="")
    assert result.exit_code == 0
    assert server.requests == []
