"""The ``partnerpilot`` command. Each area registers its own commands from its own module."""

from __future__ import annotations

import sys

import typer

from cli import ask, draft, evaluate, framework, program, store, ui

app = typer.Typer(
    name="partnerpilot",
    help="Partnership strategy assistant: score, tier, draft, search and ask.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)



@app.callback()
def root() -> None:
    """Partnership strategy assistant: score, tier, draft, search and ask."""


@app.command()
def version() -> None:
    """Print the installed partnerpilot version."""
    from importlib.metadata import version as dist_version

    typer.echo(dist_version("partnerpilot"))


for _module in (framework, program, draft, store, ask, evaluate, ui):
    _module.register(app)


def main() -> None:
    """Console entry point."""
    sys.exit(app())
