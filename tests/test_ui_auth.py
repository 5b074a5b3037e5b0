"""Who may log in: bcrypt users in the data dir, plain users from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.errors import FrameworkError
from ui import auth


def test_added_user_is_stored_hashed_and_authenticates(tmp_path: Path) -> None:
    path = auth.add_user(tmp_path, "alice", "correct horse")
    stored = yaml.safe_load(path.read_text())["users"]["alice"]
    assert stored["hash"].startswith("$2") and "correct horse" not in path.read_text()
    assert stored["role"] == "member"  # the default role
    users = auth.load_users(tmp_path, env="")
    assert auth.authenticate(users, "alice", "correct horse")
    assert not auth.authenticate(users, "alice", "wrong horse")
    assert not auth.authenticate(users, "mallory", "correct horse")
    assert not auth.authenticate(users, "alice", "")


def test_env_users_override_and_bad_entries_name_the_problem(tmp_path: Path) -> None:
    auth.add_user(tmp_path, "bob", "file-password")
    users = auth.load_users(tmp_path, env="bob:env-password, carol:c-pass")
    assert auth.authenticate(users, "bob", "env-password")
    assert not auth.authenticate(users, "bob", "file-password")
    assert auth.authenticate(users, "carol", "c-pass")
    with pytest.raises(FrameworkError, match="PARTNERPILOT_USERS: each entry must be"):
        auth.parse_env_users("dave")


@pytest.mark.parametrize(("name", "password", "message"), [
    ("bad name!", "long enough", "name: must be 1-64"),
    ("eve", "short", "password: must be at least 8 characters"),
])
def test_add_user_rejects_bad_input(tmp_path: Path, name: str, password: str,
                                    message: str) -> None:
    with pytest.raises(FrameworkError, match=message):
        auth.add_user(tmp_path, name, password)


def test_malformed_users_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / auth.USERS_FILE).write_text("users:\n  alice: plaintext\n")
    with pytest.raises(FrameworkError, match="users.alice: must be a bcrypt hash"):
        auth.load_users(tmp_path, env="")
    (tmp_path / auth.USERS_FILE).write_text("- just a list\n")
    with pytest.raises(FrameworkError, match="must hold a 'users:' mapping"):
        auth.load_users(tmp_path, env="")


def test_auth_secret_is_generated_once_and_env_wins(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)
    first = auth.auth_secret(tmp_path)
    assert len(first) >= 32 and auth.auth_secret(tmp_path) == first
    monkeypatch.setenv("CHAINLIT_AUTH_SECRET", "from-env")
    assert auth.auth_secret(tmp_path) == "from-env"
