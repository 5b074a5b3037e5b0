"""Team deployment commands: ``audit``, ``chroma-proxy``, and who the CLI acts as.

Who acts: on a local store (no ``CHROMA_HOST``) the CLI is its operator, an admin (the
person who can read the data folder can change it anyway). On a shared Chroma server,
``PARTNERPILOT_USER`` must name a user of ``users.yaml`` (or ``PARTNERPILOT_USERS``); the
command runs with that user's role and the audit trail records the name. This is an
accountability and mistake guard for people with a shell on the server; the boundary
against everyone else is the store's token (``CHROMA_AUTH_TOKEN``) and the database password.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.access import Action, Forbidden, Role, actor_for, require
from cli.common import JsonFlag, emit, make_table, out_console, user_errors, whole_number
from knowledge import audit
from knowledge.settings import Settings, get_settings
from tools.errors import FrameworkError
from ui.auth import load_users


def cli_actor(settings: Settings) -> audit.Actor:
    """Who this command acts as (see the module docstring).

    Raises:
        FrameworkError: Naming ``PARTNERPILOT_USER`` when it is needed and missing, or names
            nobody.
    """
    name = (settings.user or "").strip()
    if not name:
        if settings.chroma_host:
            raise FrameworkError(
                "PARTNERPILOT_USER",
                f"must name who acts on the shared store at {settings.chroma_host}:"
                f"{settings.chroma_port} (a user of `partnerpilot users list`)")
        return audit.LOCAL
    users = load_users(Path(settings.data_dir))
    if name not in users:
        raise FrameworkError("PARTNERPILOT_USER", "is not a user (see `partnerpilot users list`)",
                             name)
    return actor_for(name, users[name].role)


def act(action: Action, settings: Settings | None = None) -> audit.Actor:
    """Resolve who acts and check they may take ``action`` (the caller passes the actor on).

    Raises:
        FrameworkError: Naming ``role`` when they may not (or ``PARTNERPILOT_USER``).
    """
    actor = cli_actor(settings or get_settings())
    try:
        require(Role(actor.role), action)
    except Forbidden as exc:
        raise FrameworkError("role", f"{actor.name} is a {exc.role.value} and may not "
                             f"{action.value} (needs: admin)") from None
    return actor


def audit_command(
    limit: Annotated[int, typer.Option(parser=whole_number(1, 100_000),
                                     help="Show at most this many changes.")] = 50,
    user: Annotated[str | None, typer.Option("--user", help="Only this user's changes.")]
    = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Only this partner id.")]
    = None,
    as_json: JsonFlag = False,
) -> None:
    """Show who added, updated or deleted which partner records, and when (newest first)."""
    with user_errors():
        settings = get_settings()
        act(Action.READ_AUDIT, settings)
        query = audit.AuditQuery(limit=limit, actor=user, partner_id=partner)
        events = audit.history(settings, query)

    def human() -> None:
        if not events:
            out_console.print("no changes recorded", markup=False)
            return
        table = make_table("Audit trail (newest first)", "When (UTC)", "Who", "Role", "Action",
                           "Partner", "Source")
        for e in events:
            table.add_row(e.at[:19].replace("T", " "), e.actor, e.role, e.action,
                          e.partner_id or "(all)", e.source)
        out_console.print(table)

    emit({"events": [e.model_dump() for e in events]}, as_json, human)


def chroma_proxy(
    upstream: Annotated[str, typer.Option(help="The `chroma run` server (loopback).")]
    = "http://127.0.0.1:8001",
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(parser=whole_number(1, 65535),
                                    help="Port to listen on.")] = 8000,
) -> None:
    """Serve Chroma behind token auth: requests need CHROMA_AUTH_TOKEN (Chroma 1.x has none)."""
    import uvicorn  # lazy: only this command serves HTTP

    from knowledge.chroma_proxy import make_app  # lazy: as uvicorn

    with user_errors():
        app = make_app(upstream, get_settings().chroma_auth_token or "")
    typer.echo(f"Chroma token proxy on http://{host}:{port} -> {upstream}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add ``audit`` and ``chroma-proxy`` to the root app."""
    app.command("audit")(audit_command)
    app.command("chroma-proxy")(chroma_proxy)
