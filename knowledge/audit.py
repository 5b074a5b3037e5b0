"""The audit trail: who added, updated or deleted which partner records, and when.

Kept in the deployment's database (:mod:`knowledge.database`: PostgreSQL with
``DATABASE_URL``, else the data dir's SQLite), table ``partnerpilot_audit``, one row per
partner record changed. The write paths (:func:`knowledge.importer.import_file`, the CLI's
``index``) call :func:`prepare` before the store changes, so an unreachable database stops
the write, and :func:`record` after it. ``partnerpilot audit`` and the admins' chat tool read
it with :func:`history`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field
from sqlalchemy import text

from knowledge import database
from knowledge.settings import Settings

AuditAction = Literal["added", "updated", "deleted", "rebuilt"]


class Actor(BaseModel):
    """Who acts: a user name and their role (``admin``, ``member`` or ``viewer``)."""

    name: str
    role: str


#: The operator of a local store (the CLI on its own data dir): may do everything.
LOCAL = Actor(name="local", role="admin")


class AuditEvent(BaseModel):
    """One change to one partner record (``partner_id`` is None for a whole-store rebuild)."""

    at: str
    actor: str
    role: str
    action: AuditAction
    partner_id: str | None = None
    source: str


class AuditQuery(BaseModel):
    """Which audit rows to read, newest first.

    Args:
        limit: At most this many rows.
        actor: Only this user's changes.
        partner_id: Only changes to this partner.
    """

    limit: Annotated[int, Field(ge=1, le=1000)] = 50
    actor: Annotated[str | None, Field(max_length=64)] = None
    partner_id: Annotated[str | None, Field(max_length=200)] = None


def prepare(settings: Settings) -> None:
    """Make sure the audit table exists and the database answers (before a write).

    Raises:
        FrameworkError: Naming ``DATABASE_URL`` when the database cannot be used.
    """
    database.migrate(settings)


def events_for(added: Sequence[str], updated: Sequence[str], deleted: Sequence[str] = ()
               ) -> list[tuple[AuditAction, str | None]]:
    """The (action, partner id) pairs of one write, in a stable order."""
    pairs: list[tuple[AuditAction, str | None]] = [("added", p) for p in added]
    pairs += [("updated", p) for p in updated]
    pairs += [("deleted", p) for p in deleted]
    return pairs


def record(settings: Settings, actor: Actor, events: Sequence[tuple[AuditAction, str | None]],
           source: str) -> int:
    """Append one row per event (one transaction); return how many were written."""
    if not events:
        return 0
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    rows = [{"id": uuid.uuid4().hex, "at": at, "seq": n, "actor": actor.name,
             "role": actor.role, "action": action, "partner_id": pid, "source": source[:200]}
            for n, (action, pid) in enumerate(events)]
    url = database.database_url(settings)

    async def write() -> None:
        db = database.engine(url)
        try:
            async with db.begin() as conn:
                await conn.execute(text(
                    'INSERT INTO partnerpilot_audit ("id", "at", "seq", "actor", "role", '
                    '"action", "partner_id", "source") VALUES (:id, :at, :seq, :actor, :role, '
                    ':action, :partner_id, :source)'), rows)
        finally:
            await db.dispose()

    database.run(write())
    return len(rows)


def history(settings: Settings, query: AuditQuery | None = None) -> list[AuditEvent]:
    """The audit rows matching ``query``, newest first."""
    query = query or AuditQuery()
    where, params = [], {"limit": query.limit}
    if query.actor:
        where.append('"actor" = :actor')
        params["actor"] = query.actor  # type: ignore[assignment]
    if query.partner_id:
        where.append('"partner_id" = :pid')
        params["pid"] = query.partner_id  # type: ignore[assignment]
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    sql = ('SELECT "at", "actor", "role", "action", "partner_id", "source" '
           f'FROM partnerpilot_audit {clause} ORDER BY "at" DESC, "seq" DESC LIMIT :limit')
    url = database.database_url(settings)

    async def read() -> list[AuditEvent]:
        db = database.engine(url)
        try:
            async with db.connect() as conn:
                got = (await conn.execute(text(sql), params)).mappings().all()
        finally:
            await db.dispose()
        return [AuditEvent.model_validate(dict(row)) for row in got]

    database.migrate(settings)  # a fresh database has an empty trail, not a missing table
    return database.run(read())
