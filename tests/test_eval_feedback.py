"""Thumbs feedback in the chat history becomes eval cases the evals loader accepts."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from evals import feedback
from evals.cases import load_suite_file
from knowledge.settings import chat_db_path
from tools.errors import FrameworkError
from ui import datalayer


def add_turn(conn: sqlite3.Connection, n: int, message: str, value: int | None,
             comment: str = "", prior: list[str] | None = None, tools: list[str] | None = None,
             cites: list[str] | None = None, metadata: bool = True) -> None:
    run, answer = f"run-{n}-0000", f"msg-{n}-0000"
    conn.execute('INSERT INTO steps ("id","name","type","threadId","createdAt","metadata") '
                 "VALUES (?,?,?,?,?,?)", (run, "on_message", "run", "t1", f"2026-11-22T1{n}", "{}"))
    meta = {"user_message": message, "context_turns": prior or [], "tools": tools or [],
            "cites": cites or [], "backend": "offline"} if metadata else {}
    conn.execute('INSERT INTO steps ("id","name","type","threadId","parentId","output",'
                 '"createdAt","metadata") VALUES (?,?,?,?,?,?,?,?)',
                 (answer, "PartnerPilot", "assistant_message", "t1", run,
                  "Acme scores 72.\n\n**Sources:** Source 1 - x\n\nAnswered by: `offline`",
                  f"2026-11-22T1{n}", json.dumps(meta)))
    if value is not None:
        conn.execute('INSERT INTO feedbacks ("id","forId","threadId","value","comment") '
                     "VALUES (?,?,?,?,?)", (f"f{n}", run, "t1", value, comment))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = datalayer.init_db(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute('INSERT INTO users VALUES (?,?,?,?)', ("u1", "alice", "{}", "2026"))
        conn.execute('INSERT INTO threads ("id","userId","userIdentifier") VALUES (?,?,?)',
                     ("t1", "u1", "alice"))
        add_turn(conn, 1, "Score Acme", 1, "Clear", tools=["score_partner", "score_partner"],
                 cites=["attractiveness-scoring"])
        add_turn(conn, 2, "And its tier?", 0, "Wrong tier", prior=["Score Acme"],
                 tools=["check_tier"])
        add_turn(conn, 3, "Not rated", None)
        add_turn(conn, 4, "", 1, metadata=False)
    return tmp_path


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
    empty = feedback.export_feedback(tmp_path / "nothing-here")
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
