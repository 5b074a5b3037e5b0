"""Thumbs feedback in the chat history (SQLite or PostgreSQL) becomes eval cases the evals
loader accepts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pg_server import pg_url, postgres  # noqa: F401  (fixtures)
from sqlalchemy import text

from evals import feedback
from evals.cases import load_suite_file
from knowledge import database
from knowledge.settings import chat_db_path, get_settings
from tools.errors import FrameworkError
from ui import datalayer


def turn_rows(n: int, message: str, value: int | None, comment: str = "",
              prior: list[str] | None = None, tools: list[str] | None = None,
              cites: list[str] | None = None, metadata: bool = True
              ) -> list[tuple[str, dict[str, Any]]]:
    """The INSERTs of one turn: its run step, its answer and (maybe) a thumb on the run."""
    run, answer = f"run-{n}-0000", f"msg-{n}-0000"
    meta = {"user_message": message, "context_turns": prior or [], "tools": tools or [],
            "cites": cites or [], "backend": "offline"} if metadata else {}
    rows = [('INSERT INTO steps ("id","name","type","threadId","createdAt","metadata") '
             "VALUES (:id, 'on_message', 'run', 't1', :at, '{}')",
             {"id": run, "at": f"2026-11-22T1{n}"}),
            ('INSERT INTO steps ("id","name","type","threadId","parentId","output",'
             '"createdAt","metadata") VALUES (:id, \'PartnerPilot\', \'assistant_message\', '
             "'t1', :run, :out, :at, :meta)",
             {"id": answer, "run": run, "at": f"2026-11-22T1{n}", "meta": json.dumps(meta),
              "out": "Acme scores 72.\n\n**Sources:** Source 1 - x\n\nAnswered by: `offline`"})]
    if value is not None:
        rows.append(('INSERT INTO feedbacks ("id","forId","threadId","value","comment") '
                     "VALUES (:id, :run, 't1', :value, :comment)",
                     {"id": f"f{n}", "run": run, "value": value, "comment": comment}))
    return rows


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.server)])
def data_dir(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A chat history with four turns, in the data dir's SQLite or in PostgreSQL."""
    if request.param == "postgresql":
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("pg_url"))
    get_settings.cache_clear()
    url = datalayer.history_url(tmp_path)
    datalayer.prepare_database(tmp_path, url)
    statements = [
        ('INSERT INTO users VALUES (:id, :name, \'{}\', \'2026\')', {"id": "u1", "name": "alice"}),
        ('INSERT INTO threads ("id","userId","userIdentifier") VALUES (\'t1\', \'u1\', '
         "'alice')", {}),
        *turn_rows(1, "Score Acme", 1, "Clear", tools=["score_partner", "score_partner"],
                   cites=["attractiveness-scoring"]),
        *turn_rows(2, "And its tier?", 0, "Wrong tier", prior=["Score Acme"],
                   tools=["check_tier"]),
        *turn_rows(3, "Not rated", None),
        *turn_rows(4, "", 1, metadata=False)]

    async def fill() -> None:
        engine = database.engine(url)
        async with engine.begin() as conn:
            for sql, params in statements:
                await conn.execute(text(sql), params)
        await engine.dispose()

    database.run(fill())
    yield tmp_path
    get_settings.cache_clear()


def test_export_turns_thumbs_into_cases(data_dir: Path, tmp_path: Path) -> None:
    result = feedback.export_feedback(data_dir)
    assert [c["id"] for c in result.cases] == ["feedback-up-run-1-00", "feedback-down-run-2-00"]
    up, down = result.cases
    assert up["message"] == "Score Acme"
    assert up["expect"] == {"tools": ["score_partner"], "trajectory": "subset",
                            "cites": ["attractiveness-scoring"]}
    assert up["notes"].startswith("Thumbs up from alice: Clear | answer was: Acme scores 72.")
    assert "Sources" not in up["notes"] and "Answered by" not in up["notes"]
    assert down["turns"] == [{"user": "Score Acme"}, {"user": "And its tier?"}]
    assert down["expect"] == {}
    assert down["tags"] == ["feedback", "thumbs-down", "needs-expectation"]
    assert result.skipped == ["f4"]
    out = tmp_path / "feedback.yaml"
    out.write_text(result.to_yaml(), encoding="utf-8")
    suite = load_suite_file(out)
    assert suite.suite == "feedback" and len(suite.cases) == 2
    assert suite.cases[1].turn_specs()[-1].user == "And its tier?"


def test_export_filters_and_handles_no_history(data_dir: Path, tmp_path: Path) -> None:
    assert [c["tags"][1] for c in feedback.export_feedback(data_dir, only="down").cases] == [
        "thumbs-down"]
    assert len(feedback.export_feedback(data_dir, only="up").cases) == 1
    empty = feedback.export_feedback(tmp_path / "nothing-here",
                                     url="sqlite+aiosqlite:///nothing-here/chat.sqlite3")
    assert empty.cases == [] and empty.to_yaml() == "# no feedback recorded yet\n"
    with pytest.raises(FrameworkError, match="only: must be all, up or down"):
        feedback.export_feedback(data_dir, only="sideways")


def test_a_file_that_is_not_a_chat_history_is_reported(tmp_path: Path) -> None:
    with sqlite3.connect(chat_db_path(tmp_path)) as conn:
        conn.execute("CREATE TABLE other (x)")
    with pytest.raises(FrameworkError, match="is not a chat history database"):
        feedback.export_feedback(tmp_path)


def test_yaml_round_trips(data_dir: Path) -> None:
    data = yaml.safe_load(feedback.export_feedback(data_dir).to_yaml())
    assert data["suite"] == "feedback" and data["deterministic"] is False
