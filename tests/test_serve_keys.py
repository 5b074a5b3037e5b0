"""API keys for ``partnerpilot serve``: stored as hashes (0600), roles, the environment format,
and the refusal to serve a non-loopback address with no key. No server is started here."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.access import Role
from agent.registry import execute
from agent.toolset import Deps
from cli.main import app
from cli.serve import is_loopback
from knowledge.settings import Settings
from tools.errors import FrameworkError
from ui.api.keys import KeyRing, add_key, keys_path, parse_env_keys, read_file_keys, remove_key


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(tmp_path: Path) -> None:
    key = add_key(tmp_path, "ci", Role.VIEWER)
    path = keys_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert key not in text and hashlib.sha256(key.encode()).hexdigest() in text
    (stored,) = read_file_keys(tmp_path)
    assert (stored.name, stored.role) == ("ci", Role.VIEWER)
    ring = KeyRing.load(tmp_path, env="")
    found = ring.check(key)
    assert found is not None and found.name == "ci"
    assert ring.check(key + "x") is None
    with pytest.raises(FrameworkError, match="name: already has a key"):
        add_key(tmp_path, "ci")
    remove_key(tmp_path, "ci")
    assert not KeyRing.load(tmp_path, env="")


def test_the_environment_takes_plain_keys_and_hashes_with_roles() -> None:
    digest = hashlib.sha256(b"s3cret").hexdigest()
    keys = parse_env_keys(f"alice=k1, bob:viewer=sha256:{digest},carol:Admin=k3")
    assert [(k.name, k.role) for k in keys] == [
        ("alice", Role.MEMBER), ("bob", Role.VIEWER), ("carol", Role.ADMIN)]
    ring = KeyRing(keys)
    assert ring.check("s3cret").name == "bob"  # type: ignore[union-attr]
    assert keys[0].owner_id != keys[2].owner_id


@pytest.mark.parametrize(("value", "message"), [
    ("alice", "PARTNERPILOT_API_KEYS: entry 1 must look like NAME[:ROLE]=KEY"),
    ("a=k,bob:boss=k2", "PARTNERPILOT_API_KEYS: entry 2: role: 'boss' is not a role"),
    ("a b=k", "PARTNERPILOT_API_KEYS: entry 1: name: must be 1-64 letters"),
    ("a=sha256:abc", "PARTNERPILOT_API_KEYS: entry 1: sha256: needs 64 hex digits"),
])
def test_a_malformed_environment_entry_names_itself(value: str, message: str) -> None:
    with pytest.raises(FrameworkError) as caught:
        parse_env_keys(value)
    assert str(caught.value).startswith(message)


def test_keys_cli_adds_lists_and_removes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNERPILOT_API_KEYS", raising=False)
    from knowledge.settings import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    added = runner.invoke(app, ["keys", "add", "webui", "--role", "viewer", "--json"])
    assert added.exit_code == 0, added.output
    key = json.loads(added.output)["key"]
    assert key.startswith("pp-") and len(key) > 40
    listed = runner.invoke(app, ["keys", "list"])
    assert listed.output.strip() == "webui (viewer, file)" and key not in listed.output
    bad = runner.invoke(app, ["keys", "add", "x", "--role", "owner"])
    assert bad.exit_code == 2 and "role: 'owner' is not a role" in bad.output
    assert runner.invoke(app, ["keys", "remove", "webui"]).exit_code == 0
    assert runner.invoke(app, ["keys", "list"]).output.strip() == "no API keys"
    get_settings.cache_clear()


def test_serve_refuses_a_public_address_without_a_key(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PARTNERPILOT_API_KEYS", raising=False)
    from knowledge.settings import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0"])
    get_settings.cache_clear()
    assert result.exit_code == 2
    assert "error: host: refusing to serve on 0.0.0.0 with no API key" in result.output
    assert not (tmp_path / "chroma").exists()  # refused before anything was opened


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("192.168.1.4", False), ("example.com", False),
])
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_viewer_role_cannot_run_a_drafting_tool(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, backend="offline")
    viewer = Deps(settings, output_dir=tmp_path / "docs", role=Role.VIEWER)
    done = execute("draft_governance_playbook", {"company": "Acme"}, viewer)
    assert done.error == "role: a viewer may not draft (needs: admin, member)"
    assert not (tmp_path / "docs").exists()
    member = Deps(settings, output_dir=tmp_path / "docs", role=Role.MEMBER)
    assert execute("draft_governance_playbook", {"company": "Acme"}, member).ok
    assert execute("check_tier", {"annual_pipeline_usd": 1, "certified_individuals": 0},
                   viewer).ok
