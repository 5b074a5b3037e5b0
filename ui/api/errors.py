"""Errors in the OpenAI shape: ``{"error": {"message", "type", "code"}}`` with the right status.

Every failure the API can produce goes through :class:`APIError` or one of the handlers
here, so a client library that parses OpenAI errors reads ours too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

#: The OpenAI ``type`` for each status the API returns.
ERROR_TYPES = {
    400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
    404: "not_found_error", 405: "invalid_request_error", 413: "invalid_request_error",
    422: "invalid_request_error", 429: "rate_limit_error", 500: "server_error",
    503: "server_error",
}


class APIError(Exception):
    """A request the API refuses: status, a message for a person and a code for programs."""

    def __init__(self, status: int, message: str, code: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param


def error_body(status: int, message: str, code: str, param: str | None = None) -> dict[str, Any]:
    """The OpenAI error object."""
    return {"error": {"message": message, "type": ERROR_TYPES.get(status, "invalid_request_error"),
                      "param": param, "code": code}}


def error_response(status: int, message: str, code: str,
                   param: str | None = None) -> JSONResponse:
    """The OpenAI error object as a response (401 also names the auth scheme)."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(status, message, code, param), status_code=status,
                        headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    return ".".join(parts) or "body"


def install_handlers(app: FastAPI) -> None:
    """Route every error the app can raise into the OpenAI shape."""

    @app.exception_handler(APIError)
    async def api_error(request: Request, exc: APIError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.code, exc.param)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        first: dict[str, Any] = dict(errors[0]) if errors else {"loc": ("body",),
                                                                  "msg": "is invalid"}
        if first.get("type") == "json_invalid":
            context: dict[str, Any] = dict(first.get("ctx") or {})
            return error_response(400, "body: is not valid JSON "
                                  f"({context.get('error', 'parse error')})", "invalid_json")
        field = _location(tuple(first.get("loc", ())))
        return error_response(400, f"{field}: {first.get('msg', 'is invalid')}",
                              "invalid_request", field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, str(exc.detail), code)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return error_response(500, f"internal error ({type(exc).__name__})", "internal_error")
