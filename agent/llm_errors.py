"""How a failed model call is named: the kind of failure, whether to retry, what to tell the user.

:func:`classify_error` is what ``ModelRetryMiddleware`` retries on (:func:`retryable`), and
:func:`failure` turns what is left into the :class:`ModelFailure` the turn reports.
"""

from __future__ import annotations

import json
import re

import httpx
import openai

TOOLS_REJECTED_RE = re.compile(r"tool|function", re.I)


class ModelFailure(Exception):
    """The model could not be reached or kept answering badly; ``kind`` is for code."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class MalformedToolCall(ValueError):
    """The reply's tool-call arguments are not one JSON object (retried)."""

    kind = "malformed_tool_call"


class EmptyReply(ValueError):
    """The reply had no text, no tool call and no finish reason (``choices: []``; retried)."""

    kind = "empty_reply"


def error_text(exc: BaseException) -> str:
    """The server's own message of a failed call (the ``error.message`` of its body)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        return str(message or exc)
    return str(exc)


def classify_error(exc: BaseException) -> tuple[str, bool]:
    """``(kind, retryable)`` for an exception raised by a model call."""
    timeouts: tuple[type[BaseException], ...] = (openai.APITimeoutError, httpx.TimeoutException,
                                                 TimeoutError)
    transport: tuple[type[BaseException], ...] = (openai.APIConnectionError,
                                                  httpx.TransportError, ConnectionError)
    try:
        import httpx2  # the transport openai 3.x uses; optional, so imported here

        timeouts += (httpx2.TimeoutException,)
        transport += (httpx2.TransportError,)
    except ImportError:  # pragma: no cover - older openai
        pass
    if isinstance(exc, timeouts):
        return "timeout", True
    if isinstance(exc, openai.RateLimitError):
        return "rate_limited", True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500:
            return "server_error", True
        if exc.status_code in (401, 403):
            return "auth", False
        if exc.status_code in (400, 404, 422) and TOOLS_REJECTED_RE.search(error_text(exc)):
            return "tools_unsupported", False
        return "bad_request", False
    if isinstance(exc, transport):
        return "connection", True
    if isinstance(exc, MalformedToolCall | EmptyReply):
        return exc.kind, True
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return "malformed_response", True
    if isinstance(exc, ValueError) and "No generations found in stream" in str(exc):
        return "not_streamed", False
    return "model_error", False


_MESSAGES = {
    "timeout": "the model server did not answer in time",
    "rate_limited": "the model server kept refusing with 429 (rate limited)",
    "server_error": "the model server kept failing with a 5xx error",
    "connection": "could not connect to the model server",
    "malformed_response": "the model server sent a reply that could not be read",
    "malformed_tool_call": "the model kept sending tool calls whose arguments are not valid "
                           "JSON",
    "empty_reply": "the model server kept sending empty replies",
}


def failure(kind: str, attempts: int, exc: BaseException | None) -> ModelFailure:
    """The :class:`ModelFailure` for a call that kept failing with ``kind``."""
    base = _MESSAGES.get(kind, "the model call failed")
    detail = (f": {exc}" if exc is not None and kind not in ("malformed_tool_call", "empty_reply")
              else "")
    tries = f" (gave up after {attempts} attempt{'s' if attempts != 1 else ''})"
    return ModelFailure(kind, f"{base}{tries}{detail}")


def retryable(exc: Exception) -> bool:
    """Whether ``ModelRetryMiddleware`` should try a failed model call again."""
    return classify_error(exc)[1]
