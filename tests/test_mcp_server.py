"""``partnerpilot mcp`` over stdio and over streamable HTTP, driven by the ``mcp`` SDK's client.

One server process per transport for the module: a scripted client session runs every
request once and the tests check what came back.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client
from pydantic import AnyUrl
from serve_server import Running, copy_store, serve_env, start
from ui_server import BIN, ROOT

from agent.registry import TOOLS

pytestmark = pytest.mark.server

SCORE_ARGS = {"icp_overlap": 82, "market_influence": 68, "practice_alignment": 74,
              "partnership_appetite": 55, "revenue_potential": 61}
TIER_ARGS = {"annual_pipeline_usd": 1700000, "certified_individuals": 3}


async def _script(session: ClientSession) -> dict[str, Any]:
    await session.initialize()
    out: dict[str, Any] = {}
    out["tools"] = (await session.list_tools()).tools
    out["score"] = await session.call_tool("score_partner", SCORE_ARGS)
    out["tier"] = await session.call_tool("check_tier", TIER_ARGS)
    out["bad"] = await session.call_tool("score_partner", {**SCORE_ARGS, "icp_overlap": 120})
    out["unknown"] = await session.call_tool("no_such_tool", {})
    out["resources"] = (await session.list_resources()).resources
    out["knowledge"] = await session.read_resource(AnyUrl("partnerpilot://knowledge/tier-movement"))
    out["prompts"] = (await session.list_prompts()).prompts
    out["prompt"] = await session.get_prompt("draft-term-sheet", {"company": "Northwind"})
    out["draft"] = await session.call_tool("draft_governance_playbook",
                                           {"company": "Northwind Analytics"})
    link = next(c for c in out["draft"].content if c.type == "resource_link")
    out["docx"] = await session.read_resource(link.uri)
    out["still_up"] = (await session.list_tools()).tools
    return out


@pytest.fixture(scope="module")
def data_dir(indexed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(indexed_dir, tmp_path_factory.mktemp("mcp") / "data")


@pytest.fixture(scope="module")
def stdio_run(data_dir: Path) -> dict[str, Any]:
    env = serve_env(data_dir)
    params = StdioServerParameters(command=str(BIN / "partnerpilot"), args=["mcp"], env=env,
                                   cwd=str(ROOT))
    errlog = (data_dir.parent / "mcp-stdio.log").open("w")

    async def run() -> dict[str, Any]:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                return await _script(session)

    try:
        return anyio.run(run)
    finally:
        errlog.close()


@pytest.fixture(scope="module")
def http_server(data_dir: Path) -> Iterator[Running]:
    running = start(["mcp", "--http"], serve_env(data_dir), data_dir.parent / "mcp-http.log",
                    "/mcp")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def http_run(http_server: Running) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        async with streamablehttp_client(http_server.url + "/mcp") as (read, write, _):
            async with ClientSession(read, write) as session:
                return await _script(session)

    return anyio.run(run)


@pytest.fixture(params=["stdio", "http"])
def run(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(request.getfixturevalue(f"{request.param}_run"))


def _cli_json(*args: str, data_dir: Path) -> Any:
    proc = subprocess.run([str(BIN / "partnerpilot"), *args, "--json"], cwd=ROOT,
                          env=serve_env(data_dir), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_registry_tool_is_listed_with_the_same_schema(run: dict[str, Any]) -> None:
    listed = {t.name: t for t in run["tools"]}
    assert list(listed) == list(TOOLS)
    for name, spec in TOOLS.items():
        assert listed[name].inputSchema == spec.json_schema(), name
        assert listed[name].description == spec.description


def test_score_partner_matches_the_cli_json(run: dict[str, Any], data_dir: Path) -> None:
    result = run["score"]
    assert not result.isError
    cli = _cli_json("score", "--icp-overlap", "82", "--market-influence", "68",
                    "--practice-alignment", "74", "--partnership-appetite", "55",
                    "--revenue-potential", "61", data_dir=data_dir)
    assert result.structuredContent["result"] == cli
    assert "score_partner" in result.content[0].text


def test_check_tier_matches_the_cli_json(run: dict[str, Any], data_dir: Path) -> None:
    result = run["tier"]
    assert not result.isError
    cli = _cli_json("tier", "check", "--pipeline-usd", "1.7M", "--certified", "3",
                    data_dir=data_dir)
    got = result.structuredContent
    for key, value in cli.items():
        assert got[key] == value, key
    assert "tier=gold" in result.content[0].text


def test_a_bad_argument_is_a_tool_error_not_a_crash(run: dict[str, Any]) -> None:
    bad = run["bad"]
    assert bad.isError
    assert bad.content[0].text.startswith("error: icp_overlap:")
    assert run["unknown"].isError and "unknown tool" in run["unknown"].content[0].text
    assert [t.name for t in run["still_up"]] == list(TOOLS)


def test_knowledge_and_partners_are_resources(run: dict[str, Any]) -> None:
    uris = {str(r.uri) for r in run["resources"]}
    assert "partnerpilot://knowledge/tier-movement" in uris
    assert sum(u.startswith("partnerpilot://partners/") for u in uris) == 72
    text = run["knowledge"].contents[0].text
    assert "Demotion after two consecutive misses" in text


def test_drafting_kinds_are_prompts(run: dict[str, Any]) -> None:
    names = {p.name for p in run["prompts"]}
    assert {"draft-thesis", "draft-term-sheet", "draft-governance-playbook"} <= names
    message = run["prompt"].messages[0].content.text
    assert "draft_term_sheet" in message and "company: Northwind" in message


def test_a_draft_is_markdown_with_a_link_to_its_docx(run: dict[str, Any]) -> None:
    draft = run["draft"]
    assert not draft.isError
    kinds = [c.type for c in draft.content]
    assert kinds == ["text", "resource_link"]
    assert "RACI" in draft.content[0].text
    assert "/" not in json.dumps(draft.structuredContent.get("docx_path"))
    blob = run["docx"].contents[0].blob
    assert base64.b64decode(blob)[:2] == b"PK"  # a DOCX is a zip


def test_http_refuses_a_foreign_origin(http_server: Running) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"}}}
    headers = {"Accept": "application/json, text/event-stream"}
    evil = httpx.post(http_server.url + "/mcp/", json=body, timeout=30,
                      headers={**headers, "Origin": "http://evil.example"})
    assert evil.status_code == 403
    good = httpx.post(http_server.url + "/mcp/", json=body, timeout=30,
                      headers={**headers, "Origin": http_server.url})
    assert good.status_code == 200


def test_mcp_http_refuses_a_non_loopback_host(data_dir: Path) -> None:
    proc = subprocess.run([str(BIN / "partnerpilot"), "mcp", "--http", "--host", "0.0.0.0"],
                          cwd=ROOT, env=serve_env(data_dir), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: host: the MCP server binds to loopback only (got 0.0.0.0)"
