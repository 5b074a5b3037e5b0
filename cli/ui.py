"""CLI for the chat UI: ``partnerpilot ui``, ``users add``, ``feedback export``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agent.access import parse_role
from cli.common import JsonFlag, emit, out_console, parse_int_flag, user_errors
from evals.feedback import export_feedback
from knowledge.settings import get_settings
from tools.errors import FrameworkError
from ui.auth import add_user, load_users

users_app = typer.Typer(help="Who may log in to the chat UI.", no_args_is_help=True)
feedback_app = typer.Typer(help="Thumbs feedback given in the chat UI.", no_args_is_help=True)


def ui(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    # parsed here, not by typer: the error is the CLI's one line, and a runaway value is cut
    port: Annotated[str, typer.Option(help="Port to listen on, 1-65535.")] = "8000",
    no_auth: Annotated[bool, typer.Option(
        "--no-auth", help="No login (single local user; history is not kept).")] = False,
) -> None:
    """Start the chat UI (Chainlit, headless, offline) until Ctrl-C."""
    from ui import launch  # lazy: Chainlit, ~4 s; `users` and `feedback` need none of it

    with user_errors():
        plan = launch.plan(Path(get_settings().data_dir), host,
                           parse_int_flag(port, "port", 1, 65535), auth=not no_auth)
    typer.echo(f"PartnerPilot chat UI on {plan.url} (data in {plan.data_dir})")
    if plan.created_user:
        typer.echo(f"created user {plan.created_user!r} with password {plan.created_password} "
                   "(stored hashed; add users with `partnerpilot users add NAME`)")
    elif plan.auth:
        typer.echo("log in as: " + ", ".join(plan.users))
    else:
        typer.echo("login disabled (--no-auth)")
    launch.serve()


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _.@-).")],
    password: Annotated[str, typer.Option(
        prompt=True, hide_input=True, confirmation_prompt=True,
        envvar="PARTNERPILOT_NEW_PASSWORD",
        help="Password (prompted; or PARTNERPILOT_NEW_PASSWORD).")],
    role: Annotated[str | None, typer.Option(
        help="admin (users, imports, deletions, rebuilds), member (chat, drafting, search) or "
        "viewer (chat and search); default: keep the user's role, member for a new user.")]
    = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a user (or change their password or role) in <data dir>/users.yaml (bcrypt)."""
    with user_errors():
        chosen = None
        if role is not None:
            try:
                chosen = parse_role(role)
            except ValueError as exc:
                raise FrameworkError("--role", str(exc).split(": ", 1)[1]) from None
        data_dir = Path(get_settings().data_dir)
        path = add_user(data_dir, name, password, chosen)
        saved = load_users(data_dir)[name].role.value
    emit({"user": name, "role": saved, "file": str(path)}, as_json,
         lambda: out_console.print(f"user {name} ({saved}) saved in {path}", markup=False))


@users_app.command("list")
def users_list(as_json: JsonFlag = False) -> None:
    """List the users who may log in (file and PARTNERPILOT_USERS)."""
    with user_errors():
        users = load_users(Path(get_settings().data_dir))
    names = sorted(users)
    emit({"users": names, "roles": {n: users[n].role.value for n in names}}, as_json,
         lambda: out_console.print("\n".join(f"{n} ({users[n].role.value})" for n in names)
                                   or "no users", markup=False))


@feedback_app.command("export")
def feedback_export(
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the YAML here (default: print it).")] = None,
    only: Annotated[str, typer.Option(help="Which feedback: all, up or down.")] = "all",
    as_json: JsonFlag = False,
) -> None:
    """Export thumbs feedback (with comments) as an eval suite in the evals YAML format."""
    with user_errors():
        result = export_feedback(Path(get_settings().data_dir), only=only)
        text = result.to_yaml()
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")

    def human() -> None:
        if out is None:
            typer.echo(text, nl=False)
        else:
            out_console.print(f"{len(result.cases)} feedback cases written to {out}",
                              markup=False)

    emit({"cases": len(result.cases), "out": str(out) if out else None,
          "suite": result.suite_data()}, as_json, human)


def register(app: typer.Typer) -> None:
    """Add ``ui``, ``users`` and ``feedback`` to the root app."""
    app.command("ui")(ui)
    app.add_typer(users_app, name="users")
    app.add_typer(feedback_app, name="feedback")
