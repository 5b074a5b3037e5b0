"""The ``partnerpilot`` command. Each area registers its own commands from its own module.

Start-up: :func:`main` imports only the module that registers the command being run, so
``partnerpilot score`` loads the pure scoring code and not the store, the models or the UI
(importing every command module costs about a second; see ``bench/startup.py`` and
``bench/RESULTS.md``). ``partnerpilot --help`` and unknown commands import them all, and so
does ``cli.main.app``, the full application that tests drive.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from functools import lru_cache

# partnerpilot uses no pydantic plugin; without this, building the first model scans every
# installed package's entry points for one (20-50 ms of each command's start).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer  # noqa: E402 (after the environment above)

#: Each top-level command and the ``cli`` module whose ``register(app)`` adds it.
COMMANDS = {
    "score": "score", "star": "star", "decide": "decide", "tier": "tier", "model": "model",
    "program": "program", "draft": "draft", "index": "store",
    "partners": "store", "knowledge": "store", "ask": "ask", "chat": "ask",
    "eval": "evaluate", "ui": "ui", "users": "ui", "feedback": "ui",
    "audit": "team", "chroma-proxy": "team", "doctor": "doctor",
    "serve": "serve", "mcp": "serve", "keys": "serve",
    "board": "board",
    "accounts": "accounts",
}
MODULES = tuple(dict.fromkeys(COMMANDS.values()))
HELP = "Partnership strategy assistant: score, tier, draft, search and ask."


def root() -> None:
    """Partnership strategy assistant: score, tier, draft, search and ask."""


def version() -> None:
    """Print the installed partnerpilot version."""
    from importlib.metadata import version as dist_version  # lazy: ~40-70 ms, only here

    typer.echo(dist_version("partnerpilot"))


def build_app(modules: Iterable[str] = MODULES) -> typer.Typer:
    """The root app with ``version`` and the commands of the named ``cli`` modules."""
    app = typer.Typer(name="partnerpilot", help=HELP, no_args_is_help=True,
                      pretty_exceptions_enable=False, add_completion=False)
    app.callback()(root)
    app.command()(version)
    for name in modules:
        # lazy by design: only the command being run is imported (start-up, see above)
        importlib.import_module(f"cli.{name}").register(app)
    return app


@lru_cache(maxsize=1)
def full_app() -> typer.Typer:
    """Every command (for ``--help``, tests and docs)."""
    return build_app()


def __getattr__(name: str) -> typer.Typer:
    """``from cli.main import app`` gives the full app, built on first use."""
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def app_for(argv: list[str]) -> typer.Typer:
    """The app that can run ``argv``: just its command's module when it names one."""
    command = argv[0] if argv else ""
    if command == "version":
        return build_app(())
    if command in COMMANDS:
        return build_app((COMMANDS[command],))
    return full_app()


def undecodable_argument(argv: list[str]) -> str | None:
    """An error line for the first argument that is not UTF-8 text, or None.

    Python hands undecodable bytes of ``argv`` over as lone surrogates, which no text
    field, tokenizer or terminal can take; refuse them here, once, for every command.
    """
    for n, arg in enumerate(argv, start=1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError as exc:
            byte = ord(arg[exc.start]) - 0xDC00
            shown = f"byte 0x{byte:02x}" if 0x80 <= byte <= 0xFF else "a lone surrogate"
            return (f"error: argument {n}: is not UTF-8 text ({shown} at position "
                    f"{exc.start + 1}); check the terminal's encoding\n")
    return None


def main() -> None:
    """Console entry point."""
    problem = undecodable_argument(sys.argv[1:])
    if problem is not None:
        sys.stderr.write(problem)
        sys.exit(2)
    sys.exit(app_for(sys.argv[1:])())
