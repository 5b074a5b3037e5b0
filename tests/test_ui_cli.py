"""``partnerpilot ui`` / ``users`` / ``feedback``: clear errors, and the launch plan."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from knowledge.settings import chat_db_path, get_settings
from ui import auth, datalayer, launch

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(os, "environ", dict(os.environ))  # launch.plan exports settings
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNERPILOT_USERS", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_users_add_and_list(data_dir: Path) -> None:
    added = runner.invoke(app, ["users", "add", "alice"],
                          env={"PARTNERPILOT_NEW_PASSWORD": "long enough"})
    assert added.exit_code == 0, added.output
    assert f"user alice (member) saved in {data_dir / 'users.yaml'}" in added.output
    listed = runner.invoke(app, ["users", "list", "--json"])
    assert json.loads(listed.output) == {"users": ["alice"], "roles": {"alice": "member"}}
    assert auth.authenticate(auth.load_users(data_dir, env=""), "alice", "long enough")


def test_users_add_short_password_is_one_line_error(data_dir: Path) -> None:
    result = runner.invoke(app, ["users", "add", "bob"],
                           env={"PARTNERPILOT_NEW_PASSWORD": "short"})
    assert result.exit_code == 2
    assert "error: password: must be at least 8 characters" in result.output
    assert "Traceback" not in result.output


def test_ui_rejects_a_bad_port_before_starting(data_dir: Path) -> None:
    result = runner.invoke(app, ["ui", "--port", "0"])
    assert result.exit_code == 2
    assert "error: port: must be a whole number from 1 to 65535 (got '0')" in result.output


def test_feedback_export_empty_and_to_file(data_dir: Path) -> None:
    empty = runner.invoke(app, ["feedback", "export"])
    assert empty.exit_code == 0 and "# no feedback recorded yet" in empty.output
    path = datalayer.init_db(data_dir)
    with sqlite3.connect(path) as conn:
        conn.execute('INSERT INTO steps ("id","name","type","threadId","metadata") '
                     "VALUES ('r1','on_message','run','t1','{}')")
        conn.execute('INSERT INTO steps ("id","name","type","threadId","parentId","output",'
                     '"metadata") VALUES (?,?,?,?,?,?,?)',
                     ("m1", "PartnerPilot", "assistant_message", "t1", "r1", "ok",
                      json.dumps({"user_message": "Score Acme", "tools": ["score_partner"]})))
        conn.execute("INSERT INTO feedbacks VALUES ('f1','r1','t1',1,'nice')")
    out = data_dir / "out" / "feedback.yaml"
    result = runner.invoke(app, ["feedback", "export", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cases"] == 1
    assert "message: Score Acme" in out.read_text()


def test_plan_creates_a_first_user_when_none_exists(data_dir: Path) -> None:
    plan = launch.plan(data_dir, "127.0.0.1", 8123, auth=True)
    assert plan.url == "http://127.0.0.1:8123" and plan.created_user == "admin"
    assert plan.created_password
    users = auth.load_users(data_dir, env="")
    assert auth.authenticate(users, "admin", plan.created_password)
    assert os.environ["CHAINLIT_APP_ROOT"] == str(launch.UI_ROOT)
    assert os.environ["CHAINLIT_AUTH_SECRET"] == auth.auth_secret(data_dir)
    assert os.environ[launch.ENV_AUTH] == "1"
    assert chat_db_path(data_dir).is_file()
    again = launch.plan(data_dir, "127.0.0.1", 8123, auth=True)
    assert again.created_user is None and again.users == ["admin"]


def test_plan_without_auth_sets_the_flag_and_makes_no_user(data_dir: Path) -> None:
    plan = launch.plan(data_dir, "127.0.0.1", 8124, auth=False)
    assert not plan.auth and plan.users == [] and plan.created_user is None
    assert os.environ[launch.ENV_AUTH] == "0"
    assert not (data_dir / auth.USERS_FILE).exists()


def test_chainlit_config_lives_in_ui() -> None:
    root = launch.UI_ROOT
    config = (root / ".chainlit" / "config.toml").read_text()
    assert "[features.spontaneous_file_upload]" in config and 'accept = ["*/*"]' in config
    theme = json.loads((root / "public" / "theme.json").read_text())
    assert theme["custom_fonts"] == [] and theme["variables"]["light"]["--primary"]
    for name in ("logo_light.svg", "logo_dark.svg", "favicon.svg", "style.css", "welcome.js"):
        assert (root / "public" / name).is_file(), name
    assert (root / "chainlit.md").is_file()
