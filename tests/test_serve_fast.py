"""``ui.api.fast.FastChat``: chat completions past FastAPI's routing, answering exactly as it.

The real app over the session's indexed store, driven in-process (no server, no timing): the
same requests, valid and not, sent to the app with the fast path and to the app without it
(every request through FastAPI) get the same status, headers and body, ids and times aside.
And the pass-through itself: what the fast path does not answer reaches the app behind it
with its body intact.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from knowledge.settings import Settings
from knowledge.store import Store
from ui.api.app import ServeState, create_app
from ui.api.fast import CHAT_PATH, FastChat
from ui.api.keys import KeyRing, parse_env_keys

MODEL = "partnerpilot-offline"
SCORE = ("Score a prospect: ICP overlap 82, market influence 68, practice alignment 74, "
         "partnership appetite 55, revenue potential 61.")
ALICE = {"Authorization": "Bearer alice-key", "Content-Type": "application/json"}
VERA = {"Authorization": "Bearer vera-key", "Content-Type": "application/json"}


def _app(data: Path, store: Store, fast: bool) -> TestClient:
    state = ServeState(Settings(data_dir=data, backend="offline"),
                       KeyRing(parse_env_keys("alice=alice-key,vera:viewer=vera-key")),
                       store=store)
    return TestClient(create_app(state, max_body=20000, fast=fast))


@pytest.fixture(scope="module")
def apps(indexed_store: Store, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[TestClient, TestClient]:
    root = tmp_path_factory.mktemp("fast")
    return _app(root / "fast", indexed_store, True), _app(root / "plain", indexed_store, False)


def _same(text: str) -> str:
    """A response body with what differs between two answers of one question blanked."""
    text = re.sub(r'"id": ?"chatcmpl-[0-9a-f]+"', '"id": "ID"', text)
    text = re.sub(r'"created": ?\d+', '"created": 0', text)
    return re.sub(r"(key_id|expires|sig)=[^&)\s\"]+", r"\1=X", text)


def _both(apps: tuple[TestClient, TestClient], body: bytes, headers: dict[str, str]
          ) -> tuple[Any, Any]:
    return tuple(c.post(CHAT_PATH, content=body, headers=headers) for c in apps)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


ASK = {"model": MODEL, "messages": [{"role": "user", "content": SCORE}]}
CASES = [
    pytest.param(_json(ASK), ALICE, 200, id="answer"),
    pytest.param(_json({**ASK, "stream": True, "stream_options": {"include_usage": True}}),
                 ALICE, 200, id="stream"),
    pytest.param(_json({"model": MODEL, "messages": [
        {"role": "user", "content": "When is a partner demoted?"}]}), ALICE, 200, id="cited"),
    pytest.param(b'{"model": "partnerpilot-offline", "messages": [', ALICE, 400,
                 id="bad-json"),
    pytest.param(_json({"model": MODEL, "messages": []}), ALICE, 400, id="no-messages"),
    pytest.param(_json({"model": MODEL}), ALICE, 400, id="missing-field"),
    pytest.param(b"[1, 2]", ALICE, 400, id="not-an-object"),
    pytest.param(_json({"model": MODEL, "messages": [{"role": "assistant", "content": "hi"}]}),
                 ALICE, 400, id="last-not-user"),
    pytest.param(_json({**ASK, "model": "gpt-4o"}), ALICE, 404, id="unknown-model"),
    pytest.param(_json(ASK), {"Content-Type": "application/json"}, 401, id="no-key"),
    pytest.param(_json(ASK), {**ALICE, "Authorization": "Bearer wrong"}, 401, id="bad-key"),
    pytest.param(_json(ASK), {**ALICE, "Content-Type": "text/plain"}, 400, id="text-plain"),
    pytest.param(_json({"model": MODEL, "messages": [
        {"role": "user", "content": "x" * 30000}]}), ALICE, 413, id="too-large"),
    pytest.param(_json({"model": MODEL, "messages": [
        {"role": "user", "content": "Draft a governance playbook for Acme"}]}), VERA, 403,
        id="viewer-drafts"),
]


@pytest.mark.parametrize(("body", "headers", "status"), CASES)
def test_the_fast_path_answers_as_fastapi_does(apps: tuple[TestClient, TestClient],
                                               body: bytes, headers: dict[str, str],
                                               status: int) -> None:
    fast, plain = _both(apps, body, headers)
    assert fast.status_code == plain.status_code == status, (fast.text, plain.text)
    assert _same(fast.text) == _same(plain.text)
    for name in ("content-type", "www-authenticate", "cache-control"):
        assert fast.headers.get(name) == plain.headers.get(name), name
    if status == 200 and not json.loads(body).get("stream"):
        assert fast.json()["partnerpilot"]["tool_calls"] or fast.json()["partnerpilot"][
            "citations"]


def _call(app: FastChat, method: str, headers: list[tuple[bytes, bytes]], body: bytes,
          path: str = CHAT_PATH) -> list[Message]:
    scope: Scope = {"type": "http", "method": method, "path": path, "root_path": "",
                    "headers": headers, "query_string": b"", "scheme": "http",
                    "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000)}
    pending = [{"type": "http.request", "body": body[:5], "more_body": True},
               {"type": "http.request", "body": body[5:], "more_body": False}]
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


class Behind:
    """The app behind the fast path: records the body it is given."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        self.bodies.append(b"".join(chunks))
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def _never(*args: Any) -> Any:
    raise AssertionError("the fast path answered a request it should have passed on")


async def _no_key(request: Any) -> Any:
    from ui.api.errors import APIError

    raise APIError(401, "authorization: no", "missing_api_key")


@pytest.mark.parametrize(("method", "content_type", "body", "path"), [
    ("POST", b"application/json", b'{"model": "m", "messages": [', CHAT_PATH),
    ("POST", b"application/json", b'{"model": "m", "messages": []}', CHAT_PATH),
    ("POST", b"text/plain", _json(ASK), CHAT_PATH),
    ("GET", b"application/json", _json(ASK), CHAT_PATH),
    ("POST", b"application/json", _json(ASK), "/v1/models"),
])
def test_what_the_fast_path_does_not_answer_reaches_the_app_with_its_body(
        method: str, content_type: bytes, body: bytes, path: str) -> None:
    behind = Behind()
    sent = _call(FastChat(behind, _never, _never), method, [(b"content-type", content_type)],
                 body, path)
    assert sent[0]["status"] == 299
    assert behind.bodies == [body]


def test_a_request_the_key_check_refuses_reaches_the_app_with_its_body() -> None:
    behind = Behind()
    sent = _call(FastChat(behind, _never, _no_key), "POST",
                 [(b"content-type", b"application/json; charset=utf-8")], _json(ASK))
    assert sent[0]["status"] == 299 and behind.bodies == [_json(ASK)]


def test_a_valid_completion_is_answered_without_the_app_behind() -> None:
    from starlette.responses import Response

    behind, asked = Behind(), []

    async def key(request: Any) -> str:
        return "alice"

    def answer(body: Any, request: Any, who: Any) -> Response:
        asked.append((body.messages[-1].text(), who))
        return Response(b"{}", status_code=200, media_type="application/json")

    sent = _call(FastChat(behind, answer, key), "POST",
                 [(b"content-type", b"application/json")], _json(ASK))
    assert sent[0]["status"] == 200 and behind.bodies == [] and asked == [(SCORE, "alice")]
