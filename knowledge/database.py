"""The database of a deployment: chat history and the audit trail, SQLite or PostgreSQL.

``DATABASE_URL`` (``postgresql://user:password@host:port/db``) puts both in PostgreSQL,
through SQLAlchemy and asyncpg; without it they live in ``<data_dir>/chat.sqlite3``
(aiosqlite). One schema serves both: every column is a type both databases have, lists and
dicts are stored as JSON text. :func:`migrate` creates what is missing and records the
schema version in ``partnerpilot_schema``; the UI runs it at start, the CLI before it writes
an audit row, ``partnerpilot doctor`` checks it.

Everything here is async (asyncpg is async only); :func:`run` runs a coroutine from sync
code (the CLI, the importer), also when the calling thread already runs an event loop.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from knowledge.settings import Settings, chat_db_path, private_dir
from tools.errors import FrameworkError

T = TypeVar("T")
SCHEMA_VERSION = 1
VERSION_TABLE = "partnerpilot_schema"
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+asyncpg")

# The tables Chainlit's SQLAlchemy data layer writes (it creates none itself), then ours.
TABLES = """
CREATE TABLE IF NOT EXISTS users (
    "id" TEXT PRIMARY KEY,
    "identifier" TEXT NOT NULL UNIQUE,
    "metadata" TEXT NOT NULL DEFAULT '{}',
    "createdAt" TEXT
);
CREATE TABLE IF NOT EXISTS threads (
    "id" TEXT PRIMARY KEY,
    "createdAt" TEXT,
    "name" TEXT,
    "userId" TEXT,
    "userIdentifier" TEXT,
    "tags" TEXT,
    "metadata" TEXT,
    FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS steps (
    "id" TEXT PRIMARY KEY,
    "name" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "threadId" TEXT NOT NULL,
    "parentId" TEXT,
    "command" TEXT,
    "modes" TEXT,
    "streaming" BOOLEAN NOT NULL DEFAULT FALSE,
    "waitForAnswer" BOOLEAN,
    "isError" BOOLEAN,
    "metadata" TEXT,
    "tags" TEXT,
    "input" TEXT,
    "output" TEXT,
    "createdAt" TEXT,
    "start" TEXT,
    "end" TEXT,
    "generation" TEXT,
    "showInput" TEXT,
    "defaultOpen" BOOLEAN,
    "autoCollapse" BOOLEAN,
    "language" TEXT,
    "icon" TEXT,
    "indent" INTEGER,
    FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS elements (
    "id" TEXT PRIMARY KEY,
    "threadId" TEXT,
    "type" TEXT,
    "chainlitKey" TEXT,
    "path" TEXT,
    "url" TEXT,
    "objectKey" TEXT,
    "name" TEXT NOT NULL,
    "display" TEXT,
    "size" TEXT,
    "language" TEXT,
    "page" INTEGER,
    "props" TEXT,
    "autoPlay" BOOLEAN,
    "playerConfig" TEXT,
    "forId" TEXT,
    "mime" TEXT,
    FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS feedbacks (
    "id" TEXT PRIMARY KEY,
    "forId" TEXT NOT NULL,
    "threadId" TEXT,
    "value" INTEGER NOT NULL,
    "comment" TEXT
);
CREATE INDEX IF NOT EXISTS steps_thread ON steps ("threadId");
CREATE INDEX IF NOT EXISTS threads_user ON threads ("userId");
CREATE TABLE IF NOT EXISTS partnerpilot_audit (
    "id" TEXT PRIMARY KEY,
    "at" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "actor" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "partner_id" TEXT,
    "source" TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON partnerpilot_audit ("at");
CREATE TABLE IF NOT EXISTS partnerpilot_schema (
    "version" INTEGER NOT NULL
);
"""

STATEMENTS = [s.strip() for s in TABLES.split(";") if s.strip()]
EXPECTED_TABLES = ("users", "threads", "steps", "elements", "feedbacks", "partnerpilot_audit")


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL of the deployment's database (see the module docstring).

    Raises:
        FrameworkError: When ``DATABASE_URL`` is set but is not a PostgreSQL URL.
    """
    raw = (settings.database_url or "").strip()
    if not raw:
        return f"sqlite+aiosqlite:///{chat_db_path(Path(settings.data_dir))}"
    parts = urlsplit(raw)
    if parts.scheme not in POSTGRES_SCHEMES or not parts.hostname:
        raise FrameworkError("DATABASE_URL", "must be postgresql://USER:PASSWORD@HOST:PORT/DB",
                             shown_url(raw))
    return urlunsplit(parts._replace(scheme="postgresql+asyncpg"))


def is_postgres(url: str) -> bool:
    """Whether ``url`` names PostgreSQL (else SQLite)."""
    return url.startswith("postgresql")


def shown_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages and logs)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def engine(url: str) -> AsyncEngine:
    """An engine that opens a connection per use (no pool to outlive an event loop)."""
    return create_async_engine(url, poolclass=NullPool)


def _sqlite_file(url: str) -> None:
    """Create the SQLite file readable by its owner only (0600, in a 0700 folder)."""
    path = Path(url.split(":///", 1)[1])
    private_dir(path.parent)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    path.chmod(0o600)  # also a database made before files were private


async def migrate_async(url: str) -> int:
    """Create the missing tables and record the schema version (idempotent); return it."""
    if not is_postgres(url):
        _sqlite_file(url)
    db = engine(url)
    try:
        async with db.begin() as conn:
            if is_postgres(url):  # two processes starting at once must not race the DDL
                await conn.execute(text("SELECT pg_advisory_xact_lock(17017)"))
            for statement in STATEMENTS:
                await conn.execute(text(statement))
            rows = (await conn.execute(text(f"SELECT version FROM {VERSION_TABLE}"))).all()
            if not rows:
                await conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version) VALUES (:v)"),
                                   {"v": SCHEMA_VERSION})
            elif max(r[0] for r in rows) < SCHEMA_VERSION:
                await conn.execute(text(f"UPDATE {VERSION_TABLE} SET version = :v"),
                                   {"v": SCHEMA_VERSION})
    finally:
        await db.dispose()
    return SCHEMA_VERSION


async def schema_state(url: str) -> tuple[int | None, list[str]]:
    """(recorded schema version or None, expected tables that are missing)."""
    db = engine(url)
    try:
        async with db.connect() as conn:
            def names(sync_conn: Any) -> list[str]:
                return list(inspect(sync_conn).get_table_names())

            present = set(await conn.run_sync(names))
            version = None
            if VERSION_TABLE in present:
                got = (await conn.execute(text(f"SELECT max(version) FROM {VERSION_TABLE}"))).all()
                version = got[0][0] if got else None
    finally:
        await db.dispose()
    return version, [t for t in EXPECTED_TABLES if t not in present]


def migrate(settings: Settings) -> str:
    """Create or migrate the deployment's database; return its URL (password hidden).

    Raises:
        FrameworkError: Naming ``DATABASE_URL`` when the database cannot be reached.
    """
    url = database_url(settings)
    try:
        run(migrate_async(url))
    except (OSError, ConnectionError) as exc:
        raise FrameworkError("DATABASE_URL", f"cannot reach the database: {exc}",
                             shown_url(url)) from None
    except Exception as exc:  # asyncpg and SQLAlchemy raise their own classes
        if type(exc).__module__.split(".")[0] in ("asyncpg", "sqlalchemy", "sqlite3"):
            raise FrameworkError("DATABASE_URL", f"cannot use the database: {exc}",
                                 shown_url(url)) from None
        raise
    return shown_url(url)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from sync code (in a worker thread if a loop runs here)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=worker, name="partnerpilot-db")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]
