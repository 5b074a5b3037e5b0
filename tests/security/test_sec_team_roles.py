# ruff: noqa: F811  (pytest fixtures imported from a helper module, then requested by name)
"""Roles and the audit trail, for real: users.yaml, the tool registry, the CLI on a real
embedded store, the audit table in SQLite and in a throwaway PostgreSQL."""

from __future__ import annotations

import contextvars
import json
import sys
from pathlib import Path

import bcrypt
import pytest
import yaml
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pg_server import pg_url, postgres  # noqa: E402, F401

from agent import registry  # noqa: E402
from agent.access import ACTING, Role, actor_for  # noqa: E402
from cli.main import app  # noqa: E402
from knowledge import audit  # noqa: E402
from knowledge.settings import Settings, get_settings  # noqa: E402
from knowledge.store import Store  # noqa: E402
from tools.errors import FrameworkError  # noqa: E402
from ui import auth, roles  # noqa: E402

GOOD_CSV = ("partner_id,name,partner_type,tier,region,industry,description,icp_overlap,"
            "market_influence,practice_alignment,partnership_appetite,revenue_potential\n"
            "T-1,Team One Advisory,gsi,gold,EMEA,healthcare,Hospital cloud moves,80,70,60,90,50\n"
            "T-2,Team Two Labs,isv,silver,NA,retail,Store analytics,60,60,60,60,60\n")
BAD_CSV = GOOD_CSV + "T-3,Broken,gsi,gold,EMEA,healthcare,Bad score,800,70,60,90,50\n"


def run(data_dir: Path, *args: str, **env: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    full_env = {"PARTNERPILOT_DATA_DIR": str(data_dir), "PARTNERPILOT_USER": "",
                "CHROMA_HOST": "", "DATABASE_URL": "", **env}
    result = CliRunner().invoke(app, list(args), env=full_env)
    get_settings.cache_clear()
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_old_users_files_keep_working_as_members_and_roles_are_saved(tmp_path: Path) -> None:
    hashed = bcrypt.hashpw(b"old password", bcrypt.gensalt(4)).decode()
    (tmp_path / auth.USERS_FILE).write_text(yaml.safe_dump({"users": {"olga": hashed}}))
    users = auth.load_users(tmp_path, env="")
    assert users["olga"].role is Role.MEMBER and auth.authenticate(users, "olga", "old password")
    code, out, _ = run(tmp_path, "users", "add", "ada", "--role", "Admin", "--json",
                       PARTNERPILOT_NEW_PASSWORD="ada password")
    assert code == 0 and json.loads(out)["role"] == "admin"
    code, _, _ = run(tmp_path, "users", "add", "ada", PARTNERPILOT_NEW_PASSWORD="new password")
    users = auth.load_users(tmp_path, env="")  # a new password keeps the role
    assert users["ada"].role is Role.ADMIN and users["olga"].role is Role.MEMBER
    assert auth.authenticate(users, "ada", "new password")
    code, _, err = run(tmp_path, "users", "add", "bo", "--role", "boss",
                       PARTNERPILOT_NEW_PASSWORD="bo password")
    assert code == 2 and err.startswith("error: --role: 'boss' is not a role (choose one of: "
                                        "admin, member, viewer)")


def test_a_bad_role_in_the_file_or_env_names_the_entry(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    hashed = bcrypt.hashpw(b"x" * 8, bcrypt.gensalt(4)).decode()
    (tmp_path / auth.USERS_FILE).write_text(yaml.safe_dump(
        {"users": {"bob": {"hash": hashed, "role": "root"}}}))
    with pytest.raises(FrameworkError, match=r"^users\.bob\.role: 'root' is not a role"):
        auth.load_users(tmp_path, env="")
    (tmp_path / auth.USERS_FILE).write_text(yaml.safe_dump({"users": {"bob": hashed}}))
    monkeypatch.setenv(auth.ENV_ROLES, "bob:viewer")
    assert auth.load_users(tmp_path, env="")["bob"].role is Role.VIEWER
    monkeypatch.setenv(auth.ENV_ROLES, "bob")
    with pytest.raises(FrameworkError, match="PARTNERPILOT_ROLES: each entry must be NAME:ROLE"):
        auth.load_users(tmp_path, env="")


def _as(role: Role, name: str, tool: str, args: dict[str, object]) -> str | None:
    def call() -> str | None:
        ACTING.set(actor_for("someone", role))
        return registry.execute(name=tool, args=args, deps=registry.Deps(Settings())).error

    return contextvars.copy_context().run(call)  # the role stays inside this call


@pytest.mark.parametrize(("role", "forbidden"), [(Role.VIEWER, True), (Role.MEMBER, False),
                                                  (Role.ADMIN, False)])
def test_drafting_tools_refuse_viewers_in_the_registry(role: Role, forbidden: bool) -> None:
    error = _as(role, "x", "draft_thesis", {})
    refused = error is not None and error.startswith("role: a viewer may not draft")
    assert refused is forbidden, error
    score = {"icp_overlap": 80, "market_influence": 70, "practice_alignment": 60,
             "partnership_appetite": 90, "revenue_potential": 50}
    assert _as(role, "x", "score_partner", score) is None  # every role may compute


def test_the_cli_on_a_shared_store_needs_to_know_who_acts(tmp_path: Path) -> None:
    csv = tmp_path / "team.csv"
    csv.write_text(GOOD_CSV)
    shared = {"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": "9"}  # refused before any connect
    code, _, err = run(tmp_path, "partners", "import", str(csv), **shared)
    assert code == 2 and err.startswith("error: PARTNERPILOT_USER: must name who acts on the "
                                        "shared store at 127.0.0.1:9")
    users = {"PARTNERPILOT_USERS": "bob:bob-password,vic:vic-password",
             "PARTNERPILOT_ROLES": "vic:viewer"}
    code, _, err = run(tmp_path, "partners", "import", str(csv), PARTNERPILOT_USER="bob",
                       **shared, **users)
    assert code == 2 and err.startswith("error: role: bob is a member and may not import")
    code, _, err = run(tmp_path, "audit", PARTNERPILOT_USER="vic", **shared, **users)
    assert code == 2 and "vic is a viewer and may not read the audit trail" in err
    code, _, err = run(tmp_path, "index", PARTNERPILOT_USER="mallory", **shared, **users)
    assert code == 2 and err.startswith("error: PARTNERPILOT_USER: is not a user")


@pytest.mark.slow
def test_imports_are_audited_by_who_and_a_rejected_file_leaves_no_trace(
        indexed_copy: Path) -> None:
    good, bad = indexed_copy / "good.csv", indexed_copy / "bad.csv"
    good.write_text(GOOD_CSV)
    bad.write_text(BAD_CSV)
    users = {"PARTNERPILOT_USERS": "ada:ada-password", "PARTNERPILOT_ROLES": "ada:admin"}
    assert run(indexed_copy, "partners", "import", str(good), PARTNERPILOT_USER="ada",
               **users)[0] == 0
    assert run(indexed_copy, "partners", "import", str(bad))[0] == 2
    changed = GOOD_CSV.replace("Store analytics", "Store and shelf analytics")
    good.write_text(changed)
    assert run(indexed_copy, "partners", "import", str(good))[0] == 0  # local operator
    code, out, _ = run(indexed_copy, "audit", "--json")
    assert code == 0
    rows = [(e["actor"], e["role"], e["action"], e["partner_id"], e["source"])
            for e in json.loads(out)["events"]]
    assert rows == [("local", "admin", "updated", "T-2", "good.csv"),  # newest first
                    ("ada", "admin", "added", "T-2", "good.csv"),
                    ("ada", "admin", "added", "T-1", "good.csv")]
    code, out, _ = run(indexed_copy, "audit", "--partner", "T-1", "--json")
    assert [e["action"] for e in json.loads(out)["events"]] == ["added"]


def test_an_unreachable_audit_database_stops_the_import_before_the_store_changes(
        indexed_copy: Path) -> None:
    good = indexed_copy / "good.csv"
    good.write_text(GOOD_CSV)
    code, _, err = run(indexed_copy, "partners", "import", str(good),
                       DATABASE_URL="postgresql://pp:secret@127.0.0.1:9/pp")
    assert code == 2 and err.startswith("error: DATABASE_URL: cannot")
    assert "secret" not in err  # the password is never echoed
    store = Store.open(Settings(data_dir=indexed_copy))
    assert store.get_partner("T-1") is None and store.counts()["partners"] == 72


@pytest.mark.server
def test_the_audit_trail_lives_in_postgresql_when_database_url_is_set(
        tmp_path: Path, pg_url: str) -> None:
    conf = Settings(data_dir=tmp_path, database_url=pg_url)
    audit.prepare(conf)
    ada = actor_for("ada", Role.ADMIN)
    assert audit.record(conf, ada, audit.events_for(["P-1"], ["P-2"]), "x.csv") == 2
    audit.record(conf, ada, [("rebuilt", None)], "index --rebuild")
    got = audit.history(conf, audit.AuditQuery(limit=10))
    assert [(e.action, e.partner_id) for e in got] == [("rebuilt", None), ("updated", "P-2"),
                                                        ("added", "P-1")]
    assert not (tmp_path / "chat.sqlite3").exists()  # nothing went to the local SQLite
    assert audit.history(conf, audit.AuditQuery(actor="bob")) == []


def test_the_chat_audit_command_parses_and_escapes() -> None:
    query = roles.parse_audit_query("partner=P-1 user=ada limit=5")
    assert (query.partner_id, query.actor, query.limit) == ("P-1", "ada", 5)
    with pytest.raises(FrameworkError, match="/audit: takes partner=ID"):
        roles.parse_audit_query("drop=tables")
    event = audit.AuditEvent(at="2026-12-01T10:00:00+00:00", actor="ada", role="admin",
                             action="added", partner_id="<img src=x>|P", source="a.csv")
    table = roles.audit_markdown([event])
    assert "\\<img src=x\\>\\|P" in table and "| ada | admin | added |" in table
    assert table.count("\n| ") == 3  # header, rule, one row: the | in the id split nothing
