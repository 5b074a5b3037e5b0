"""A tool step in plain language: a one-line summary, its inputs and outputs as small tables.

Only presentation: every figure shown is the tool's own (read from its result), nothing is
computed or decided here. The raw JSON stays available behind a toggle (see ``ui.render``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ui.safe_md import escape_text

MAX_ROWS = 12
MAX_CELL = 120

#: What a step says while its tool runs.
PROGRESS = {
    "search_framework": "Searching the framework…",
    "find_partners": "Searching the partner portfolio…",
    "score_partner": "Scoring the partner…",
    "check_tier": "Checking the tier criteria…",
    "review_tier": "Reviewing the tier history…",
    "show_partner": "Looking up the partner…",
    "portfolio_summary": "Summarising the portfolio…",
}


def progress(name: str) -> str:
    """The running label of a tool's step, e.g. ``Searching the framework…``."""
    return PROGRESS.get(name, f"Running {name.replace('_', ' ')}…")


def label(key: str) -> str:
    """``icp_overlap`` -> ``ICP overlap``."""
    words = {"icp": "ICP", "usd": "USD", "id": "ID"}
    text = " ".join(words.get(w, w) for w in str(key).split("_"))
    return text[:1].upper() + text[1:]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value[:6]) + (" …" if len(value) > 6 else "")
    if isinstance(value, Mapping):
        return ", ".join(f"{label(k)} {_value(v)}" for k, v in list(value.items())[:6])
    text = str(value)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL].rsplit(" ", 1)[0] + " …"


def kv_table(data: Mapping[str, Any], heading: str) -> str:
    """A two-column Markdown table of the scalar-ish fields of ``data``."""
    rows = [(k, v) for k, v in data.items() if v not in (None, "", [], {})][:MAX_ROWS]
    if not rows:
        return ""
    lines = [f"| {heading} | Value |", "| --- | --- |"]
    lines += [f"| {escape_text(label(k))} | {escape_text(_value(v))} |" for k, v in rows]
    return "\n".join(lines)


def summary(name: str, output: Any) -> str:
    """One line saying what the tool found, from its own result."""
    out: Mapping[str, Any] = output if isinstance(output, Mapping) else {}
    result = out.get("result") if isinstance(out.get("result"), Mapping) else {}
    if name == "score_partner" and result:
        count = len(result.get("contributions") or {})
        return f"Scored {count} criteria: {_value(result.get('score'))}, {result.get('band')}"
    if name == "check_tier" and out.get("tier"):
        return f"Qualifies for {str(out['tier']).title()}"
    if name == "review_tier" and out.get("action"):
        before, after = str(out.get("from", "")).title(), str(out.get("to", "")).title()
        moved = f"stays {after}" if before == after else f"{before} to {after}"
        return f"Review: {out['action']} ({moved})"
    if name == "find_partners" and "count" in out:
        return f"Found {out['count']} partner{'s' if out['count'] != 1 else ''}"
    if name == "search_framework" and isinstance(out.get("passages"), list):
        return f"Found {len(out['passages'])} framework passages"
    if name == "portfolio_summary" and "partners" in out:
        return f"Summarised {out['partners']} partners"
    if name == "show_partner" and isinstance(out.get("partner"), Mapping):
        return f"Looked up {out['partner'].get('name')}"
    if out.get("title"):
        return f"Drafted {out['title']}"
    return f"{label(name)}: done"


def outputs_of(name: str, output: Any) -> Mapping[str, Any]:
    """The part of a result worth a table (the nested figures of a score, say)."""
    if not isinstance(output, Mapping):
        return {"result": output}
    if name == "score_partner" and isinstance(output.get("result"), Mapping):
        result = output["result"]
        return {"score": result.get("score"), "band": result.get("band"),
                **dict(result.get("contributions") or {})}
    if name == "search_framework" and isinstance(output.get("passages"), list):
        return {p.get("title", "passage"): p.get("section", "") for p in output["passages"]
                if isinstance(p, Mapping)}
    if name == "find_partners" and isinstance(output.get("partners"), list):
        return {p.get("partner_id", "?"): p.get("name", "") for p in output["partners"]
                if isinstance(p, Mapping)}
    if name == "show_partner" and isinstance(output.get("partner"), Mapping):
        return {k: v for k, v in output["partner"].items() if k != "history"}
    return {k: v for k, v in output.items() if k not in ("markdown", "document")}


def step_markdown(name: str, tool_input: Mapping[str, Any], output: Any,
                  error: str | None) -> str:
    """The step's body: the summary line, then the inputs and the outputs as tables."""
    if error:
        return f"**Could not run {label(name).lower()}:** {escape_text(error)}"
    parts = [f"**{escape_text(summary(name, output))}**"]
    for table in (kv_table(tool_input, "Input"), kv_table(outputs_of(name, output), "Output")):
        if table:
            parts.append(table)
    return "\n\n".join(parts)
