"""Templated narration of tool results: one short Jinja2 template per result kind.

Templates live in ``prompts/narration/*.j2`` and are rendered with ``StrictUndefined``, so a
missing field fails loudly. Every number they print comes from the tool output they are
given; the filters only format (``money`` writes 1200000 as ``$1.2M``).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment

from prompts import make_environment
from tools.parsing import format_money

NARRATION_DIR = "narration"


def label(value: Any) -> str:
    """``icp_overlap`` -> ``ICP overlap``; ``do_not_proceed`` -> ``do not proceed``."""
    text = str(value).replace("_", " ")
    return text.replace("icp ", "ICP ").replace("oem", "OEM").replace("gsi", "GSI")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The narration environment: the shared factory's, plus ``money`` and ``label``."""
    return make_environment("prompts", NARRATION_DIR, trim=False, keep_trailing_newline=False,
                            filters={"money": format_money, "label": label})


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
    "check_program", "board_dashboard", "landscape_map", "competitor_map", "relationship_map",
    "partnership_roadmap", "value_canvas", "account_overlap",
}


def narrate_tool(tool: str, output: Any, **extra: Any) -> str:
    """The narration for one tool's JSON output."""
    name = tool if tool in TOOL_TEMPLATES else "document"
    return render(name, out=output, **extra)
