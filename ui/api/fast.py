"""The hot path of ``POST /v1/chat/completions``, past FastAPI's per-request machinery.

FastAPI's route handling (router, exception and exit-stack middleware, dependency solving,
body parsing and validation) costs about 0.6 ms of the event loop's CPU per request, several
times what uvicorn itself costs (measured in ``bench/RESULTS.md``). :class:`FastChat` answers
the requests that need none of it: a POST of a JSON body that parses and validates, with a
valid key. Everything else (no key, bad JSON, a body that does not validate, another content
type, a mounted root path) goes on to FastAPI untouched, with the body replayed, so every
error keeps its exact status and shape, and ``/openapi.json`` still documents the route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ui.api.chat import ChatRequest
from ui.api.errors import APIError, error_response
from ui.api.keys import ApiKey

CHAT_PATH = "/v1/chat/completions"

#: ``answer(body, request, key)``: the route's own work (run in the thread pool, as FastAPI
#: runs a sync endpoint); ``caller(request)``: the route's key check.
Answer = Callable[[ChatRequest, Request, ApiKey], Response]
Caller = Callable[[Request], Any]


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            kind: bytes = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json"
    return False


class FastChat:
    """Answer valid chat completions directly; send every other request on to ``app``."""

    def __init__(self, app: ASGIApp, answer: Answer, caller: Caller) -> None:
        self.app = app
        self.answer = answer
        self.caller = caller

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a valid chat completion, or pass the request (body replayed) to the app."""
        if (scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != CHAT_PATH
                or scope.get("root_path") or not _is_json(scope)):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:  # BodyLimit (outside) has read and capped it: one message, in memory
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        request = Request(scope, receive, send)
        ready = await self._parsed(raw, request)
        if ready is None:
            await self.app(scope, replay(raw, receive), send)
            return
        body, key = ready
        try:
            response = await run_in_threadpool(self.answer, body, request, key)
        except APIError as exc:  # as the app's APIError handler answers it
            response = error_response(exc.status, exc.message, exc.code, exc.param)
        await response(scope, receive, send)

    async def _parsed(self, raw: bytes, request: Request) -> tuple[ChatRequest, ApiKey] | None:
        """The validated body and the caller's key, or None for FastAPI to answer."""
        try:
            data = json.loads(raw)
            body = ChatRequest.model_validate(data)
            key: ApiKey = await self.caller(request)
        except Exception:  # noqa: BLE001 - whatever it is, FastAPI answers it as before
            return None
        return body, key


def replay(raw: bytes, receive: Receive) -> Receive:
    """``receive`` giving the body already read once, then the connection's own messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay
