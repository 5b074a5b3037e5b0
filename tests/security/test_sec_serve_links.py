"""Signed document links of ``partnerpilot serve``: forged, expired, other keys', revoked.

The real app (routes, error handlers, signer, files on disk) over a temporary data folder,
driven in-process; no agent turn is needed, so a draft is put in a key's folder as the
drafting tool would. The end-to-end click (a link from a real answer of a real server,
downloaded with no header) is ``tests/test_serve_api.py``'s draft test.
"""

from __future__ import annotations

import stat
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode

import pytest
from fastapi.testclient import TestClient

from knowledge.settings import Settings
from tools.errors import FrameworkError
from ui.api.app import ServeState, create_app
from ui.api.documents import owner_dir
from ui.api.errors import APIError
from ui.api.keys import ApiKey, KeyRing, parse_env_keys
from ui.api.links import SECRET_FILE, LinkSigner, load_secret

DOC = "term-sheet-northwind-0a1b2c3d"


def _state(data: Path, env: str = "alice=alice-key,bob=bob-key") -> ServeState:
    return ServeState(Settings(data_dir=data), KeyRing(parse_env_keys(env)))


def _draft(state: ServeState, key: ApiKey, text: str) -> None:
    folder = owner_dir(state.data_dir, key.owner_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{DOC}.md").write_text(text, encoding="utf-8")


@pytest.fixture
def served(tmp_path: Path) -> tuple[ServeState, TestClient]:
    state = _state(tmp_path / "data")
    alice, bob = state.keys.keys
    _draft(state, alice, "alice's term sheet")
    _draft(state, bob, "bob's term sheet")
    return state, TestClient(create_app(state))


def _query(state: ServeState, owner: str, doc: str = DOC, **change: str) -> str:
    fields = {k: v[0] for k, v in parse_qs(state.links.query(owner, doc)).items()}
    return urlencode({**fields, **change})


def test_a_signed_link_opens_without_a_header_and_only_its_own_document(
        served: tuple[ServeState, TestClient]) -> None:
    state, client = served
    alice, bob = state.keys.keys
    got = client.get(f"/v1/documents/{DOC}.md?{_query(state, alice.owner_id)}")
    assert got.status_code == 200 and got.text == "alice's term sheet"
    # without a signature and without a key: 401, as before
    assert client.get(f"/v1/documents/{DOC}.md").status_code == 401
    # the bearer header still works, for its own key's folder
    own = client.get(f"/v1/documents/{DOC}.md", headers={"Authorization": "Bearer bob-key"})
    assert own.status_code == 200 and own.text == "bob's term sheet"


@pytest.mark.parametrize("change", [
    {"key_id": "other"},                       # alice's link pointed at bob's folder (below)
    {"sig": "A" * 43},                         # a made-up signature
    {"expires": str(int(time.time()) + 10 ** 6)},  # a later expiry than was signed
    {"sig": ""},                               # partial links
    {"expires": "soon"},
])
def test_a_tampered_link_is_refused(served: tuple[ServeState, TestClient],
                                    change: dict[str, str]) -> None:
    state, client = served
    alice, bob = state.keys.keys
    if change.get("key_id") == "other":
        change = {"key_id": state.links.key_id(bob.owner_id)}
    got = client.get(f"/v1/documents/{DOC}.md?{_query(state, alice.owner_id, **change)}")
    assert got.status_code == 403
    assert got.json()["error"]["code"] == "invalid_link_signature"
    assert "term sheet" not in got.text


def test_a_link_for_another_document_does_not_open_this_one(
        served: tuple[ServeState, TestClient]) -> None:
    state, client = served
    alice, _ = state.keys.keys
    got = client.get(f"/v1/documents/{DOC}.docx?{_query(state, alice.owner_id, 'other-doc')}")
    assert got.status_code == 403


def test_an_expired_link_is_refused(served: tuple[ServeState, TestClient]) -> None:
    state, client = served
    alice, _ = state.keys.keys
    old = state.links.query(alice.owner_id, DOC, now=time.time() - state.links.ttl - 5)
    got = client.get(f"/v1/documents/{DOC}.md?{old}")
    assert got.status_code == 403 and got.json()["error"]["code"] == "link_expired"


def test_another_keys_document_stays_unreachable_with_a_valid_own_link(
        served: tuple[ServeState, TestClient]) -> None:
    state, client = served
    alice, bob = state.keys.keys
    # bob's own valid link for the same id opens bob's draft, never alice's
    got = client.get(f"/v1/documents/{DOC}.md?{_query(state, bob.owner_id)}")
    assert got.status_code == 200 and got.text == "bob's term sheet"
    # bob's key header on alice's document id gives bob's folder only
    (owner_dir(state.data_dir, alice.owner_id) / "only-alice.md").write_text("secret")
    other = client.get("/v1/documents/only-alice.md", headers={"Authorization": "Bearer bob-key"})
    assert other.status_code == 404 and "secret" not in other.text


def test_a_removed_key_s_links_stop_working(tmp_path: Path) -> None:
    state = _state(tmp_path / "data")
    alice, _ = state.keys.keys
    _draft(state, alice, "alice's term sheet")
    link = f"/v1/documents/{DOC}.md?{state.links.query(alice.owner_id, DOC)}"
    restarted = _state(tmp_path / "data", env="bob=bob-key")  # same secret, alice removed
    got = TestClient(create_app(restarted)).get(link)
    assert got.status_code == 403 and "term sheet" not in got.text


def test_another_server_secret_does_not_accept_the_link(tmp_path: Path) -> None:
    state = _state(tmp_path / "a")
    alice, _ = state.keys.keys
    query = state.links.query(alice.owner_id, DOC)
    fields = {k: v[0] for k, v in parse_qs(query).items()}
    other = LinkSigner(load_secret(tmp_path / "b"))
    with pytest.raises(APIError, match="signature does not match"):
        other.check(alice.owner_id, DOC, fields["expires"], fields["sig"])
    assert other.key_id(alice.owner_id) != fields["key_id"]


def test_a_link_shows_no_part_of_the_key_or_its_hash(tmp_path: Path) -> None:
    state = _state(tmp_path / "data", env="weak=password1")
    (weak,) = state.keys.keys
    query = state.links.query(weak.owner_id, DOC)
    assert weak.sha256[:8] not in query and "password1" not in query
    assert state.link_owner(parse_qs(query)["key_id"][0]) == weak


def test_the_secret_is_private_kept_and_checked(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(tmp_path) == first and len(first) == 32
    path.write_text("not hex")
    with pytest.raises(FrameworkError, match="is not a link secret"):
        load_secret(tmp_path)
