# ruff: noqa: F811  (pytest fixtures imported from a helper module, then requested by name)
"""Chroma server auth, for real: ``chroma run`` 1.x ignores Chroma's token settings, so the
store goes through ``partnerpilot chroma-proxy``; without the right token nothing is read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from chroma_server import (  # noqa: E402, F401
    CHROMA,
    TokenChroma,
    chroma_server,
    chroma_token_server,
    free_port,
    stop_server,
)

from knowledge.chroma_proxy import check_token  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import Store  # noqa: E402
from tools.errors import FrameworkError  # noqa: E402

BIN = Path(sys.executable).parent
COLLECTIONS = "/api/v2/tenants/default_tenant/databases/default_database/collections"
pytestmark = pytest.mark.server


def status(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, body) of one GET."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_chroma_run_1x_ignores_chromas_own_token_settings(tmp_path: Path) -> None:
    """Why the proxy exists: the 0.x server auth settings leave a 1.x server open."""
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False",
               CHROMA_SERVER_AUTHN_PROVIDER="chromadb.auth.token_authn."
               "TokenAuthenticationServerProvider",
               CHROMA_SERVER_AUTHN_CREDENTIALS="a-token-nobody-sends")
    with open(tmp_path / "chroma.log", "wb") as log:
        proc = subprocess.Popen([str(CHROMA), "run", "--path", str(tmp_path / "db"), "--host",
                                 "127.0.0.1", "--port", str(port)], stdout=log,
                                stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        got = (0, "")
        while time.monotonic() < deadline and got[0] != 200:
            time.sleep(0.3)
            try:
                got = status(f"http://127.0.0.1:{port}{COLLECTIONS}")
            except OSError:
                continue
        assert got == (200, "[]")  # anonymous read answered: no auth in chroma run 1.x
    finally:
        stop_server(proc)


def test_the_proxy_refuses_requests_without_the_token(chroma_token_server: TokenChroma) -> None:
    base = f"http://127.0.0.1:{chroma_token_server.port}"
    code, body = status(base + COLLECTIONS)
    assert code == 401 and json.loads(body)["error"] == "AuthorizationError"
    assert status(base + COLLECTIONS, {"X-Chroma-Token": "wrong"})[0] == 401
    assert status(base + COLLECTIONS, {"Authorization": "Bearer wrong"})[0] == 401
    assert status(base + COLLECTIONS, {"Authorization": f"Basic {chroma_token_server.token}"}
                  )[0] == 401
    for header in ({"X-Chroma-Token": chroma_token_server.token},
                   {"Authorization": f"Bearer {chroma_token_server.token}"}):
        assert status(base + COLLECTIONS, header)[0] == 200


@pytest.fixture
def conf(chroma_token_server: TokenChroma, tmp_path: Path) -> Iterator[Settings]:
    yield Settings(data_dir=tmp_path / "data", chroma_host=chroma_token_server.host,
                   chroma_port=chroma_token_server.port, chroma_auth_token=None)


def test_a_missing_or_wrong_token_is_one_clear_error(conf: Settings,
                                                     chroma_token_server: TokenChroma) -> None:
    with pytest.raises(FrameworkError) as missing:
        Store.open(conf)
    assert missing.value.field == "CHROMA_AUTH_TOKEN"
    assert "is not set, and is required by the Chroma server" in str(missing.value)
    wrong = conf.model_copy(update={"chroma_auth_token": "not-the-token-at-all"})
    with pytest.raises(FrameworkError, match="was refused by the Chroma server") as refused:
        Store.open(wrong)
    assert chroma_token_server.token not in str(refused.value)
    right = conf.model_copy(update={"chroma_auth_token": chroma_token_server.token})
    assert Store.open(right).counts()["partners"] >= 0


def cli(*args: str, **env: str) -> tuple[int, str]:
    """Exit code and stderr of the real typer app, in-process (no start-up cost)."""
    from typer.testing import CliRunner

    from cli.main import app
    from knowledge.settings import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env=env)
    get_settings.cache_clear()
    return result.exit_code, result.stderr


def test_the_cli_says_which_setting_is_wrong(chroma_token_server: TokenChroma,
                                             tmp_path: Path) -> None:
    code, err = cli("partners", "search", "banks", PARTNERPILOT_DATA_DIR=str(tmp_path),
                    CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(chroma_token_server.port),
                    CHROMA_AUTH_TOKEN="wrong-token-value")
    assert code == 2
    assert err.startswith("error: CHROMA_AUTH_TOKEN: was refused by the Chroma server")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_the_proxy_will_not_start_without_a_proper_token() -> None:
    code, err = cli("chroma-proxy", "--port", str(free_port()), CHROMA_AUTH_TOKEN="")
    assert code == 2 and err.startswith("error: CHROMA_AUTH_TOKEN: must be set")
    for token, problem in (("short", "must be at least 16 characters"),
                           ("sixteen chars ok", "must be printable ASCII without spaces")):
        with pytest.raises(FrameworkError, match=problem):
            check_token(token)


def test_doctor_reports_a_refused_token_with_its_fix(chroma_token_server: TokenChroma,
                                                     tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli.main import app
    from knowledge.settings import get_settings

    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["doctor", "--json"], env={
        "PARTNERPILOT_DATA_DIR": str(data), "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(chroma_token_server.port), "CHROMA_AUTH_TOKEN": "wrong-token-value",
        "DATABASE_URL": "", "PARTNERPILOT_BACKEND": "offline"})
    get_settings.cache_clear()
    assert result.exit_code == 1
    store = {c["name"]: c for c in json.loads(result.stdout)["checks"]}["store"]
    assert store["status"] == "fail" and "CHROMA_AUTH_TOKEN: was refused" in store["detail"]
    assert store["fix"].startswith("set CHROMA_AUTH_TOKEN to the token")
