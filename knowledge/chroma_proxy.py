"""A token-checking reverse proxy in front of ``chroma run`` (Chroma 1.x has no server auth).

Chroma 0.4-0.6 checked a static token itself (``CHROMA_SERVER_AUTHN_PROVIDER``); the Rust
server of Chroma 1.x (``chroma run``, chromadb 1.5.9 here) ships only a no-op authenticator
and ignores those settings, so anyone who reaches its port can read and write. This proxy
puts Chroma's own token protocol back in front of it: every request must carry the token as
``Authorization: Bearer <token>`` or ``X-Chroma-Token: <token>`` (what chromadb's
``TokenAuthClientProvider`` sends), else it gets 401 with Chroma's ``AuthorizationError``
body, which the client raises as ``chromadb.errors.AuthorizationError``. The token header is
not passed on; ``chroma run`` should listen on loopback only, the proxy on the network.

Run it with ``partnerpilot chroma-proxy --upstream http://127.0.0.1:8001`` and the token in
``CHROMA_AUTH_TOKEN``.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tools.errors import FrameworkError

MIN_TOKEN_CHARS = 16
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "host", "content-length"}
DROPPED = HOP_BY_HOP | {"authorization", "x-chroma-token"}
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def check_token(token: str | None) -> str:
    """The proxy's token, validated.

    Raises:
        FrameworkError: Naming ``CHROMA_AUTH_TOKEN`` when it is missing, short or not
            printable ASCII (what chromadb's client accepts).
    """
    if not token:
        raise FrameworkError("CHROMA_AUTH_TOKEN", "must be set: the token clients must send")
    if len(token) < MIN_TOKEN_CHARS:
        raise FrameworkError("CHROMA_AUTH_TOKEN", f"must be at least {MIN_TOKEN_CHARS} characters",
                             f"{len(token)} characters")
    if not all(33 <= ord(c) <= 126 for c in token):
        raise FrameworkError("CHROMA_AUTH_TOKEN", "must be printable ASCII without spaces")
    return token


def presented_token(request: Request) -> str | None:
    """The token a request carries (bearer ``Authorization`` or ``X-Chroma-Token``)."""
    header = request.headers.get("x-chroma-token")
    if header:
        return header.strip()
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def refusal(message: str) -> Response:
    """Chroma's own 401 body, so the client raises ``AuthorizationError`` with ``message``."""
    body = json.dumps({"error": "AuthorizationError", "message": message})
    return Response(body, status_code=401, media_type="application/json",
                    headers={"WWW-Authenticate": 'Bearer realm="chroma"'})


def make_app(upstream: str, token: str) -> Starlette:
    """The proxy application forwarding authenticated requests to ``upstream``."""
    secret = check_token(token).encode()
    client = httpx.AsyncClient(base_url=upstream.rstrip("/"), timeout=300.0)

    async def forward(request: Request) -> Response:
        given = presented_token(request)
        if given is None:
            return refusal("no token was sent")
        if not hmac.compare_digest(given.encode(), secret):
            return refusal("the token sent is not the one this server accepts")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED}
        try:
            answer = await client.request(
                request.method, request.url.path, params=str(request.query_params),
                content=await request.body(), headers=headers)
        except httpx.HTTPError as exc:
            body = json.dumps({"error": "ChromaError", "message": f"upstream Chroma: {exc}"})
            return Response(body, status_code=502, media_type="application/json")
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP
                and k.lower() != "content-encoding"}
        return Response(answer.content, status_code=answer.status_code, headers=kept)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(routes=[Route("/{path:path}", forward, methods=METHODS)],
                     lifespan=lifespan)
