"""Chat history through Chainlit's SQLAlchemy data layer (SQLite or PostgreSQL), files on disk.

Chainlit's ``SQLAlchemyDataLayer`` does not create its tables, so :func:`prepare_database`
does (:mod:`knowledge.database`: one schema, ``DATABASE_URL`` for PostgreSQL, else
``<data_dir>/chat.sqlite3``). The schema keeps lists and dicts as JSON text, so
:class:`SQLiteDataLayer` encodes them for both databases. Element files (DOCX, charts,
citations) go to :class:`LocalStorageClient` under the data dir and are served back to
their owner only (see :func:`file_path_for`): an element's key starts with the id of the
user whose thread it belongs to. The database and the
files are readable by their owner only (0600, in 0700 folders).
"""

from __future__ import annotations

import asyncio
import json
import os
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.session import Session
from knowledge import database
from knowledge.settings import chat_db_path, get_settings, private_dir
from tools.errors import FrameworkError

FILES_DIR = "ui-files"
FILES_ROUTE = "/partnerpilot/files"
SESSION_KEY = "pp_session"

def init_db(data_dir: Path) -> Path:
    """Create or migrate the SQLite chat database of ``data_dir`` (idempotent); return its path."""
    path = chat_db_path(data_dir)
    database.run(database.migrate_async(f"sqlite+aiosqlite:///{path}"))
    return path


def history_url(data_dir: Path) -> str:
    """The database of the chat history: ``DATABASE_URL`` (PostgreSQL), else SQLite here."""
    return database.database_url(get_settings().model_copy(update={"data_dir": data_dir}))


def prepare_database(data_dir: Path, url: str | None = None) -> str:
    """Create or migrate the history database at start; return its URL (password hidden).

    Raises:
        FrameworkError: Naming ``DATABASE_URL`` when the database cannot be reached.
    """
    url = url or history_url(data_dir)
    if not database.is_postgres(url):
        return str(init_db(data_dir))
    try:
        database.run(database.migrate_async(url))
    except Exception as exc:  # asyncpg, OSError, SQLAlchemy: one clear line for the operator
        raise FrameworkError("DATABASE_URL", f"cannot use the database: {exc}",
                             database.shown_url(url)) from None
    return database.shown_url(url)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    path.chmod(0o600)


def _sqlite_value(value: Any) -> Any:
    """Lists and dicts become JSON text (the schema stores them as TEXT on both databases)."""
    if isinstance(value, list | dict | tuple):
        return json.dumps(value)
    return value


def safe_key(object_key: str) -> str:
    """Reject object keys that could leave the files folder.

    Raises:
        ValueError: When the key is absolute, empty or climbs with ``..``.
    """
    parts = Path(object_key).parts
    if not parts or object_key.startswith("/") or ".." in parts:
        raise ValueError(f"bad object key {object_key!r}")
    return object_key


def make_storage_client(root: Path) -> Any:
    """A Chainlit storage client keeping element files under ``root``.

    Defined in a factory so importing this module does not import Chainlit.
    """
    from chainlit.data.storage_clients.base import BaseStorageClient  # lazy: see the docstring

    class LocalStorageClient(BaseStorageClient):
        """Element files on local disk, served by the app under ``FILES_ROUTE``."""

        def __init__(self, folder: Path) -> None:
            self.root = private_dir(folder)

        async def upload_file(
            self,
            object_key: str,
            data: bytes | str,
            mime: str = "application/octet-stream",
            overwrite: bool = True,
            content_disposition: str | None = None,
        ) -> dict[str, Any]:
            path = self.root / safe_key(object_key)
            if path.exists() and not overwrite:
                return {}
            for folder in reversed(path.relative_to(self.root).parents[:-1]):
                private_dir(self.root / folder)
            write_private(path, data.encode() if isinstance(data, str) else data)
            return {"object_key": object_key, "url": await self.get_read_url(object_key)}

        async def delete_file(self, object_key: str) -> bool:
            path = self.root / safe_key(object_key)
            if path.is_file():
                path.unlink()
                return True
            return False

        async def get_read_url(self, object_key: str) -> str:
            return f"{FILES_ROUTE}/{safe_key(object_key)}"

        async def close(self) -> None:
            return None

    return LocalStorageClient(root)


class OneThreadWriteAtATime:
    """Data layer mixin: Chainlit's ``update_thread``, one at a time per thread in a process.

    It reads the thread's metadata, merges the new keys and writes it all back: two at once
    (Chainlit naming the thread, or storing the session on disconnect, while the app saves
    its Session) lost one of the writes, every time in a test.
    """

    _thread_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
        weakref.WeakValueDictionary())

    async def update_thread(self, thread_id: str, name: str | None = None,
                            user_id: str | None = None, metadata: dict[str, Any] | None = None,
                            tags: list[str] | None = None) -> None:
        """The layer's own ``update_thread`` once no other write of the thread is running."""
        async with self._thread_locks.setdefault(thread_id, asyncio.Lock()):
            await super().update_thread(  # type: ignore[misc]
                thread_id, name=name, user_id=user_id, metadata=metadata, tags=tags)


def make_data_layer(data_dir: Path, url: str | None = None) -> Any:
    """Chainlit's SQLAlchemy data layer with local file storage under ``data_dir``.

    The database is ``url``, else :func:`history_url` (``DATABASE_URL`` or the SQLite file
    ``<data_dir>/chat.sqlite3``); its schema is created or migrated first.
    """
    from chainlit.data.sql_alchemy import SQLAlchemyDataLayer  # lazy: as make_storage_client

    class SQLiteDataLayer(OneThreadWriteAtATime, SQLAlchemyDataLayer):
        """SQLAlchemyDataLayer for SQLite, owner-aware, one write of a thread at a time.

        List and dict parameters are JSON-encoded; elements need no ``props``; element
        files are keyed by their thread's owner; the feedback routes ask who owns a step.
        """

        async def execute_sql(
            self, query: str, parameters: dict[str, Any]
        ) -> list[dict[str, Any]] | int | None:
            clean = {key: _sqlite_value(value) for key, value in parameters.items()}
            result = await super().execute_sql(query, clean)
            if isinstance(result, list):
                for row in result:  # get_element json-decodes props: NULL would be a 500
                    if "props" in row and row["props"] is None:
                        row["props"] = "{}"
            return result

        async def _get_user_id_by_thread(self, thread_id: str) -> str | None:
            """The thread's owner, else the user of the session creating the element.

            A thread not yet saved with its owner would otherwise key files ``unknown/``.
            """
            owner = await super()._get_user_id_by_thread(thread_id)
            if owner:
                return str(owner)
            return await _session_user_id(self)

        async def get_thread_author(self, thread_id: str) -> str:
            """The thread's owner, or "" for a thread that does not exist.

            Chainlit's own raises ``ValueError`` there, which its thread routes turn into a
            500; an empty author makes them answer 404 "Thread not found".
            """
            try:
                return str(await super().get_thread_author(thread_id))
            except ValueError:
                return ""

        async def step_owner(self, step_id: str) -> tuple[str | None, str | None]:
            """(owner identifier, thread id) of the thread holding ``step_id``."""
            rows = await self.execute_sql(
                'SELECT t."userIdentifier" AS owner, t."id" AS thread FROM steps s '
                'JOIN threads t ON t."id" = s."threadId" WHERE s."id" = :id', {"id": step_id})
            if isinstance(rows, list) and rows:
                return rows[0]["owner"], rows[0]["thread"]
            return None, None

        async def feedback_step(self, feedback_id: str) -> str | None:
            """The step a stored feedback is about (None when there is no such feedback)."""
            rows = await self.execute_sql(
                'SELECT "forId" FROM feedbacks WHERE "id" = :id', {"id": feedback_id})
            return str(rows[0]["forId"]) if isinstance(rows, list) and rows else None

    url = url or history_url(data_dir)
    prepare_database(data_dir, url)
    return SQLiteDataLayer(
        conninfo=url,
        storage_provider=make_storage_client(data_dir / FILES_DIR),
    )


async def _session_user_id(layer: Any) -> str | None:
    """The persisted id of the user of the current Chainlit session, if there is one."""
    # Chainlit is imported with the data layer, not with this module (see make_storage_client)
    from chainlit.context import ChainlitContextException, context
    from chainlit.user import PersistedUser

    try:
        user = context.session.user
    except ChainlitContextException:
        return None
    if isinstance(user, PersistedUser):
        return str(user.id)
    if user is not None:
        persisted = await layer.get_user(user.identifier)
        return str(persisted.id) if persisted is not None else None
    return None


def file_path_for(data_dir: Path, object_key: str, user_id: str | None) -> Path | None:
    """The file behind ``object_key`` if ``user_id`` owns it (keys start with the owner's id)."""
    try:
        key = safe_key(object_key)
    except ValueError:
        return None
    owner = Path(key).parts[0]
    if user_id is not None and owner != user_id:
        return None
    path = data_dir / FILES_DIR / key
    return path if path.is_file() else None


def session_from_thread(thread: Mapping[str, Any], key: str = SESSION_KEY) -> Session:
    """Rebuild the agent's Session from a stored thread: its metadata, else its messages."""
    metadata: Any = thread.get("metadata") or {}
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            metadata = {}
    stored = metadata.get(key) if isinstance(metadata, dict) else None
    if isinstance(stored, dict):
        try:
            return Session.model_validate(stored)
        except ValueError:
            pass
    session = Session(session_id=str(thread.get("id") or ""))
    for step in thread.get("steps") or []:
        if step.get("type") == "user_message" and step.get("output"):
            session.add_turn("user", str(step["output"]))
        elif step.get("type") == "assistant_message" and step.get("output"):
            session.add_turn("assistant", str(step["output"]))
    return session
