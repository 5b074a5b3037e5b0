"""API keys for ``partnerpilot serve``: each key has a name and a role; only its hash is kept.

Two sources, read together:

- ``<data_dir>/api-keys.json`` (mode 0600), written by ``partnerpilot keys add NAME``, which
  prints the new key once. The file holds ``{name, role, sha256, created}`` per key.
- ``PARTNERPILOT_API_KEYS`` for containers: a comma list of ``NAME[:ROLE]=SECRET`` where
  ``SECRET`` is the key itself or ``sha256:<hex>`` (its SHA-256, so the plain key need not
  sit in the environment). ``ROLE`` is ``admin``, ``member`` (default) or ``viewer``.

A key's *owner id* (a prefix of its hash) names its document folder, so each key sees only
the documents it drafted and a rotated key starts a fresh folder.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agent.access import DEFAULT_ROLE, Role, parse_role
from tools.errors import FrameworkError

KEYS_FILE = "api-keys.json"
ENV_VAR = "PARTNERPILOT_API_KEYS"
KEY_PREFIX = "pp-"
NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
HEX_RE = re.compile(r"^[0-9a-f]{64}$")


def key_hash(key: str) -> str:
    """The SHA-256 of a key, hex (keys are 256-bit random tokens, so no salt is needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """One key as the server knows it.

    Args:
        name: Who or what the key is for.
        role: What the key may do (:mod:`agent.access`).
        sha256: The key's hash.
        source: ``file`` or ``env``.
    """

    name: str
    role: Role
    sha256: str
    source: str = "file"

    @property
    def owner_id(self) -> str:
        """The id of this key's document folder (never the key or its whole hash)."""
        return self.sha256[:16]


#: The caller when no key is configured (loopback only): one shared local owner.
LOCAL = ApiKey(name="local", role=DEFAULT_ROLE, sha256="0" * 16 + "local", source="none")


def keys_path(data_dir: Path) -> Path:
    """Where ``partnerpilot keys add`` keeps the key hashes."""
    return Path(data_dir) / KEYS_FILE


def _check_name(name: str) -> str:
    if not NAME_RE.match(name):
        raise FrameworkError("name", "must be 1-64 letters, digits, '.', '_' or '-'", name)
    return name


def read_file_keys(data_dir: Path) -> list[ApiKey]:
    """The keys in the data folder's key file (none when it does not exist)."""
    path = keys_path(data_dir)
    if not path.exists():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [ApiKey(name=r["name"], role=parse_role(r["role"]), sha256=r["sha256"])
                for r in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise FrameworkError(str(path), f"is not a valid key file ({exc})") from None


def _write_file_keys(data_dir: Path, keys: list[ApiKey], created: dict[str, str]) -> None:
    path = keys_path(data_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    rows = [{"name": k.name, "role": k.role.value, "sha256": k.sha256,
             "created": created.get(k.name, "")} for k in keys]
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(rows, handle, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _created(data_dir: Path) -> dict[str, str]:
    path = keys_path(data_dir)
    if not path.exists():
        return {}
    return {r["name"]: r.get("created", "") for r in json.loads(path.read_text("utf-8"))}


def add_key(data_dir: Path, name: str, role: Role = DEFAULT_ROLE) -> str:
    """Create a key named ``name``, store its hash (file mode 0600) and return the key.

    Raises:
        FrameworkError: Naming ``name`` when it is malformed or already taken.
    """
    _check_name(name)
    keys = read_file_keys(data_dir)
    if any(k.name == name for k in keys):
        raise FrameworkError("name", "already has a key; remove it first", name)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    created = _created(data_dir)
    created[name] = datetime.now(UTC).isoformat(timespec="seconds")
    _write_file_keys(data_dir, [*keys, ApiKey(name, role, key_hash(key))], created)
    return key


def remove_key(data_dir: Path, name: str) -> None:
    """Delete the key named ``name``; raises ``FrameworkError`` naming ``name`` if absent."""
    keys = read_file_keys(data_dir)
    kept = [k for k in keys if k.name != name]
    if len(kept) == len(keys):
        raise FrameworkError("name", "has no key", name)
    _write_file_keys(data_dir, kept, _created(data_dir))


def parse_env_keys(value: str) -> list[ApiKey]:
    """Read ``PARTNERPILOT_API_KEYS`` (``NAME[:ROLE]=SECRET,...``).

    Raises:
        FrameworkError: Naming the variable and the entry that is malformed.
    """
    keys: list[ApiKey] = []
    for n, entry in enumerate((e.strip() for e in value.split(",")), start=1):
        if not entry:
            continue
        label, sep, secret = entry.partition("=")
        if not sep or not secret.strip():
            raise FrameworkError(ENV_VAR, f"entry {n} must look like NAME[:ROLE]=KEY")
        name, _, role_text = label.strip().partition(":")
        try:
            _check_name(name)
            role = parse_role(role_text) if role_text else DEFAULT_ROLE
        except (FrameworkError, ValueError) as exc:
            raise FrameworkError(ENV_VAR, f"entry {n}: {exc}") from None
        secret = secret.strip()
        if secret.startswith("sha256:"):
            digest = secret[len("sha256:"):].lower()
            if not HEX_RE.match(digest):
                raise FrameworkError(ENV_VAR, f"entry {n}: sha256: needs 64 hex digits")
        else:
            digest = key_hash(secret)
        keys.append(ApiKey(name, role, digest, source="env"))
    return keys


class KeyRing:
    """Every key the server accepts (file and environment), looked up by hash."""

    def __init__(self, keys: list[ApiKey]) -> None:
        self.keys = list(keys)

    @classmethod
    def load(cls, data_dir: Path, env: str | None = None) -> KeyRing:
        """The keys of the data folder plus those of ``PARTNERPILOT_API_KEYS``."""
        env = os.environ.get(ENV_VAR, "") if env is None else env
        return cls([*read_file_keys(data_dir), *parse_env_keys(env)])

    def __bool__(self) -> bool:
        return bool(self.keys)

    def check(self, presented: str) -> ApiKey | None:
        """The key ``presented`` is, or None (compared in constant time per key)."""
        digest = key_hash(presented)
        found = None
        for key in self.keys:
            if hmac.compare_digest(key.sha256, digest):
                found = key
        return found
