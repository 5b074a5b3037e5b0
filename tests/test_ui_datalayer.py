"""Chainlit's SQLAlchemy data layer on our schema, for real: SQLite (aiosqlite, temp dir) and
PostgreSQL (asyncpg, a throwaway cluster from ``pg_server``); the history tests run on both."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pg_server import pg_url, postgres  # noqa: F401  (fixtures)

import ui  # noqa: F401  (points Chainlit's app root at ui/ before chainlit is imported)
from agent.session import Session
from knowledge import database
from ui import datalayer


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.server)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The history database of one test: the data dir's SQLite, or a fresh PostgreSQL DB."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'chat.sqlite3'}"
    return database.database_url(database.Settings(
        data_dir=tmp_path, database_url=request.getfixturevalue("pg_url")))


@pytest.fixture(autouse=True)
def _keep_ui_clean() -> None:
    import chainlit.config  # noqa: F401

    try:  # chainlit made an empty <app root>/.files on import
        (Path(ui.__file__).parent / ".files").rmdir()
    except OSError:
        pass


def test_init_db_creates_every_table_and_is_idempotent(tmp_path: Path) -> None:
    path = datalayer.init_db(tmp_path)
    datalayer.init_db(tmp_path)
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "threads", "steps", "elements", "feedbacks"} <= tables


async def _history(tmp_path: Path, url: str) -> dict[str, Any]:
    from chainlit.context import init_http_context
    from chainlit.types import Feedback, Pagination, ThreadFilter
    from chainlit.user import User

    init_http_context()
    layer = datalayer.make_data_layer(tmp_path, url)
    alice = await layer.create_user(User(identifier="alice"))
    bob = await layer.create_user(User(identifier="bob"))
    session = Session(session_id="t-alice")
    session.add_turn("user", "score Acme")
    await layer.update_thread("t-alice", name="Alice's", user_id=alice.id,
                              metadata={datalayer.SESSION_KEY: session.model_dump(mode="json")})
    await layer.update_thread("t-bob", name="Bob's", user_id=bob.id)
    for n, (kind, text) in enumerate([("user_message", "score Acme"),
                                      ("assistant_message", "Acme scores 72.")]):
        await layer.create_step({
            "id": f"s{n}", "threadId": "t-alice", "type": kind, "name": kind, "output": text,
            "streaming": False, "createdAt": f"2026-11-22T10:00:0{n}Z",
            "tags": ["a", "b"], "modes": {"mode": "x"}, "metadata": {"tools": ["score_partner"]},
        })
    await layer.upsert_feedback(Feedback(forId="s1", value=1, threadId="t-alice",
                                         comment="good"))
    page = Pagination(first=10)
    mine = await layer.list_threads(page, ThreadFilter(userId=alice.id))
    theirs = await layer.list_threads(page, ThreadFilter(userId=bob.id))
    thread = await layer.get_thread("t-alice")
    author = await layer.get_thread_author("t-alice")
    await layer.close()
    return {"mine": mine.data, "theirs": theirs.data, "thread": thread, "author": author}


def test_threads_steps_feedback_round_trip_and_users_are_separated(tmp_path: Path,
                                                                   db_url: str) -> None:
    got = asyncio.run(_history(tmp_path, db_url))
    assert [t["id"] for t in got["mine"]] == ["t-alice"]
    assert [t["id"] for t in got["theirs"]] == ["t-bob"]
    assert got["author"] == "alice"
    steps = got["thread"]["steps"]
    assert [s["output"] for s in steps] == ["score Acme", "Acme scores 72."]
    assert json.loads(steps[1]["tags"]) == ["a", "b"]  # lists stored as JSON text
    assert steps[1]["feedback"]["comment"] == "good"
    session = datalayer.session_from_thread(got["thread"])
    assert session.session_id == "t-alice"
    assert [t.content for t in session.turns] == ["score Acme"]


def test_an_unknown_thread_is_not_found_not_a_server_error(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from chainlit.data import acl
    from fastapi import HTTPException

    layer = datalayer.make_data_layer(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'c.sqlite3'}")
    monkeypatch.setattr(acl, "get_data_layer", lambda: layer)  # the app's layer, this test's db

    async def check() -> tuple[str, int]:
        author = await layer.get_thread_author("no-such-thread")
        try:
            await acl.is_thread_author("alice", "no-such-thread")  # what /project/thread asks
        except HTTPException as exc:
            return author, exc.status_code
        finally:
            await layer.close()
        return author, 200

    assert asyncio.run(check()) == ("", 404)


def test_session_rebuilt_from_messages_when_metadata_is_missing() -> None:
    thread = {"id": "t1", "metadata": "not json", "steps": [
        {"type": "user_message", "output": "hi"}, {"type": "run", "output": "x"},
        {"type": "assistant_message", "output": "hello"}]}
    session = datalayer.session_from_thread(thread)
    assert [(t.role, t.content) for t in session.turns] == [("user", "hi"),
                                                             ("assistant", "hello")]
    assert session.session_id == "t1"


def test_local_storage_client_and_owner_only_paths(tmp_path: Path) -> None:
    client = datalayer.make_storage_client(tmp_path / datalayer.FILES_DIR)

    async def go() -> tuple[dict[str, Any], str, bool]:
        uploaded = await client.upload_file("u1/e1/ts.docx", b"DOCX", mime="x")
        url = await client.get_read_url("u1/e1/ts.docx")
        return uploaded, url, await client.delete_file("u1/e1/other")

    uploaded, url, deleted = asyncio.run(go())
    assert uploaded == {"object_key": "u1/e1/ts.docx", "url": url}
    assert url == "/partnerpilot/files/u1/e1/ts.docx" and deleted is False
    assert datalayer.file_path_for(tmp_path, "u1/e1/ts.docx", "u1") is not None
    assert datalayer.file_path_for(tmp_path, "u1/e1/ts.docx", "u2") is None
    assert datalayer.file_path_for(tmp_path, "u1/e1/ts.docx", None) is not None
    assert datalayer.file_path_for(tmp_path, "u1/../../etc/passwd", "u1") is None
    with pytest.raises(ValueError, match="bad object key"):
        datalayer.safe_key("/etc/passwd")


def test_schema_is_created_at_start_and_an_old_one_is_migrated(tmp_path: Path,
                                                               db_url: str) -> None:
    from sqlalchemy import text

    if database.is_postgres(db_url):  # a fresh database has none of the tables yet
        assert database.run(database.schema_state(db_url)) == (
            None, list(database.EXPECTED_TABLES))
    database.run(database.migrate_async(db_url))
    database.run(database.migrate_async(db_url))  # idempotent
    assert database.run(database.schema_state(db_url)) == (database.SCHEMA_VERSION, [])

    async def age() -> None:  # a database left by an older partnerpilot
        engine = database.engine(db_url)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE partnerpilot_schema SET version = 0"))
            await conn.execute(text("DROP TABLE partnerpilot_audit"))
        await engine.dispose()

    database.run(age())
    version, missing = database.run(database.schema_state(db_url))
    assert (version, missing) == (0, ["partnerpilot_audit"])
    datalayer.prepare_database(tmp_path, db_url)  # what the UI runs at start
    assert database.run(database.schema_state(db_url)) == (database.SCHEMA_VERSION, [])


def test_two_writes_of_one_thread_at_once_both_hold(tmp_path: Path) -> None:
    """Chainlit's update_thread reads, merges and writes the metadata: two at once lost one."""
    from chainlit.context import init_http_context

    async def go() -> dict[str, Any]:
        init_http_context()
        layer = datalayer.make_data_layer(tmp_path)
        await layer.update_thread("t-1", name="Named")
        for n in range(5):
            await asyncio.gather(layer.update_thread("t-1", metadata={f"ours-{n}": 1}),
                                 layer.update_thread("t-1", metadata={f"theirs-{n}": 2}),
                                 layer.update_thread("t-1", name=f"Renamed {n}"))
        rows = await layer.execute_sql('SELECT "name", "metadata" FROM threads WHERE "id" = :id',
                                       {"id": "t-1"})
        return {"name": rows[0]["name"], **json.loads(rows[0]["metadata"])}

    stored = asyncio.run(go())
    assert stored["name"] == "Renamed 4"
    assert {f"{who}-{n}" for who in ("ours", "theirs") for n in range(5)} <= set(stored)
