"""Who may log in to the chat UI: users from ``<data_dir>/users.yaml`` or ``PARTNERPILOT_USERS``.

``users.yaml`` holds bcrypt hashes (``partnerpilot users add NAME`` writes it)::

    users:
      alice: $2b$12$...

``PARTNERPILOT_USERS="alice:secret,bob:secret"`` adds plain-text users for local use and
tests. The JWT secret Chainlit signs sessions with is generated once and kept in the data dir.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

import bcrypt
import yaml
from pydantic import BaseModel

from tools.errors import FrameworkError

USERS_FILE = "users.yaml"
SECRET_FILE = "ui-auth-secret"
ENV_USERS = "PARTNERPILOT_USERS"
NAME_RE = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")


class Credential(BaseModel):
    """One user's password check: a bcrypt hash, or a plain secret from the environment."""

    name: str
    bcrypt_hash: str | None = None
    plain: str | None = None

    def matches(self, password: str) -> bool:
        """Whether ``password`` is this user's password (constant-time for plain secrets)."""
        if self.bcrypt_hash:
            try:
                return bcrypt.checkpw(password.encode(), self.bcrypt_hash.encode())
            except ValueError:
                return False
        if self.plain is not None:
            return hmac.compare_digest(password.encode(), self.plain.encode())
        return False


def check_name(name: str) -> str:
    """Validate a user name (letters, digits, ``_.@-``, at most 64 characters)."""
    if not NAME_RE.match(name):
        raise FrameworkError("name", "must be 1-64 letters, digits or _.@- characters", name)
    return name


def parse_env_users(value: str) -> dict[str, Credential]:
    """Parse ``"alice:pw,bob:pw"`` into credentials.

    Raises:
        FrameworkError: When an entry has no ``:`` or an empty name or password.
    """
    users: dict[str, Credential] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        name, sep, password = entry.partition(":")
        if not sep or not password:
            raise FrameworkError(ENV_USERS, "each entry must be NAME:PASSWORD", entry)
        users[check_name(name.strip())] = Credential(name=name.strip(), plain=password)
    return users


def load_users(data_dir: Path, env: str | None = None) -> dict[str, Credential]:
    """All users allowed to log in: the users file first, then the environment (which wins).

    Raises:
        FrameworkError: When the users file is not a mapping of names to bcrypt hashes.
    """
    users: dict[str, Credential] = {}
    path = data_dir / USERS_FILE
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        table = data.get("users") if isinstance(data, dict) else None
        if not isinstance(table, dict):
            raise FrameworkError(str(path), "must hold a 'users:' mapping of name to hash", data)
        for name, hashed in table.items():
            if not isinstance(hashed, str) or not hashed.startswith("$2"):
                raise FrameworkError(f"users.{name}", "must be a bcrypt hash", hashed)
            users[check_name(str(name))] = Credential(name=str(name), bcrypt_hash=hashed)
    env_value = os.environ.get(ENV_USERS) if env is None else env
    if env_value:
        users.update(parse_env_users(env_value))
    return users


def authenticate(users: dict[str, Credential], name: str, password: str) -> bool:
    """Whether ``name`` is a known user and ``password`` is theirs."""
    credential = users.get(name)
    return bool(credential and password and credential.matches(password))


def add_user(data_dir: Path, name: str, password: str) -> Path:
    """Add or replace a user in the users file with a bcrypt hash of ``password``.

    Raises:
        FrameworkError: When the name is invalid or the password shorter than 8 characters.
    """
    check_name(name)
    if len(password) < 8:
        shown = f"{len(password)} characters"
        raise FrameworkError("password", "must be at least 8 characters", shown)
    path = data_dir / USERS_FILE
    data: dict[str, dict[str, str]] = {"users": {}}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(loaded, dict) and isinstance(loaded.get("users"), dict):
            data["users"] = {str(k): str(v) for k, v in loaded["users"].items()}
    data["users"][name] = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
    path.chmod(0o600)
    return path


def auth_secret(data_dir: Path) -> str:
    """The JWT secret: ``CHAINLIT_AUTH_SECRET`` if set, else one generated and kept on disk."""
    if value := os.environ.get("CHAINLIT_AUTH_SECRET"):
        return value
    path = data_dir / SECRET_FILE
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    return value
