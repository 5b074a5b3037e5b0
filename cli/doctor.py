"""``partnerpilot doctor``: check a deployment's configuration, one line per check with a fix.

Checks, in order: the data folder (exists, owner-only, writable), the store (reachable, and
the token accepted on a Chroma server), the embedder (the collections were built with the
configured model), the database (reachable, schema current), and the model endpoint (it
answers, when one is configured). Exit status 1 when any check fails.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal

import httpx
import typer
from pydantic import BaseModel

from cli.common import JsonFlag, emit, out_console
from knowledge import database
from knowledge.settings import Settings, get_settings
from tools.errors import FrameworkError


class Check(BaseModel):
    """One check's outcome and, when it failed, what to do about it."""

    name: str
    status: Literal["ok", "fail"]
    detail: str
    fix: str | None = None


def ok(name: str, detail: str) -> Check:
    """A passed check."""
    return Check(name=name, status="ok", detail=detail)


def bad(name: str, detail: str, fix: str) -> Check:
    """A failed check with its fix."""
    return Check(name=name, status="fail", detail=detail, fix=fix)


def check_data_dir(settings: Settings) -> Check:
    """The data folder exists, only its owner can read it, and it is writable."""
    path = Path(settings.data_dir).resolve()
    if not path.is_dir():
        return bad("data folder", f"{path} does not exist",
                   f"create it: mkdir -m 700 -p {path} (or set PARTNERPILOT_DATA_DIR)")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return bad("data folder", f"{path} is readable by others (mode {mode:o})",
                   f"chmod 700 {path}")
    try:
        with tempfile.NamedTemporaryFile(dir=path, prefix=".doctor-"):
            pass
    except OSError as exc:
        return bad("data folder", f"{path} is not writable: {exc.strerror or exc}",
                   f"give the service user write access: chown -R $(id -un) {path}")
    return ok("data folder", f"{path} (owner only, writable)")


def check_store(settings: Settings) -> tuple[Check, Check]:
    """The store opens (server reachable, token accepted) and matches the embedder."""
    from knowledge.store import Store  # lazy: chromadb and the embedder, ~1 s

    where = (f"Chroma server {settings.chroma_host}:{settings.chroma_port}"
             if settings.chroma_host else f"local store in {settings.data_dir}")
    embed_name = "embedder"
    try:
        store = Store.open(settings, check_embedder=False)
    except FrameworkError as exc:
        if exc.field == "CHROMA_AUTH_TOKEN":
            fix = "set CHROMA_AUTH_TOKEN to the token the Chroma proxy was started with"
        else:
            fix = ("start the Chroma server (see docs/deploy.md) or fix CHROMA_HOST/CHROMA_PORT"
                   if settings.chroma_host else "check the data folder")
        return (bad("store", f"{where}: {exc}", fix),
                bad(embed_name, "not checked: the store did not open", "fix the store first"))
    token = " (token accepted)" if settings.chroma_host and settings.chroma_auth_token else ""
    first = ok("store", f"{where}{token}")
    if settings.chroma_host and not settings.chroma_auth_token:
        first = bad("store", f"{where} answers without a token: anyone who reaches it can "
                    "read and write partners",
                    "put `partnerpilot chroma-proxy` in front of it and set CHROMA_AUTH_TOKEN")
    try:
        store.check_embedder()
    except FrameworkError as exc:
        return first, bad(embed_name, str(exc).split(": ", 1)[-1],
                          "run `partnerpilot index --rebuild` (as an admin)")
    counts = store.counts()
    if counts["chunks"] == 0:
        return first, bad(embed_name, "the store is empty (never indexed)",
                          "run `partnerpilot index` (as an admin)")
    return first, ok(embed_name, f"{store.embedder.name} ({counts['chunks']} passages, "
                     f"{counts['partners']} partners)")


def check_database(settings: Settings) -> Check:
    """The database answers and its schema is current."""
    try:
        url = database.database_url(settings)
    except FrameworkError as exc:
        return bad("database", str(exc), "set DATABASE_URL=postgresql://USER:PASSWORD@HOST/DB")
    shown = database.shown_url(url)
    if not database.is_postgres(url) and not Path(url.split(":///", 1)[1]).is_file():
        return bad("database", f"{shown} does not exist yet",
                   "run `partnerpilot doctor --migrate` (or start `partnerpilot ui` once)")
    try:
        version, missing = database.run(database.schema_state(url))
    except Exception as exc:  # asyncpg, OSError, SQLAlchemy: reported, not raised
        return bad("database", f"{shown} does not answer: {str(exc)[:300]}",
                   "start PostgreSQL, or check DATABASE_URL (host, port, user, password)")
    if missing or version != database.SCHEMA_VERSION:
        what = f"missing tables {', '.join(missing)}" if missing else f"schema {version}"
        return bad("database", f"{shown}: {what} (expected schema {database.SCHEMA_VERSION})",
                   "run `partnerpilot doctor --migrate`")
    return ok("database", f"{shown} (schema {version})")


def check_model(settings: Settings) -> Check:
    """The model endpoint answers (GET /models), when a model is configured."""
    backend = settings.resolved_backend
    if backend == "offline":
        return ok("model", "none configured: the offline planner answers")
    if backend == "local":
        gguf = settings.gguf
        if gguf is None or not Path(gguf).is_file():
            return bad("model", f"GGUF file {gguf} not found",
                       "set PARTNERPILOT_GGUF to a model file")
        return ok("model", f"local GGUF {gguf}")
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    headers = {"Authorization": f"Bearer {settings.openai_api_key}"} \
        if settings.openai_api_key else {}
    try:
        answer = httpx.get(f"{base}/models", headers=headers, timeout=10.0)
    except httpx.HTTPError as exc:
        return bad("model", f"{base} does not answer: {exc}",
                   "start the model server or fix OPENAI_BASE_URL")
    if answer.status_code in (401, 403):
        return bad("model", f"{base} refused the key (HTTP {answer.status_code})",
                   "set OPENAI_API_KEY to a valid key")
    if answer.status_code >= 400:
        return bad("model", f"{base}/models answered HTTP {answer.status_code}",
                   "check OPENAI_BASE_URL (it should end in /v1)")
    return ok("model", f"{base} answers (model {settings.model})")


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order (none raises)."""
    checks: list[Callable[[Settings], Check]] = [check_data_dir]
    results = [c(settings) for c in checks]
    results.extend(check_store(settings))
    results.append(check_database(settings))
    results.append(check_model(settings))
    return results


def doctor(
    migrate: Annotated[bool, typer.Option(
        "--migrate", help="Create or migrate the database schema first.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Check the configuration: data folder, store, embedder, database, model endpoint."""
    settings = get_settings()
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    migrated = None
    if migrate:
        try:
            migrated = database.migrate(settings)
        except FrameworkError as exc:
            migrated = f"failed: {exc}"
    results = run_checks(settings)
    failed = [c for c in results if c.status == "fail"]

    def human() -> None:
        if migrated:
            out_console.print(f"migrate: {migrated}", markup=False)
        for c in results:
            line = f"{c.status.upper():4}  {c.name}: {c.detail}"
            out_console.print(line + (f"  -> fix: {c.fix}" if c.fix else ""), markup=False)

    emit({"ok": not failed, "checks": [c.model_dump() for c in results]}, as_json, human)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``doctor`` to the root app."""
    app.command("doctor")(doctor)
