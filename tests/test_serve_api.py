"""``partnerpilot serve`` as a real process, driven by the real ``openai`` client (offline).

One server for the module: its data folder is a copy of the session's indexed store, its keys
come from PARTNERPILOT_API_KEYS (two members and a viewer).
"""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docx
import httpx
import openai
import pytest
from serve_server import Running, copy_store, serve_env, start

pytestmark = pytest.mark.server

KEYS = {"alice": "alice-secret-key", "bob": "bob-secret-key", "vera": "vera-secret-key"}
MODEL = "partnerpilot-offline"
SCORE = ("Score a prospect: ICP overlap 82, market influence 68, practice alignment 74, "
         "partnership appetite 55, revenue potential 61.")


@pytest.fixture(scope="module")
def server(indexed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = copy_store(indexed_dir, tmp_path_factory.mktemp("serve") / "data")
    env = serve_env(data, "alice=alice-secret-key, bob:member=bob-secret-key,"
                          "vera:viewer=sha256:" + __import__("hashlib").sha256(
                              KEYS["vera"].encode()).hexdigest())
    running = start(["serve", "--max-body", "20000"], env, data.parent / "serve.log", "/healthz")
    yield running
    running.stop()


def client(server: Running, who: str = "alice") -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url + "/v1", api_key=KEYS[who], max_retries=0,
                         timeout=300)


def ask(server: Running, text: str, who: str = "alice") -> Any:
    return client(server, who).chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": text}])


def extra(response: Any) -> dict[str, Any]:
    return dict(response.model_extra["partnerpilot"])


def test_models_lists_the_offline_backend_only(server: Running) -> None:
    ids = [m.id for m in client(server).models.list()]
    assert ids == [MODEL]


def test_framework_question_cites_its_sources(server: Running) -> None:
    response = ask(server, "When is a partner demoted?")
    content = response.choices[0].message.content
    cited = extra(response)["citations"]
    assert any(c["doc_id"] == "tier-movement" for c in cited)
    assert "**Sources**" in content and "(tier-movement)" in content
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
    assert response.usage.total_tokens == (response.usage.prompt_tokens
                                           + response.usage.completion_tokens)


def test_score_returns_the_tool_result_and_the_grounded_number(server: Running) -> None:
    response = ask(server, SCORE)
    calls = extra(response)["tool_calls"]
    assert [c["name"] for c in calls] == ["score_partner"]
    assert calls[0]["output"]["result"]["score"] == 70.8
    content = response.choices[0].message.content
    assert "70.8" in content and "secondary" in content
    assert "**Computed by**\n- `score_partner`" in content
    assert extra(response)["backend"] == "offline"


def _download(server: Running, url: str, who: str = "alice") -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {KEYS[who]}"}, timeout=60)


def test_draft_is_downloadable_as_markdown_and_a_valid_docx_by_its_key_only(
        server: Running) -> None:
    response = ask(server, "Draft a governance playbook for Northwind Analytics")
    documents = extra(response)["documents"]
    assert len(documents) == 1 and documents[0]["kind"] == "governance-playbook"
    doc = documents[0]
    content = response.choices[0].message.content
    assert doc["docx_url"] in content and doc["markdown_url"] in content
    # the links in the answer open with a click: signed, no Authorization header
    markdown = httpx.get(doc["markdown_url"], timeout=60)
    assert markdown.status_code == 200 and "RACI" in markdown.text
    word = httpx.get(doc["docx_url"], timeout=60)
    assert word.status_code == 200
    parsed = docx.Document(io.BytesIO(word.content))
    assert any("governance" in p.text.lower() for p in parsed.paragraphs)
    # the bearer header keeps working, for the key that drafted it only
    plain = f"{server.url}/v1/documents/{doc['id']}.docx"
    assert _download(server, plain).content == word.content
    other = _download(server, plain, who="bob")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "document_not_found"
    assert httpx.get(doc["docx_url"].replace("sig=", "sig=x"), timeout=60).status_code == 403
    # no server path anywhere in what the client got
    everything = content + json.dumps(extra(response))
    assert str(server.log_path.parent) not in everything and "/api-documents/" not in everything


def test_document_ids_cannot_walk_out_of_the_key_folder(server: Running) -> None:
    for doc_id in ("..%2F..%2Fapi-keys.json", "..%2Fserve.log", "%2Fetc%2Fpasswd", "x.md%00"):
        got = _download(server, f"{server.url}/v1/documents/{doc_id}")
        assert got.status_code in (400, 404), doc_id
        assert "error" in got.json()


def test_streaming_sends_deltas_then_done_with_the_extra_field_and_usage(
        server: Running) -> None:
    with httpx.stream("POST", server.url + "/v1/chat/completions", timeout=300,
                      headers={"Authorization": f"Bearer {KEYS['alice']}"},
                      json={"model": MODEL, "stream": True,
                            "stream_options": {"include_usage": True},
                            "messages": [{"role": "user", "content": SCORE}]}) as raw:
        assert raw.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in raw.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert "70.8" in text and "`score_partner`" in text
    finals = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"] == "stop"]
    assert finals and finals[0]["partnerpilot"]["tool_calls"][0]["name"] == "score_partner"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    streamed = client(server).chat.completions.create(
        model=MODEL, stream=True, messages=[{"role": "user", "content": SCORE}])
    assert "70.8" in "".join(c.choices[0].delta.content or "" for c in streamed if c.choices)


def test_multi_turn_conversation_resumes_the_follow_up(server: Running) -> None:
    api = client(server)
    messages: list[Any] = [{"role": "system", "content": "You are helpful."},
                           {"role": "user", "content": "Check the tier for a partner"}]
    first = api.chat.completions.create(model=MODEL, messages=messages)
    assert extra(first)["follow_up"] and not extra(first)["tool_calls"]
    messages += [{"role": "assistant", "content": first.choices[0].message.content},
                 {"role": "user", "content": "pipeline $1.7M, 3 certified individuals"}]
    second = api.chat.completions.create(model=MODEL, messages=messages)
    calls = extra(second)["tool_calls"]
    assert [c["name"] for c in calls] == ["check_tier"]
    assert calls[0]["output"]["tier"] == "gold"
    assert "Gold" in second.choices[0].message.content


def test_a_bad_key_is_401_in_the_openai_shape(server: Running) -> None:
    bad = openai.OpenAI(base_url=server.url + "/v1", api_key="not-a-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        bad.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert caught.value.status_code == 401
    assert caught.value.body["code"] == "invalid_api_key"  # type: ignore[index]
    missing = httpx.get(server.url + "/v1/models", timeout=30)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "missing_api_key"


def test_an_unknown_model_is_404(server: Running) -> None:
    with pytest.raises(openai.NotFoundError) as caught:
        client(server).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.body["code"] == "model_not_found"  # type: ignore[index]
    assert "partnerpilot-offline" in caught.value.body["message"]  # type: ignore[index]


def _post(server: Running, body: bytes | dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {KEYS['alice']}", "Content-Type": "application/json"}
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(server.url + "/v1/chat/completions", content=data, headers=headers,
                      timeout=60)


@pytest.mark.parametrize(("body", "status", "code", "words"), [
    (b'{"model": "partnerpilot-offline", "messages": [', 400, "invalid_json", "body"),
    ({"model": MODEL, "messages": []}, 400, "invalid_request", "messages"),
    ({"model": MODEL}, 400, "invalid_request", "messages"),
    ({"model": MODEL, "messages": [{"role": "assistant", "content": "hi"}]}, 400,
     "invalid_messages", "last message must be from the user"),
    ({"model": MODEL, "messages": [{"role": "user", "content": "x" * 30000}]}, 413,
     "body_too_large", "20,000 bytes"),
])
def test_malformed_requests_get_one_clear_4xx(server: Running, body: Any, status: int,
                                              code: str, words: str) -> None:
    got = _post(server, body)
    assert got.status_code == status, got.text
    error = got.json()["error"]
    assert error["code"] == code and words in error["message"] and error["type"]


def test_malformed_body_through_the_openai_client_is_a_bad_request(server: Running) -> None:
    with pytest.raises(openai.BadRequestError):
        client(server).chat.completions.create(model=MODEL, messages=[])


def test_a_viewer_key_may_ask_but_not_draft(server: Running) -> None:
    assert "70.8" in ask(server, SCORE, who="vera").choices[0].message.content
    for stream in (False, True):
        with pytest.raises(openai.PermissionDeniedError) as caught:
            client(server, "vera").chat.completions.create(
                model=MODEL, stream=stream,
                messages=[{"role": "user", "content": "Draft a governance playbook for Acme"}])
        assert caught.value.status_code == 403
        assert "viewer may not draft" in caught.value.body["message"]  # type: ignore[index]


def test_twenty_concurrent_streams_all_finish(server: Running) -> None:
    def one(n: int) -> str:
        stream = client(server, "bob").chat.completions.create(
            model=MODEL, stream=True, messages=[{"role": "user", "content": SCORE}])
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(one, range(20)))
    assert len(answers) == 20 and all("70.8" in a for a in answers)


def test_health_and_openapi_need_no_key(server: Running) -> None:
    with urllib.request.urlopen(server.url + "/healthz", timeout=30) as got:
        assert json.loads(got.read())["models"] == [MODEL]
    with urllib.request.urlopen(server.url + "/openapi.json", timeout=30) as got:
        schema = json.loads(got.read())
    assert {"/v1/chat/completions", "/v1/models", "/v1/documents/{doc_id}"} <= set(
        schema["paths"])
