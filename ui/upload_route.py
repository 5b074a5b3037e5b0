"""``POST /project/file`` that waits for the chat session instead of refusing the file.

The page registers its chat session over the websocket a moment after it loads; Chainlit's
own upload route refuses a file sent before that with 404 "Session not found", which a user
who drops a file right away cannot retry. This route, put in front of Chainlit's, holds the
upload until the session exists (at most ``WAIT_SECONDS``), then hands it to Chainlit's
handler unchanged (owner check, type and size checks, persistence).

No ``from __future__ import annotations`` here: FastAPI reads the ``UploadFile`` and
``Depends`` annotations at registration.
"""

import asyncio
import tempfile
import time
from typing import Any, Optional

from chainlit.auth import get_current_user
from chainlit.session import WebsocketSession
from fastapi import Depends, HTTPException, UploadFile
from fastapi.responses import JSONResponse

WAIT_SECONDS = 20.0
POLL_SECONDS = 0.1
UPLOAD_ROUTE = "/project/file"


async def wait_for_session(session_id: str, timeout: float = WAIT_SECONDS) -> Any:
    """The websocket session ``session_id`` once it exists, or None after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        session = WebsocketSession.get_by_id(session_id)
        if session is not None or time.monotonic() >= deadline:
            return session
        await asyncio.sleep(POLL_SECONDS)


async def upload_file(
    session_id: str,
    file: UploadFile,
    ask_parent_id: Optional[str] = None,  # noqa: UP045 (FastAPI reads this annotation)
    current_user: Any = Depends(get_current_user),  # noqa: B008
) -> Any:
    """Wait for the session, then let Chainlit store the file (see the module docstring)."""
    from chainlit.server import upload_file as chainlit_upload  # lazy: its import builds the app

    session = await wait_for_session(session_id)
    if session is not None and not await file.read(1):
        return await _keep_empty(session, file, current_user)
    await file.seek(0)
    return await chainlit_upload(current_user, session_id, file, ask_parent_id)


async def _keep_empty(session: Any, file: UploadFile, current_user: Any) -> Any:
    """Keep an empty file like any other, so the chat can say it is empty.

    Chainlit's handler cannot store zero bytes (a 500, "Upload failed"); the owner check is
    the same as its own.
    """
    if current_user and (not session.user
                         or session.user.identifier != current_user.identifier):
        raise HTTPException(status_code=401,
                            detail="You are not authorized to upload files for this session")
    with tempfile.NamedTemporaryFile(prefix="empty-upload-") as empty:
        reference = await session.persist_file(
            name=file.filename or "upload", mime=file.content_type or "text/plain",
            path=empty.name)
    await file.close()
    return JSONResponse(content=reference)


def register_upload_route() -> None:
    """Put :func:`upload_file` in front of Chainlit's route of the same path."""
    from chainlit.server import app  # lazy: its import builds the app

    if any(getattr(route, "endpoint", None) is upload_file for route in app.router.routes):
        return
    app.add_api_route(UPLOAD_ROUTE, upload_file, methods=["POST"])
    app.router.routes.insert(0, app.router.routes.pop())
