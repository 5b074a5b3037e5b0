"""Who may log in to the chat UI: users from ``<data_dir>/users.yaml`` or ``PARTNERPILOT_USERS``.

``users.yaml`` holds bcrypt hashes and roles (``partnerpilot users add NAME --role ROLE``
writes it)::

    users:
      alice: {hash: $2b$12$..., role: admin}
      bob: $2b$12$...            # a user without a role (older files) is a member

``PARTNERPILOT_USERS="alice:secret,bob:secret"`` adds plain-text users for local use and
tests; ``PARTNERPILOT_ROLES="alice:admin,bob:viewer"`` gives any user a role (it wins over the
file). Roles and what each may do are in :mod:`agent.access`. The JWT secret Chainlit signs
sessions with is generated once and kept in the data dir.

Sessions are revocable: every token carries a *session stamp* (the user's session version
from ``ui-sessions.json`` and a keyed fingerprint of their credential). Logging out bumps the
version, changing a password changes the fingerprint, and either makes every earlier token of
that user stale (checked on each request by :func:`token_is_current`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import bcrypt
import jwt
import yaml
from pydantic import BaseModel

from agent.access import DEFAULT_ROLE, Role, parse_role
from tools.errors import FrameworkError

USERS_FILE = "users.yaml"
SECRET_FILE = "ui-auth-secret"
SESSIONS_FILE = "ui-sessions.json"
STAMP_KEY = "session_stamp"
ENV_USERS = "PARTNERPILOT_USERS"
ENV_ROLES = "PARTNERPILOT_ROLES"
NAME_RE = re.compile(r"^[A-Za-z0-9_.@\-]{1,64}$")


class Credential(BaseModel):
    """One user's password check: a bcrypt hash, or a plain secret from the environment."""

    name: str
    bcrypt_hash: str | None = None
    plain: str | None = None
    role: Role = DEFAULT_ROLE

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
        for name, entry in table.items():
            users[check_name(str(name))] = _file_credential(str(name), entry)
    env_value = os.environ.get(ENV_USERS) if env is None else env
    if env_value:
        users.update(parse_env_users(env_value))
    for name, role in parse_env_roles(os.environ.get(ENV_ROLES, "")).items():
        if name in users:
            users[name] = users[name].model_copy(update={"role": role})
    return users


def _file_credential(name: str, entry: Any) -> Credential:
    """One users-file entry: a bare hash (a member) or ``{hash: ..., role: ...}``."""
    role = DEFAULT_ROLE
    hashed = entry
    if isinstance(entry, dict):
        hashed = entry.get("hash")
        try:
            role = parse_role(str(entry.get("role", DEFAULT_ROLE.value)))
        except ValueError as exc:
            raise FrameworkError(f"users.{name}.role", str(exc).split(": ", 1)[1]) from None
    if not isinstance(hashed, str) or not hashed.startswith("$2"):
        raise FrameworkError(f"users.{name}", "must be a bcrypt hash", hashed)
    return Credential(name=name, bcrypt_hash=hashed, role=role)


def parse_env_roles(value: str) -> dict[str, Role]:
    """Parse ``"alice:admin,bob:viewer"`` (``PARTNERPILOT_ROLES``).

    Raises:
        FrameworkError: When an entry is not NAME:ROLE or names no role.
    """
    roles: dict[str, Role] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        name, sep, role = entry.partition(":")
        if not sep:
            raise FrameworkError(ENV_ROLES, "each entry must be NAME:ROLE", entry)
        try:
            roles[check_name(name.strip())] = parse_role(role)
        except ValueError as exc:
            raise FrameworkError(ENV_ROLES, str(exc).split(": ", 1)[1], entry) from None
    return roles


def role_of(users: dict[str, Credential], name: str) -> Role | None:
    """The role of user ``name`` (None when there is no such user)."""
    credential = users.get(name)
    return credential.role if credential is not None else None


_dummy_lock = threading.Lock()
_dummy_hash: list[bytes] = []


def _dummy_check(password: str) -> None:
    """One bcrypt check against a hash nobody knows: the cost of checking a real user."""
    with _dummy_lock:
        if not _dummy_hash:
            _dummy_hash.append(bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt()))
    try:
        bcrypt.checkpw(password.encode(), _dummy_hash[0])
    except ValueError:
        pass


def authenticate(users: dict[str, Credential], name: str, password: str) -> bool:
    """Whether ``name`` is a known user and ``password`` is theirs.

    Every call does exactly one bcrypt check (against a dummy hash for an unknown name or a
    plain-text user), so the answer time does not tell which names exist.
    """
    credential = users.get(name)
    if credential is not None and credential.bcrypt_hash:
        return credential.matches(password) and bool(password)
    _dummy_check(password)
    return bool(credential and password and credential.matches(password))


def _session_versions(data_dir: Path) -> dict[str, int]:
    path = data_dir / SESSIONS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): v for k, v in data.items() if isinstance(v, int)}


def revoke_sessions(data_dir: Path, name: str) -> int:
    """End every session of ``name`` (bump their session version); return the new version."""
    versions = _session_versions(data_dir)
    versions[name] = versions.get(name, 0) + 1
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = data_dir / f".{SESSIONS_FILE}.{os.getpid()}.{threading.get_ident()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(versions, out, sort_keys=True)
    os.replace(tmp, data_dir / SESSIONS_FILE)
    return versions[name]


def session_stamp(data_dir: Path, credential: Credential, secret: str) -> str:
    """What a token of this user must carry to be current: session version + credential mark."""
    material = credential.bcrypt_hash or f"plain:{credential.plain}"
    mark = hmac.new(secret.encode(), material.encode(), hashlib.sha256).hexdigest()[:20]
    return f"{_session_versions(data_dir).get(credential.name, 0)}.{mark}"


def token_identifier(token: str, secret: str) -> str | None:
    """The user name in a validly signed session token (None when it is not one)."""
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    name = claims.get("identifier")
    return name if isinstance(name, str) else None


def token_is_current(token: str, data_dir: Path, secret: str, max_age_s: float,
                     users: dict[str, Credential] | None = None) -> bool:
    """Whether a session token is validly signed, young enough and its stamp still current."""
    try:
        claims: dict[str, Any] = jwt.decode(token, secret, algorithms=["HS256"],
                                            options={"require": ["exp", "iat"]})
    except jwt.PyJWTError:
        return False
    if time.time() - float(claims["iat"]) > max_age_s:
        return False
    metadata = claims.get("metadata")
    stamp = metadata.get(STAMP_KEY) if isinstance(metadata, dict) else None
    try:
        table = load_users(data_dir) if users is None else users
    except FrameworkError:
        return False
    credential = table.get(str(claims.get("identifier")))
    if credential is None or not isinstance(stamp, str):
        return False
    return hmac.compare_digest(stamp, session_stamp(data_dir, credential, secret))


def add_user(data_dir: Path, name: str, password: str, role: Role | None = None) -> Path:
    """Add or replace a user in the users file with a bcrypt hash of ``password``.

    Args:
        data_dir: The data folder holding ``users.yaml``.
        name: The user name.
        password: At least 8 characters; stored as a bcrypt hash.
        role: The user's role (None: keep the one they have, ``member`` for a new user).

    Raises:
        FrameworkError: When the name is invalid or the password shorter than 8 characters.
    """
    check_name(name)
    if len(password) < 8:
        shown = f"{len(password)} characters"
        raise FrameworkError("password", "must be at least 8 characters", shown)
    path = data_dir / USERS_FILE
    data: dict[str, dict[str, Any]] = {"users": {}}
    if path.is_file():
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(loaded, dict) and isinstance(loaded.get("users"), dict):
            data["users"] = {str(k): v for k, v in loaded["users"].items()}
    old = data["users"].get(name)
    kept = parse_role(str(old.get("role", DEFAULT_ROLE.value))) if isinstance(old, dict) \
        else DEFAULT_ROLE
    data["users"][name] = {"hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode(),
                           "role": (role or kept).value}
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=True), encoding="utf-8")
    path.chmod(0o600)
    revoke_sessions(data_dir, name)  # a new password ends the sessions of the old one
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
