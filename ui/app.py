"""The Chainlit app: login, starters, one agent turn per message, uploads, resume, feedback.

Run it with ``partnerpilot ui`` (see :mod:`ui.launch`), not ``chainlit run``: the launcher
sets the app root, the data dir and the auth secret first. Every answer comes from
``agent.core.Agent.stream``; this module only wires Chainlit callbacks to it.

Turns of one chat session run one after the other; different sessions run at the same time
(the agent's blocking work runs in worker threads; the store is opened once, up front).
Logins are throttled (``ui.throttle``), sessions are stamped and revocable (``ui.auth``), and
every request passes the front door (``ui.guard``: origin, session, image policy).
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.auth import get_token_from_cookies
from chainlit.config import config as chainlit_config
from chainlit.data import get_data_layer
from chainlit.logger import logger
from chainlit.server import app as server_app
from chainlit.types import ThreadDict
from fastapi import Request, Response
from starlette.middleware.cors import CORSMiddleware

from agent.core import Agent
from agent.session import Session
from knowledge.settings import Settings, get_settings
from ui import auth, datalayer, guard, pages, render, roles, routes, upload, upload_route
from ui.launch import ENV_AUTH
from ui.throttle import LoginThrottle

SESSION_KEY = datalayer.SESSION_KEY
_agent_lock = threading.Lock()
_turn_locks: dict[str, asyncio.Lock] = {}  # chat session id -> its turn lock
_agent: Any = None
WARM_QUESTION = "How does a partner get promoted to the next tier?"


def settings() -> Settings:
    """The process settings (the launcher exported an absolute data dir)."""
    return get_settings()


def data_dir() -> Path:
    """Where the UI keeps chat history and files."""
    return Path(settings().data_dir)


def get_agent() -> Any:
    """The one agent of this process, built on first use (loads the embedder and store)."""
    global _agent
    with _agent_lock:
        if _agent is None:
            agent = Agent.from_settings(settings())
            try:  # open the store now, once, rather than in two concurrent turns
                agent.deps.store  # noqa: B018
            except Exception as exc:  # each tool that needs it reports why, as before
                logger.warning("store not opened at start: %s", exc)
            warm_models(agent)
            _agent = agent
        return _agent


def warm_models(agent: Any) -> None:
    """Load what the first answer would otherwise wait for: the embedder and the exemplars.

    Calls whatever warm-up the backend and the store offer (``warm_up``); a failure is
    logged and the first turn pays the cost instead.
    """
    for owner in (agent.backend, getattr(agent.deps, "_store", None)):
        warm = getattr(owner, "warm_up", None)
        if callable(warm):
            try:
                warm(agent.deps) if owner is agent.backend else warm()
            except Exception as exc:
                logger.warning("warm-up of %s failed: %s", type(owner).__name__, exc)
    if agent.backend.name == "offline":  # one framework answer on a throwaway session
        try:
            for _ in agent.stream(WARM_QUESTION, Session()):
                pass
        except Exception as exc:
            logger.warning("warm-up question failed: %s", exc)


@cl.data_layer
def _data_layer() -> Any:
    return datalayer.make_data_layer(data_dir())


def _session_seconds() -> float:
    return settings().session_hours * 3600


def _secret() -> str:
    return os.environ.get("CHAINLIT_AUTH_SECRET", "")


def _token_is_current(token: str) -> bool:
    return auth.token_is_current(token, data_dir(), _secret(), _session_seconds())


_throttle = LoginThrottle(settings().login_failures_per_user,
                          settings().login_failures_per_address,
                          settings().login_lockout_minutes * 60)


if os.environ.get(ENV_AUTH, "1") != "0":

    @cl.password_auth_callback
    async def _login(username: str, password: str) -> cl.User | None:
        address = guard.CLIENT_ADDRESS.get()
        if not _throttle.begin(username, address):
            logger.warning("login refused: too many failed attempts (%s from %s)",
                           username[:64], address)
            return None
        users = auth.load_users(data_dir())
        if not await asyncio.to_thread(auth.authenticate, users, username, password):  # bcrypt
            return None
        _throttle.succeeded(username, address)
        stamp = auth.session_stamp(data_dir(), users[username], _secret())
        return cl.User(identifier=username,
                       metadata={"provider": "credentials", auth.STAMP_KEY: stamp})

    @cl.on_logout
    async def _logout(request: Request, response: Response) -> dict[str, bool]:
        """Logging out ends every session of the user, not only this browser's cookie."""
        token = get_token_from_cookies(dict(request.cookies))
        if token and _token_is_current(token):
            name = auth.token_identifier(token, _secret())
            if name:
                auth.revoke_sessions(data_dir(), name)
        return {"success": True}


def _install_front_door() -> None:
    """Put ``ui.guard.FrontDoor`` in front of Chainlit and narrow its CORS to our origins."""
    host = os.environ.get("CHAINLIT_HOST", "127.0.0.1")
    port = int(os.environ.get("CHAINLIT_PORT", "8000"))
    allowed = guard.allowed_origins(settings().allowed_origins, host, port)
    chainlit_config.project.allow_origins = sorted(allowed)
    chainlit_config.project.user_session_timeout = int(_session_seconds())
    for middleware in server_app.user_middleware:
        if middleware.cls is CORSMiddleware:
            middleware.kwargs["allow_origins"] = sorted(allowed)  # type: ignore[index]
    if not any(m.cls is guard.FrontDoor for m in server_app.user_middleware):
        server_app.add_middleware(guard.FrontDoor, allowed=allowed,
                                  token_is_current=_token_is_current)


_install_front_door()
routes.register_file_route(data_dir)
routes.register_feedback_routes()
routes.register_ready_route(lambda: _agent is not None)
upload_route.register_upload_route()
pages.register_thread_page()
pages.register_login_route()
pages.patch_page_shell()


@cl.on_app_startup
def _warm_up() -> None:
    """Load the agent (embedder, store) in the background so the first answer is quick."""
    threading.Thread(target=_warm_agent, name="agent-warm-up", daemon=True).start()


def _warm_agent() -> None:
    try:
        get_agent()
    except Exception as exc:  # reported on the first message instead
        logger.warning("agent warm-up failed: %s", exc)


@cl.set_starters
async def _starters(user: cl.User | None = None, language: str | None = None) -> list[cl.Starter]:
    return [cl.Starter(label=label, message=message) for label, message in STARTERS]


STARTERS = (
    ("Ask the framework", "How does a partner get promoted to the next tier?"),
    ("Score a partner", "Score a partner with ICP overlap 80, market influence 70, practice "
     "alignment 60, partnership appetite 90 and revenue potential 50"),
    ("Check a tier", "Which tier does a partner with $2,500,000 annual pipeline, 12 certified "
     "individuals and a dedicated practice qualify for?"),
    ("Review a tier", "Review the tier of Ashcombe Whitley Advisory"),
    ("Find partners", "Find systems integrators in EMEA that serve financial services"),
    ("Portfolio overview", "Summarise the partner portfolio"),
    ("Draft a thesis", "Draft a partnership thesis"),
    ("Draft a term sheet", "Draft a term sheet for a co-sell partnership"),
    ("Draft a strategy brief", "Draft a strategy brief"),
)


def _current_session() -> Session:
    data = cl.user_session.get(SESSION_KEY)
    if isinstance(data, dict):
        return Session.model_validate(data)
    return Session(session_id=cl.context.session.thread_id)


async def _save_session(session: Session) -> None:
    data = session.model_dump(mode="json")
    cl.user_session.set(SESSION_KEY, data)
    layer = get_data_layer()
    if layer is not None:
        await layer.update_thread(cl.context.session.thread_id, metadata={SESSION_KEY: data})


async def _name_thread(name: str, wait_s: float = 10.0) -> None:
    """Name the thread ``name``, after Chainlit has named it from the first message.

    Chainlit names a thread in a background task of its own; renaming before that task has
    run would be undone by it.
    """
    layer = get_data_layer()
    if layer is None:
        return
    thread_id = cl.context.session.thread_id
    for _ in range(int(wait_s / 0.1)):
        thread = await layer.get_thread(thread_id)
        if thread is not None and thread.get("name") is not None:
            break
        await asyncio.sleep(0.1)
    await layer.update_thread(thread_id, name=name)


@cl.on_chat_end
async def _end() -> None:
    _turn_locks.pop(cl.context.session.id, None)


def _turn_lock() -> asyncio.Lock:
    """The lock that keeps this chat session's turns in order (other sessions run freely)."""
    return _turn_locks.setdefault(cl.context.session.id, asyncio.Lock())


@cl.on_chat_start
async def _start() -> None:
    cl.user_session.set(SESSION_KEY, Session(
        session_id=cl.context.session.thread_id).model_dump(mode="json"))


@cl.on_chat_resume
async def _resume(thread: ThreadDict) -> None:
    session = datalayer.session_from_thread(thread, SESSION_KEY)
    cl.user_session.set(SESSION_KEY, session.model_dump(mode="json"))


@cl.on_message
async def _on_message(message: cl.Message) -> None:
    attached = [e for e in message.elements or [] if getattr(e, "path", None)]
    renderer = None
    if not attached:  # a step on screen at once, before any other work (even who acts)
        link_hosts = tuple((settings().link_hosts or "").split(","))
        renderer = render.TurnRenderer(link_hosts, (str(data_dir().resolve()),))
        await renderer.begin()
    if await roles.begin_turn(message.content):  # who acts; /audit for admins
        if renderer is not None:
            await renderer.finish_failed()
        return
    if renderer is None:  # a message with a file is an import, whatever its words say
        files = await roles.permitted_files(attached)  # none, with a message, for non-admins
        if not files:
            return
        async with _turn_lock():
            session = _current_session()
            first = not session.turns and not cl.user_session.get("pp_named")
            cl.user_session.set("pp_named", True)
            await upload.handle_upload(files, get_agent, message.content)
            await _save_session(session)
            if first:
                await _name_thread(upload.thread_name(files))
        return
    await render.close_sources()  # a new answer starts: the last one's source panel closes
    try:
        agent = await asyncio.to_thread(get_agent)
    except Exception as exc:  # a person sees why, never a traceback
        await renderer.finish_failed()
        await cl.ErrorMessage(content=f"The assistant could not start: {exc}").send()
        return
    async with _turn_lock():
        session = _current_session()
        prior = [t.content for t in session.turns if t.role == "user"][-4:]
        events = agent.stream(message.content, session)
        async for event in render.aiter_events(events):  # each step in a worker thread
            await renderer.handle(event)
        renderer.metadata = {"user_message": message.content, "context_turns": prior}
        # Saved before the answer shows: a reload right after it makes Chainlit store this
        # chat session's state (ours included) as it is then, and the resumed thread had
        # lost the turn (seen once in a full test run).
        await _save_session(session)
        await renderer.finish()
