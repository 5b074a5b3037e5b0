"""Roles in the chat UI: who acts on each message, what they may do, and ``/audit`` for admins.

``ui.app`` makes two one-line calls per message: :func:`begin_turn` (sets who acts for this
message, from the logged-in user's *current* role in the users table, and answers
``/audit``), and :func:`permitted_files` (uploads import partners: admins only). Drafting is
refused inside the agent for viewers (``agent.registry.execute`` checks each tool's action),
so every front end enforces the same table (:mod:`agent.access`).
"""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.context import ChainlitContextException, context

from agent.access import ACTING, Action, Forbidden, Role, actor_for, allowed
from knowledge import audit
from knowledge.settings import get_settings
from tools.errors import FrameworkError
from ui.auth import load_users
from ui.safe_md import code_text, escape_text

AUDIT_COMMAND = "/audit"
AUDIT_HELP = ("Usage: `/audit [partner=ID] [user=NAME] [limit=N]`: the latest changes to "
              "partner records, newest first.")


def current_actor() -> audit.Actor:
    """The logged-in user as an actor with their role now (a removed user is a viewer).

    Without login (``partnerpilot ui --no-auth``, one local user) the user is the operator.
    """
    try:
        user = context.session.user
    except ChainlitContextException:
        user = None
    if user is None:
        return audit.LOCAL
    try:
        users = load_users(Path(get_settings().data_dir))
    except FrameworkError:
        users = {}
    credential = users.get(user.identifier)
    return actor_for(user.identifier, credential.role if credential else Role.VIEWER)


async def refuse(actor: audit.Actor, action: Action) -> None:
    """Tell the user, in one message, that their role may not take ``action``."""
    reason = str(Forbidden(Role(actor.role), action)).split(": ", 1)[1]
    await cl.ErrorMessage(content=f"Not allowed: {escape_text(reason)}.").send()


async def begin_turn(text: str) -> bool:
    """Set who acts for this message; answer ``/audit``. True when the message is handled."""
    actor = current_actor()
    ACTING.set(actor)
    words = text.strip().split(maxsplit=1)
    if not words or words[0].lower() != AUDIT_COMMAND:
        return False
    if not allowed(Role(actor.role), Action.READ_AUDIT):
        await refuse(actor, Action.READ_AUDIT)
        return True
    try:
        query = parse_audit_query(words[1] if len(words) > 1 else "")
        events = await asyncio.to_thread(audit.history, get_settings(), query)
    except (FrameworkError, ValueError) as exc:
        await cl.ErrorMessage(content=f"{escape_text(exc)}\n\n{AUDIT_HELP}").send()
        return True
    await cl.Message(content=audit_markdown(events)).send()
    return True


def parse_audit_query(args: str) -> audit.AuditQuery:
    """``partner=ID user=NAME limit=N`` into a query.

    Raises:
        FrameworkError: Naming the word that is not one of those.
    """
    fields: dict[str, Any] = {}
    names = {"partner": "partner_id", "user": "actor", "limit": "limit"}
    for word in shlex.split(args):
        key, sep, value = word.partition("=")
        if not sep or key not in names:
            raise FrameworkError("/audit", "takes partner=ID, user=NAME or limit=N", word)
        fields[names[key]] = value
    return audit.AuditQuery.model_validate(fields)


def audit_markdown(events: list[audit.AuditEvent]) -> str:
    """The audit rows as a Markdown table (every cell escaped: names and ids are data)."""
    if not events:
        return "No changes to partner records are recorded."
    lines = ["**Audit trail** (newest first)", "",
             "| When (UTC) | Who | Role | Action | Partner | Source |",
             "| --- | --- | --- | --- | --- | --- |"]
    for e in events:
        cells = (e.at[:19].replace("T", " "), e.actor, e.role, e.action,
                 e.partner_id or "(all)", e.source)
        lines.append("| " + " | ".join(escape_text(c) for c in cells) + " |")
    return "\n".join(lines)


async def permitted_files(files: list[Any]) -> list[Any]:
    """The uploads to import: all of them for an admin, none (with a message) otherwise."""
    actor = audit.Actor.model_validate(ACTING.get() or current_actor())
    if not files or allowed(Role(actor.role), Action.IMPORT):
        return files
    names = ", ".join(code_text(getattr(f, "name", "file")) for f in files)
    await refuse(actor, Action.IMPORT)
    await cl.Message(content=f"Nothing was imported from {names}.").send()
    return []
