"""The Chainlit app: login, starters, one agent turn per message, uploads, resume, feedback.

Run it with ``partnerpilot ui`` (see :mod:`ui.launch`), not ``chainlit run``: the launcher
sets the app root, the data dir and the auth secret first. Every answer comes from
``agent.core.Agent.stream``; this module only wires Chainlit callbacks to it.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any

import chainlit as cl
from chainlit.data import get_data_layer
from chainlit.logger import logger
from chainlit.types import ThreadDict

from agent.session import Session
from knowledge.settings import Settings, get_settings
from ui import auth, datalayer, render, routes, upload
from ui.launch import ENV_AUTH

SESSION_KEY = datalayer.SESSION_KEY
_agent_lock = threading.Lock()
_turn_lock = asyncio.Lock()
_agent: Any = None


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
            from agent.core import Agent

            _agent = Agent.from_settings(settings())
        return _agent


@cl.data_layer
def _data_layer() -> Any:
    return datalayer.make_data_layer(data_dir())


if os.environ.get(ENV_AUTH, "1") != "0":

    @cl.password_auth_callback
    async def _login(username: str, password: str) -> cl.User | None:
        users = auth.load_users(data_dir())
        if await asyncio.to_thread(auth.authenticate, users, username, password):  # bcrypt
            return cl.User(identifier=username, metadata={"provider": "credentials"})
        return None


routes.register_file_route(data_dir)
routes.register_ready_route(lambda: _agent is not None)


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
    files = [e for e in message.elements or [] if getattr(e, "path", None)]
    if files:
        await upload.handle_upload(files, get_agent)
        if not message.content.strip():
            return
    session = _current_session()
    prior = [t.content for t in session.turns if t.role == "user"][-4:]
    renderer = render.TurnRenderer()
    try:
        agent = await asyncio.to_thread(get_agent)
    except Exception as exc:  # a person sees why, never a traceback
        await cl.ErrorMessage(content=f"The assistant could not start: {exc}").send()
        return
    async with _turn_lock:
        events = agent.stream(message.content, session)
        async for event in render.aiter_events(events):
            await renderer.handle(event)
    renderer.metadata = {"user_message": message.content, "context_turns": prior}
    await renderer.finish()
    await _save_session(session)
