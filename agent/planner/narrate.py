"""Templated narration of tool results: one short Jinja2 template per result kind.

Templates live in ``prompts/narration/*.j2`` and are rendered with ``StrictUndefined``, so a
missing field fails loudly. Every number they print comes from the tool output they are
given; the filters only format (``money`` writes 1200000 as ``$1.2M``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

from tools.parsing import format_money

NARRATION_DIR = "narration"


class _ResourceLoader(BaseLoader):
    """Loads ``prompts/narration/<name>`` through importlib.resources."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, None, Any]:
        path = resources.files("prompts").joinpath(NARRATION_DIR, template)
        if not path.is_file():
            raise TemplateNotFound(template)
        text = path.read_text(encoding="utf-8")
        return text, None, lambda: True


def format_number(value: Any) -> str:
    """``24.0`` -> ``24``, ``78.35`` -> ``78.35``, other values as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def label(value: Any) -> str:
    """``icp_overlap`` -> ``ICP overlap``; ``do_not_proceed`` -> ``do not proceed``."""
    text = str(value).replace("_", " ")
    return text.replace("icp ", "ICP ").replace("oem", "OEM").replace("gsi", "GSI")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The narration environment (StrictUndefined, the formatting filters)."""
    env = Environment(loader=_ResourceLoader(), undefined=StrictUndefined, autoescape=False,
                      keep_trailing_newline=False, trim_blocks=False)
    env.filters["money"] = format_money
    env.filters["num"] = format_number
    env.filters["label"] = label
    return env


def template_names() -> list[str]:
    """Every narration template (for the test that renders them all)."""
    folder = resources.files("prompts").joinpath(NARRATION_DIR)
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".j2"))


def render(template: str, **context: Any) -> str:
    """Render ``prompts/narration/<name>.j2`` with ``context``; trailing spaces trimmed."""
    text = environment().get_template(f"{template}.j2").render(**context)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


#: Result kinds with their own template; every other tool uses ``document`` when it drafts.
TOOL_TEMPLATES = {
    "score_partner", "check_tier", "review_tier", "show_partner", "find_partners",
    "portfolio_summary", "assess_star", "recommend_model", "build_partner_acquire",
    "check_program",
}


def narrate_tool(tool: str, output: Any, **extra: Any) -> str:
    """The narration for one tool's JSON output."""
    name = tool if tool in TOOL_TEMPLATES else "document"
    return render(name, out=output, **extra)
