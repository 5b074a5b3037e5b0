"""Who may do what: the three roles of a team deployment and the actions each may take.

One table, read by every front end (the chat UI, the CLI where it acts on a shared store,
the HTTP API and the MCP server), so that a role means the same thing everywhere.
"""

from __future__ import annotations

from contextvars import ContextVar
from enum import StrEnum

from knowledge.audit import LOCAL, Actor


class Role(StrEnum):
    """A user's role. ``member`` is the default for a user created without one."""

    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


class Action(StrEnum):
    """Something a front end asks permission for before it does it."""

    CHAT = "chat"
    SEARCH = "search"
    DRAFT = "draft"
    IMPORT = "import"
    DELETE = "delete"
    REBUILD = "rebuild"
    MANAGE_USERS = "manage users"
    READ_AUDIT = "read the audit trail"


DEFAULT_ROLE = Role.MEMBER

PERMITTED: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.CHAT, Action.SEARCH}),
    Role.MEMBER: frozenset({Action.CHAT, Action.SEARCH, Action.DRAFT}),
    Role.ADMIN: frozenset(Action),
}


class Forbidden(PermissionError):
    """Raised when a role may not take an action; the message names both."""

    def __init__(self, role: Role, action: Action) -> None:
        self.role = role
        self.action = action
        needed = ", ".join(r.value for r in Role if action in PERMITTED[r])
        super().__init__(f"role: a {role.value} may not {action.value} (needs: {needed})")


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may take ``action``."""
    return action in PERMITTED[role]


def require(role: Role, action: Action) -> None:
    """Raise ``Forbidden`` unless ``role`` may take ``action``."""
    if not allowed(role, action):
        raise Forbidden(role, action)


def parse_role(value: str) -> Role:
    """Read a role name as typed ("Admin", " viewer "); a clear ``ValueError`` otherwise."""
    cleaned = value.strip().lower()
    try:
        return Role(cleaned)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"role: {value!r} is not a role (choose one of: {names})") from None


#: Who the current turn or command acts as. Unset means the local operator of a local store
#: (the CLI on its own data dir), who may do everything; the chat UI sets it on every message
#: from the logged-in user, the CLI from ``PARTNERPILOT_USER`` on a shared store.
ACTING: ContextVar[Actor | None] = ContextVar("partnerpilot_acting", default=None)


def acting() -> Actor:
    """The actor of the current context (:data:`knowledge.audit.LOCAL` when none is set)."""
    return ACTING.get() or LOCAL


def acting_role() -> Role:
    """The role of the current actor."""
    return parse_role(acting().role)


def actor_for(name: str, role: Role) -> Actor:
    """The audit trail's actor for user ``name`` with ``role``."""
    return Actor(name=name, role=role.value)
