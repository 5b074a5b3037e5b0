"""Start the Chainlit app headless, offline, with its config under ``ui/`` and data in the data dir.

Chainlit reads its app root from ``CHAINLIT_APP_ROOT`` when first imported: we point it at
``ui/`` (``.chainlit/config.toml``, ``chainlit.md``, ``public/theme.json`` live there) and move
its upload folder (``.files``) into the data dir. Everything the UI writes at run time (chat
history, uploads, element files, the auth secret) goes to the data dir.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import BaseModel

from agent.access import Role
from knowledge.settings import private_dir
from tools.errors import FrameworkError
from ui.auth import USERS_FILE, add_user, auth_secret, load_users
from ui.datalayer import prepare_database

UI_ROOT = Path(__file__).resolve().parent
APP_FILE = UI_ROOT / "app.py"
ENV_AUTH = "PARTNERPILOT_UI_AUTH"
FIRST_USER = "admin"


class LaunchPlan(BaseModel):
    """What :func:`run` is about to start (printed before the server takes over)."""

    url: str
    data_dir: Path
    auth: bool
    users: list[str]
    created_user: str | None = None
    created_password: str | None = None


def chainlit_environment(data_dir: Path) -> None:
    """Set the environment Chainlit must see before it is imported."""
    os.environ["CHAINLIT_APP_ROOT"] = str(UI_ROOT)
    os.environ["PARTNERPILOT_DATA_DIR"] = str(data_dir)
    for key, value in (("ANONYMIZED_TELEMETRY", "False"), ("HF_HUB_OFFLINE", "1"),
                       ("TRANSFORMERS_OFFLINE", "1"), ("DO_NOT_TRACK", "1")):
        os.environ.setdefault(key, value)


def redirect_uploads(data_dir: Path) -> Path:
    """Point Chainlit's upload folder at ``<data_dir>/.files`` (call after importing chainlit).

    Chainlit creates ``<app root>/.files`` on import; the empty folder is removed again so
    nothing is left in ``ui/``.
    """
    import chainlit.config as chainlit_config  # lazy: it reads the app root when imported

    target = private_dir(data_dir / ".files")
    stray = UI_ROOT / ".files"
    if chainlit_config.FILES_DIRECTORY != target:
        chainlit_config.FILES_DIRECTORY = target
        try:
            stray.rmdir()
        except OSError:
            pass
    return target


def plan(data_dir: Path, host: str, port: int, auth: bool) -> LaunchPlan:
    """Prepare the data dir (database, secret, users) and the environment; start nothing.

    With auth on and no user configured, a first user ``admin`` with a random password is
    created (stored as a bcrypt hash) and returned so it can be shown once.

    Raises:
        FrameworkError: When the port is out of range or the users file is malformed.
    """
    if not 1 <= port <= 65535:
        raise FrameworkError("port", "must be between 1 and 65535", port)
    data_dir = private_dir(data_dir.expanduser().resolve())
    prepare_database(data_dir)
    chainlit_environment(data_dir)
    os.environ["CHAINLIT_HOST"] = host
    os.environ["CHAINLIT_PORT"] = str(port)
    os.environ[ENV_AUTH] = "1" if auth else "0"
    result = LaunchPlan(url=f"http://{host}:{port}", data_dir=data_dir, auth=auth, users=[])
    if auth:
        os.environ["CHAINLIT_AUTH_SECRET"] = auth_secret(data_dir)
        users = load_users(data_dir)
        if not users:
            password = secrets.token_urlsafe(12)
            add_user(data_dir, FIRST_USER, password, Role.ADMIN)  # someone must import
            result.created_user, result.created_password = FIRST_USER, password
            users = load_users(data_dir)
        result.users = sorted(users)
    return result


def serve() -> None:
    """Run the Chainlit server in this process (blocks until stopped)."""
    data_dir = Path(os.environ["PARTNERPILOT_DATA_DIR"])
    import chainlit.config as chainlit_config  # lazy: it reads the app root when imported
    from chainlit.cli import run_chainlit

    os.umask(0o077)  # what the server writes (history, uploads, store, drafts) is private
    redirect_uploads(data_dir)
    chainlit_config.config.run.headless = True
    run_chainlit(str(APP_FILE))


__all__ = ["USERS_FILE", "LaunchPlan", "chainlit_environment", "plan", "redirect_uploads",
           "serve"]
