"""Prompts and document templates, loaded as package files and rendered with Jinja2.

Templates live in ``prompts/templates/`` and are read through ``importlib.resources`` so they
work from an installed wheel too. The environment uses ``StrictUndefined``: a template that
refers to a missing variable fails loudly instead of printing an empty string. Autoescape is
off because the templates produce Markdown, not HTML.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2

TEMPLATE_DIR = "templates"


def _source(name: str) -> str | None:
    path = resources.files(__name__).joinpath(TEMPLATE_DIR, name)
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def template_names() -> list[str]:
    """Names of all template files shipped in ``prompts/templates``."""
    folder = resources.files(__name__).joinpath(TEMPLATE_DIR)
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".j2"))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared Jinja2 environment (StrictUndefined, no autoescape, tidy whitespace)."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_source),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = _pct
    env.filters["cell"] = _cell
    env.filters["num"] = _num
    return env


def _pct(value: float) -> str:
    text = f"{float(value):.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _num(value: float, places: int = 2) -> str:
    """A number with at most ``places`` decimals and no trailing zeros: 11.25, 16, 17.5."""
    text = f"{float(value):.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(value: Any) -> str:
    """Make a value safe inside a Markdown table cell."""
    return " ".join(str(value).replace("|", "/").split())


def load_template(name: str) -> jinja2.Template:
    """Load a template by file name (e.g. ``thesis.md.j2``).

    Raises:
        jinja2.TemplateNotFound: When no such template ships with the package.
    """
    return environment().get_template(name)


def render_template(name: str, **context: Any) -> str:
    """Render a template with ``context``; a missing variable raises ``jinja2.UndefinedError``."""
    return load_template(name).render(**context)
