"""``partnerpilot doctor`` on a good and a broken configuration (real store, real ports)."""

from __future__ import annotations

import json
from pathlib import Path

from chroma_server import free_port
from typer.testing import CliRunner

from cli.main import app
from knowledge.settings import get_settings

CLEAR = {"CHROMA_HOST": "", "CHROMA_AUTH_TOKEN": "", "DATABASE_URL": "", "OPENAI_API_KEY": "",
         "OPENAI_BASE_URL": "", "PARTNERPILOT_BACKEND": "offline", "PARTNERPILOT_USER": ""}


def doctor(data_dir: Path, *args: str, **env: str) -> tuple[int, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["doctor", *args], env={
        **CLEAR, "PARTNERPILOT_DATA_DIR": str(data_dir), **env})
    get_settings.cache_clear()
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


def test_a_good_configuration_passes_every_check(indexed_copy: Path) -> None:
    code, out = doctor(indexed_copy, "--migrate")
    assert code == 0, out
    lines = [line for line in out.splitlines() if not line.startswith("migrate:")]
    assert [line.split(":")[0] for line in lines] == [
        "OK    data folder", "OK    store", "OK    embedder", "OK    database", "OK    model"]
    assert "fix:" not in out and "(schema 1)" in out and "72 partners" in out


def test_a_broken_configuration_fails_with_one_fix_per_check(indexed_copy: Path) -> None:
    indexed_copy.chmod(0o755)  # readable by others
    closed = str(free_port())
    code, out = doctor(indexed_copy, "--json", CHROMA_HOST="127.0.0.1", CHROMA_PORT=closed,
                       DATABASE_URL=f"postgresql://pp:hunter2@127.0.0.1:{closed}/pp",
                       PARTNERPILOT_BACKEND="openai",
                       OPENAI_BASE_URL=f"http://127.0.0.1:{closed}/v1")
    assert code == 1
    result = json.loads(out)
    by_name = {c["name"]: c for c in result["checks"]}
    assert result["ok"] is False and all(c["status"] == "fail" for c in result["checks"])
    assert by_name["data folder"]["fix"] == f"chmod 700 {indexed_copy.resolve()}"
    assert "CHROMA_HOST" in by_name["store"]["fix"]
    assert by_name["embedder"]["detail"] == "not checked: the store did not open"
    assert "does not answer" in by_name["database"]["detail"]
    assert "hunter2" not in out  # the database password is never printed
    assert "OPENAI_BASE_URL" in by_name["model"]["fix"]


def test_an_unmigrated_database_is_reported_with_the_command_that_fixes_it(
        indexed_copy: Path) -> None:
    code, out = doctor(indexed_copy)
    assert code == 1
    assert "FAIL  database:" in out and "partnerpilot doctor --migrate" in out
    code, out = doctor(indexed_copy, "--migrate")
    assert code == 0, out
