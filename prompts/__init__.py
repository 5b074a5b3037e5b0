"""Prompts and document templates, loaded as package files and rendered with Jinja2.

Templates live in ``prompts/templates/`` and are read through ``importlib.resources`` so they
work from an installed wheel too. The environment uses ``StrictUndefined``: a template that
refers to a missing variable fails loudly instead of printing an empty string. Autoescape is
off because the templates produce Markdown, not HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from importlib import resources
from typing import Any

import jinja2

TEMPLATE_DIR = "templates"


def _source(name: str) -> str | None:
    return _resource_source(__name__, TEMPLATE_DIR, name)


def _resource_source(package: str, folder: str, name: str) -> str | None:
    path = resources.files(package).joinpath(folder, name)
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def template_names() -> list[str]:
    """Names of all template files shipped in ``prompts/templates``."""
    folder = resources.files(__name__).joinpath(TEMPLATE_DIR)
    return sorted(item.name for item in folder.iterdir() if item.name.endswith(".j2"))


def make_environment(
    package: str = __name__, folder: str = TEMPLATE_DIR, *, html: bool = False,
    trim: bool = True, keep_trailing_newline: bool = True,
    filters: Mapping[str, Callable[..., str]] | None = None,
) -> jinja2.Environment:
    """The one way to build a Jinja2 environment: ``StrictUndefined`` and the shared filters.

    Every environment gets the same ``pct``, ``cell`` and ``num`` filters, so a filter
    means one thing in every template.

    Args:
        package: The package whose files hold the templates.
        folder: The folder inside ``package`` (``"."`` for the package itself).
        html: Autoescape for HTML (otherwise off: the templates produce Markdown or text).
        trim: Tidy whitespace around block tags (``trim_blocks`` and ``lstrip_blocks``).
        keep_trailing_newline: Keep a template's final newline.
        filters: Extra filters for this environment's templates.
    """
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(partial(_resource_source, package, folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=html,
        trim_blocks=trim,
        lstrip_blocks=trim,
        keep_trailing_newline=keep_trailing_newline,
    )
    env.filters.update({"pct": format_pct, "cell": _cell, "num": format_number})
    env.filters.update(filters or {})
    return env


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The document-template environment (``prompts/templates``, tidy whitespace)."""
    return make_environment()


def format_pct(value: float) -> str:
    """A percentage without a needless decimal: ``30%``, ``12.5%``."""
    text = f"{float(value):.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_number(value: Any, places: int = 2) -> str:
    """A number with at most ``places`` decimals and no trailing zeros (other values as text).

    ``24.0`` -> ``24``, ``78.35`` -> ``78.35``, ``17.5`` -> ``17.5``; whole numbers from
    10,000 up get thousands separators (``12,000``).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:.{places}f}".rstrip("0").rstrip(".")


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
