"""HTTP routes the app adds to Chainlit's server: stored element files, feedback, readiness.

Chainlit serves its frontend from a catch-all route, so these are inserted in front of it.
Chainlit's own ``/feedback`` routes check no owner; the ones here replace them and let a
user rate or un-rate only answers in their own threads.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from chainlit.auth import get_current_user, require_login
from chainlit.data import get_data_layer
from chainlit.types import DeleteFeedbackRequest, UpdateFeedbackRequest
from fastapi import Depends, HTTPException
from fastapi.responses import FileResponse

from ui.datalayer import FILES_ROUTE, file_path_for

READY_ROUTE = "/partnerpilot/ready"
#: Types the browser may show in place (figure data, text); others download.
INLINE = {"application/json", "text/plain", "text/markdown", "text/csv", "image/png",
          "image/svg+xml"}


async def element_type(object_key: str, fallback_name: str) -> tuple[str, str]:
    """The MIME type and the name an element was stored with (its file keeps neither).

    A chart's figure served as ``application/octet-stream`` draws empty axes after a reload,
    so the type comes from the element's row; the name is the one the user saw.
    """
    layer = get_data_layer()
    rows: Any = None
    if layer is not None and hasattr(layer, "execute_sql"):
        rows = await layer.execute_sql(
            'SELECT "mime", "name" FROM elements WHERE "objectKey" = :key', {"key": object_key})
    if isinstance(rows, list) and rows:
        mime = rows[0].get("mime") or mimetypes.guess_type(rows[0].get("name") or "")[0]
        return str(mime or "application/octet-stream"), str(rows[0].get("name") or fallback_name)
    guessed = mimetypes.guess_type(fallback_name)[0]
    return guessed or "application/octet-stream", fallback_name


def _add_first(path: str, endpoint: Callable[..., Any], method: str = "GET") -> None:
    from chainlit.server import app  # lazy: its import builds the app

    if any(getattr(route, "path", None) == path and method in getattr(route, "methods", ())
           and getattr(route, "endpoint", None) is not None
           and getattr(route.endpoint, "__module__", "") == __name__
           for route in app.router.routes):
        return
    app.add_api_route(path, endpoint, methods=[method])
    app.router.routes.insert(0, app.router.routes.pop())


def register_file_route(get_data_dir: Callable[[], Path]) -> None:
    """Serve stored element files at ``FILES_ROUTE`` to their owner (before Chainlit's catch-all).

    Args:
        get_data_dir: Returns the data dir at request time.
    """

    # FastAPI resolves these annotations from module globals: keep them to str and Any.
    async def serve_file(
        object_key: str, user: Any = Depends(get_current_user)  # noqa: B008
    ) -> Any:
        login = require_login()
        user_id = getattr(user, "id", None)
        if login and user_id is None:
            raise HTTPException(status_code=401, detail="log in first")
        path = file_path_for(get_data_dir(), object_key, user_id if login else None)
        if path is None:
            raise HTTPException(status_code=404, detail="no such file")
        mime, name = await element_type(object_key, path.name)
        return FileResponse(path, media_type=mime, filename=name,
                            content_disposition_type="inline" if mime in INLINE else "attachment")

    _add_first(FILES_ROUTE + "/{object_key:path}", serve_file)


async def _own_step(user: Any, step_id: str | None) -> str:
    """The thread of ``step_id`` if ``user`` owns it; else 401/403/404.

    Raises:
        HTTPException: When not logged in, the step is unknown or in another user's thread.
    """
    layer = get_data_layer()
    if layer is None or not hasattr(layer, "step_owner"):
        raise HTTPException(status_code=400, detail="Data persistence is not enabled")
    owner, thread = await layer.step_owner(step_id or "")
    if thread is None:
        raise HTTPException(status_code=404, detail="no such message")
    if require_login():
        who = getattr(user, "identifier", None)
        if who is None:
            raise HTTPException(status_code=401, detail="log in first")
        if owner != who:
            raise HTTPException(status_code=403, detail="not your message")
    return str(thread)


def register_feedback_routes() -> None:
    """``PUT`` and ``DELETE /feedback`` that check the answer is in the user's own thread."""

    async def update_feedback(
        update: UpdateFeedbackRequest, user: Any = Depends(get_current_user)  # noqa: B008
    ) -> Any:
        feedback = update.feedback
        feedback.threadId = await _own_step(user, feedback.forId)
        if feedback.id:  # an existing feedback must be about this user's answers too
            stored = await get_data_layer().feedback_step(feedback.id)  # type: ignore[union-attr]
            if stored is not None and stored != feedback.forId:
                await _own_step(user, stored)
        feedback_id = await get_data_layer().upsert_feedback(feedback=feedback)  # type: ignore[union-attr]
        return {"success": True, "feedbackId": feedback_id}

    async def delete_feedback(
        payload: DeleteFeedbackRequest, user: Any = Depends(get_current_user)  # noqa: B008
    ) -> Any:
        layer = get_data_layer()
        step = await layer.feedback_step(payload.feedbackId) if layer else None  # type: ignore[attr-defined]
        if step is None:
            raise HTTPException(status_code=404, detail="no such feedback")
        await _own_step(user, step)
        await layer.delete_feedback(payload.feedbackId)  # type: ignore[union-attr]
        return {"success": True}

    _add_first("/feedback", update_feedback, "PUT")
    _add_first("/feedback", delete_feedback, "DELETE")


def register_ready_route(is_ready: Callable[[], bool]) -> None:
    """``GET /partnerpilot/ready`` says whether the agent has finished loading."""

    async def ready() -> Any:
        return {"agent": bool(is_ready())}

    _add_first(READY_ROUTE, ready)
