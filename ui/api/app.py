"""The FastAPI app of ``partnerpilot serve``: OpenAI-compatible chat, models, documents, health.

Every turn runs through ``Agent.stream``. The offline planner is one shared backend (it takes
each request's :class:`~agent.toolset.Deps`); a model backend binds its tools to its deps, so
one is built per model and key. Each request's deps carry the key's role (a viewer's draft is
refused by the registry itself) and the key's own document folder.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from agent.access import Forbidden, Role, allowed
from agent.backends import Backend, make_backend
from agent.core import Agent, TurnResult
from agent.events import Event, FinalAnswer, FollowUp, TextDelta, ToolResult
from agent.registry import TOOLS
from agent.toolset import Deps
from knowledge.settings import Settings
from knowledge.store import Store
from ui.api.chat import (
    MODEL_PREFIX,
    ChatRequest,
    Rendering,
    SessionCache,
    conversation,
    usage,
)
from ui.api.documents import find_document, owner_dir, split_id
from ui.api.errors import APIError, error_body, install_handlers
from ui.api.fast import FastChat, replay
from ui.api.keys import LOCAL, ApiKey, KeyRing
from ui.api.links import DEFAULT_LINK_TTL, LinkSigner, load_secret

DEFAULT_MAX_BODY = 1_000_000  # bytes; `partnerpilot serve --max-body` changes it


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with a 413 in the OpenAI error shape."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with its body read, or answer 413."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(send)
                return
        await self.app(scope, replay(b"".join(chunks), receive), send)

    async def _refuse(self, send: Send) -> None:
        payload = json.dumps(error_body(
            413, f"body: is larger than the limit of {self.limit:,} bytes", "body_too_large",
            "body")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


class ServeState:
    """What the app serves from: settings, the store, the keys, the backends, the sessions."""

    def __init__(self, settings: Settings, keys: KeyRing, store: Store | None = None,
                 link_ttl: int = DEFAULT_LINK_TTL) -> None:
        self.settings = settings
        self.data_dir = Path(settings.data_dir).resolve()
        self.keys = keys
        self.links = LinkSigner(load_secret(self.data_dir), link_ttl)
        self._store = store
        self._lock = threading.Lock()
        self._backends: dict[tuple[str, str, str], Backend] = {}
        self._agents: dict[tuple[str, str, str], Agent] = {}
        self.sessions = SessionCache()
        self.roots = (str(self.data_dir),)

    @property
    def store(self) -> Store:
        """The store, opened once."""
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.settings)
            return self._store

    def link_owner(self, key_id: str) -> ApiKey | None:
        """The configured key a link's ``key_id`` names (the local owner when keyless)."""
        for key in self.keys.keys if self.keys else [LOCAL]:
            if hmac.compare_digest(self.links.key_id(key.owner_id), key_id):
                return key
        return None

    def models(self) -> list[str]:
        """The backends that can answer here, as model ids."""
        names = ["offline"]
        if self.settings.openai_api_key or self.settings.openai_base_url:
            names.append("openai")
        if self.settings.gguf is not None:
            names.append("local")
        return [MODEL_PREFIX + n for n in names]

    def resolve(self, model: str) -> str:
        """The backend a model id names; 404 for one not served here."""
        if model not in self.models():
            raise APIError(404, f"model {model[:100]!r} is not served here; choose one of "
                           + ", ".join(self.models()), "model_not_found", "model")
        return model[len(MODEL_PREFIX):]

    def agent_for(self, backend: str, key: ApiKey) -> Agent:
        """The agent for this backend whose tools run with the key's role and folder.

        Built once per backend, key and role and reused (an ``Agent`` keeps no state between
        turns: the session does), as ``Agent.run`` in process reuses one agent.
        """
        agent_slot = (backend, key.owner_id, key.role.value)
        with self._lock:
            agent = self._agents.get(agent_slot)
        if agent is not None:
            return agent
        settings = self.settings.model_copy(update={"backend": backend})
        deps = Deps(settings, store=self.store, output_dir=owner_dir(self.data_dir, key.owner_id),
                    role=key.role)
        shared = backend == "offline"
        slot = (backend, "" if shared else key.owner_id, "" if shared else key.role.value)
        with self._lock:
            built = self._backends.get(slot)
            if built is None:
                built = self._backends[slot] = make_backend(settings, deps)
            return self._agents.setdefault(agent_slot, Agent(built, deps))

    def close(self) -> None:
        """Stop what the backends hold (a local model server)."""
        for backend in self._backends.values():
            close = getattr(backend, "close", None)
            if callable(close):
                close()


def _forbidden_in(event: Event, role: Role) -> Forbidden | None:
    """The refusal ``event`` shows for ``role``: a tool (or a question for one) it may not use."""
    name = event.name if isinstance(event, ToolResult) else (
        event.tool if isinstance(event, FollowUp) else None)
    spec = TOOLS.get(name or "")
    if spec is not None and not allowed(role, spec.action):
        return Forbidden(role, spec.action)
    return None


def _head(events: Iterator[Event], role: Role) -> list[Event]:
    """The events up to the first text or result; 403 when they show a refused tool."""
    head: list[Event] = []
    for event in events:
        head.append(event)
        refused = _forbidden_in(event, role)
        if refused is not None:
            raise APIError(403, str(refused), "permission_denied")
        if isinstance(event, TextDelta | ToolResult | FinalAnswer):
            break
    return head


def _chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None = None,
           **extra: Any) -> str:
    data = {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                 "logprobs": None}], **extra}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


class ChatTurn:
    """One chat completion: the agent's events for the last user message, as OpenAI output."""

    def __init__(self, state: ServeState, body: ChatRequest, request: Request,
                 key: ApiKey) -> None:
        self.state, self.body, self.key = state, body, key
        backend = state.resolve(body.model)
        self.earlier, self.message = conversation(body)
        self.agent = state.agent_for(backend, key)
        self.session = state.sessions.session_for(key.owner_id, self.earlier)
        self.events = self.agent.stream(self.message, self.session)
        self.head = _head(self.events, key.role)
        self.render = Rendering(str(request.base_url), state.roots, state.links, key.owner_id)
        self.prompt = "\n".join(m.text() for m in body.messages)
        self.base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "created": int(time.time()),
                     "model": body.model}

    def _result(self, collected: list[Event]) -> TurnResult:
        return TurnResult.from_events(collected, self.agent.backend_name,
                                      self.agent.backend.model)

    def _finish(self, result: TurnResult, content: str) -> dict[str, int]:
        """Keep the session for the next request of this conversation; the usage."""
        self.state.sessions.keep(self.key.owner_id, [*self.earlier, ("user", self.message),
                                                     ("assistant", content)], self.session)
        return usage(result, self.prompt, content)

    def complete(self) -> dict[str, Any]:
        """The whole turn as one ``chat.completion`` (403 if it reached a refused tool)."""
        collected = [*self.head]
        for event in self.events:
            collected.append(event)
            refused = _forbidden_in(event, self.key.role)
            if refused is not None:
                raise APIError(403, str(refused), "permission_denied")
        result = self._result(collected)
        if result.error is not None and not result.answer:
            raise APIError(502, f"the agent failed: {result.error.message}", "agent_error")
        content = self.render.markdown(result.answer) + self.render.appendix(result)
        counts = self._finish(result, content)
        return {**self.base, "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                             "finish_reason": "stop", "logprobs": None}],
                "usage": counts, "partnerpilot": self.render.extra(result)}

    def chunks(self) -> Iterator[str]:
        """The turn as SSE ``chat.completion.chunk`` lines, ending ``data: [DONE]``."""
        base = {**self.base, "object": "chat.completion.chunk"}
        collected: list[Event] = []
        shown: list[str] = []
        yield _chunk(base, {"role": "assistant", "content": ""})
        for event in chain(self.head, self.events):
            collected.append(event)
            if isinstance(event, TextDelta):
                shown.append(self.render.markdown(event.text))
                yield _chunk(base, {"content": shown[-1]})
        result = self._result(collected)
        tail = ("" if shown else self.render.markdown(result.answer)) + self.render.appendix(
            result)
        if tail:
            shown.append(tail)
            yield _chunk(base, {"content": tail})
        counts = self._finish(result, "".join(shown))
        yield _chunk(base, {}, "stop", partnerpilot=self.render.extra(result))
        options = self.body.stream_options
        if options is not None and options.include_usage:
            yield f"data: {json.dumps({**base, 'choices': [], 'usage': counts})}\n\n"
        yield "data: [DONE]\n\n"


async def caller(request: Request) -> ApiKey:
    """The key a request is made with: 401 when keys are configured and it has none valid.

    ``async`` on purpose: the check is one SHA-256 and a lookup, and a sync dependency would
    cost every request a hop to the thread pool (measured in ``bench/RESULTS.md``).
    """
    state: ServeState = request.app.state.serve
    if not state.keys:
        return LOCAL
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise APIError(401, "authorization: send an API key as 'Authorization: Bearer KEY'",
                       "missing_api_key")
    key = state.keys.check(token.strip())
    if key is None:
        raise APIError(401, "authorization: the API key is not valid", "invalid_api_key")
    return key


Caller = Annotated[ApiKey, Depends(caller)]


def signed_owner(state: ServeState, doc_id: str, key_id: str | None, expires: str | None,
                 sig: str | None) -> str:
    """The folder a signed link opens; 403 when it is partial, forged, expired or revoked."""
    if not key_id or not sig or not expires or not expires.isdigit() or len(expires) > 12:
        raise APIError(403, "sig: a signed link needs key_id, expires (a Unix time) and sig",
                       "invalid_link_signature", "sig")
    key = state.link_owner(key_id)
    if key is None:
        raise APIError(403, "key_id: the key this link was made for is not accepted here",
                       "invalid_link_signature", "key_id")
    state.links.check(key.owner_id, doc_id, expires, sig)
    return key.owner_id


def create_app(state: ServeState, max_body: int = DEFAULT_MAX_BODY, fast: bool = True
               ) -> FastAPI:
    """The API over ``state``; ``max_body`` caps request bodies (bytes).

    ``fast`` answers valid chat completions past FastAPI's routing (:mod:`ui.api.fast`);
    False sends every request through FastAPI (the tests compare the two).
    """
    app = FastAPI(title="partnerpilot", version="1", summary="Partnership strategy assistant: "
                  "an OpenAI-compatible chat endpoint over the partnerpilot agent.")
    install_handlers(app)
    app.state.serve = state


    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        """Liveness: the server is up; the models it serves."""
        return {"status": "ok", "models": state.models()}

    @app.get("/v1/models")
    async def list_models(key: Caller) -> dict[str, Any]:
        """The backends that can answer, as OpenAI model objects."""
        return {"object": "list", "data": [
            {"id": m, "object": "model", "created": 0, "owned_by": "partnerpilot"}
            for m in state.models()]}

    @app.get("/v1/documents/{doc_id}", response_model=None)
    async def get_document(request: Request, doc_id: str, format: str = "md",
                           key_id: str | None = None, expires: str | None = None,
                           sig: str | None = None) -> FileResponse:
        """A document this key drafted, as Markdown (default) or DOCX.

        Opened with the bearer key, or with no header by the signed link of an answer
        (``key_id``, ``expires``, ``sig``: every one of them or none).
        """
        doc_id, fmt = split_id(doc_id, format)
        if key_id is None and expires is None and sig is None:
            owner = (await caller(request)).owner_id
        else:
            owner = signed_owner(state, doc_id, key_id, expires, sig)
        found = find_document(owner_dir(state.data_dir, owner), doc_id, fmt)
        return FileResponse(found.path, media_type=found.media_type, filename=found.filename)

    def answer(body: ChatRequest, request: Request, key: ApiKey) -> Response:
        """The route's work (also :class:`~ui.api.fast.FastChat`'s): a turn, as SSE or JSON."""
        turn = ChatTurn(state, body, request, key)
        if body.stream:
            return StreamingResponse(turn.chunks(), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache"})
        # Encoded here: FastAPI's generic encoder walks the whole answer in Python first.
        return Response(json.dumps(turn.complete(), ensure_ascii=False).encode("utf-8"),
                        media_type="application/json")

    @app.post("/v1/chat/completions", response_model=None)
    def chat_completions(body: ChatRequest, request: Request, key: Caller) -> Any:
        """OpenAI chat completions, streaming (SSE) or not, answered by the agent."""
        return answer(body, request, key)

    if fast:  # inside BodyLimit: bodies are capped before either path reads them
        app.add_middleware(FastChat, answer=answer, caller=caller)
    app.add_middleware(BodyLimit, limit=max_body)
    return app
