"""The front door of the chat UI: one ASGI middleware in front of every Chainlit route.

For every HTTP request and websocket (the socket.io transport included) it

- refuses a request whose ``Origin`` is not the app's own (a page on another port or host
  must not read a user's threads or drive their socket with the user's cookie);
- treats a session token that is no longer current (logged out, password changed, user
  removed, older than the session length) as no token at all, so Chainlit sees an anonymous
  request and refuses it;
- remembers the client address for the login throttle;
- tells the browser not to load images or media from anywhere but the app itself (a
  Markdown image in data or model output can then never call out).
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from chainlit.auth.cookie import get_token_from_cookies
from starlette.requests import cookie_parser

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CLIENT_ADDRESS: contextvars.ContextVar[str] = contextvars.ContextVar(
    "partnerpilot_client_address", default="unknown")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
CSP = ("img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; "
       "frame-ancestors 'self'")
AUTH_COOKIE = "access_token"


def normalise_origin(value: str) -> str:
    """``scheme://host[:port]`` in lower case, without a path or a trailing slash."""
    parts = urlsplit(value.strip().rstrip("/"))
    if not parts.scheme or not parts.netloc:
        return value.strip().lower()
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def allowed_origins(configured: str | None, host: str, port: int) -> frozenset[str]:
    """The origins a page may call the app from, besides the app's own (``Host``) origin.

    Args:
        configured: ``PARTNERPILOT_ALLOWED_ORIGINS``, a comma list; when empty, the served
            ``http://host:port`` (for a loopback host: its ``localhost`` spellings too).
        host: The host the server binds.
        port: The port it listens on.
    """
    if configured and configured.strip():
        return frozenset(normalise_origin(o) for o in configured.split(",") if o.strip())
    hosts = LOOPBACK if host in LOOPBACK or host == "::1" else (host,)
    return frozenset(f"http://{name}:{port}" for name in hosts)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def own_origin(scope: Scope) -> str | None:
    """The origin the request was addressed to (its scheme and ``Host`` header)."""
    host = _header(scope, b"host")
    if not host:
        return None
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", "http"),
                                                scope.get("scheme", "http"))
    return f"{scheme}://{host.lower()}"


def origin_ok(scope: Scope, allowed: Iterable[str]) -> bool:
    """Whether the request has no ``Origin`` (no cross-site browser call) or an allowed one."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    origin = normalise_origin(origin)
    return origin == own_origin(scope) or origin in allowed


def session_token(scope: Scope) -> str | None:
    """The Chainlit session token of the request: its auth cookie (maybe chunked) or bearer."""
    cookie = _header(scope, b"cookie")
    if cookie:
        token = get_token_from_cookies(cookie_parser(cookie))
        if token:
            return str(token)
    authorization = _header(scope, b"authorization") or ""
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _anonymous(scope: Scope) -> Scope:
    """A copy of ``scope`` without the auth cookie(s) and the bearer token."""
    headers = []
    for key, value in scope.get("headers") or ():
        name = key.lower()
        if name == b"authorization":
            continue
        if name == b"cookie":
            kept = [c for c in bytes(value).split(b";")
                    if not c.strip().startswith(AUTH_COOKIE.encode())]
            if not kept:
                continue
            value = b";".join(kept)
        headers.append((key, value))
    return {**scope, "headers": headers}


class FrontDoor:
    """ASGI middleware: origin check, current-session check, client address, image policy.

    Args:
        app: The wrapped ASGI app (Chainlit's FastAPI app).
        allowed: Origins allowed besides the request's own.
        token_is_current: Whether a session token (raw JWT) is still valid.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str],
                 token_is_current: Callable[[str], bool]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)
        self.token_is_current = token_is_current

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check one request or websocket, then pass it on (or refuse it)."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if not origin_ok(scope, self.allowed):
            await self._refuse(scope, send)
            return
        client = scope.get("client")
        CLIENT_ADDRESS.set(str(client[0]) if client else "unknown")
        token = session_token(scope)
        if token is not None and not self.token_is_current(token):
            scope = _anonymous(scope)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                headers.append((b"content-security-policy", CSP.encode()))
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_policy)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b'{"detail":"origin not allowed"}'
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
