"""HTTP routes the app adds to Chainlit's server: stored element files, and readiness.

Chainlit serves its frontend from a catch-all route, so these are inserted in front of it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ui.datalayer import FILES_ROUTE, file_path_for

READY_ROUTE = "/partnerpilot/ready"


def _add_first(path: str, endpoint: Callable[..., Any]) -> None:
    from chainlit.server import app

    if any(getattr(route, "path", None) == path for route in app.router.routes):
        return
    app.add_api_route(path, endpoint, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())


def register_file_route(get_data_dir: Callable[[], Path]) -> None:
    """Serve stored element files at ``FILES_ROUTE`` to their owner (before Chainlit's catch-all).

    Args:
        get_data_dir: Returns the data dir at request time.
    """
    from chainlit.auth import get_current_user, require_login
    from fastapi import Depends, HTTPException
    from fastapi.responses import FileResponse

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
        return FileResponse(path, filename=path.name)

    _add_first(FILES_ROUTE + "/{object_key:path}", serve_file)


def register_ready_route(is_ready: Callable[[], bool]) -> None:
    """``GET /partnerpilot/ready`` says whether the agent has finished loading."""

    async def ready() -> Any:
        return {"agent": bool(is_ready())}

    _add_first(READY_ROUTE, ready)
