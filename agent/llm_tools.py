"""The tools as a model sees them: compact schemas, one drafting tool, a per-turn selection.

The registry (:mod:`agent.registry`) stays the one list of tools; this module only decides
how they are *offered* to a chat model, because every schema is paid for in prompt tokens on
every model call (all eighteen full schemas took about 12k tokens, more than a small local
model's whole context):

* **Compact schemas.** The input model's JSON schema without titles, ``null`` branches,
  ``null`` defaults, length limits and nested docstrings; ``$ref`` inlined. Validation is
  unchanged: :func:`agent.registry.execute` still validates into the full input model and
  names the field of any bad argument.
* **One drafting tool.** ``draft_document(kind, fields)`` stands for the seven ``draft_*``
  tools. Its fields are validated against that kind's input model; what is missing or invalid
  comes back as a follow-up text the model can ask the user, and the call is recorded under
  the underlying ``draft_*`` name (so events and evals see ``draft_term_sheet``).
* **A per-turn selection.** The offline scorer ranks the tools for the message
  (:func:`agent.planner.routing.rank_tools`); the best few are offered, knowledge search is
  always offered, and ``PARTNERPILOT_TOOLS`` restricts the set.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError

from agent.planner.routing import rank_tools
from agent.registry import TOOLS, execute, structured_tool
from agent.tool_runs import DOCUMENT_TOOLS
from agent.toolset import Deps, ExecutedTool
from tools.errors import describe_error

DRAFT_TOOL = "draft_document"
SEARCH_TOOL = "search_framework"
TOOLS_PER_CALL = 3  # ranked tools offered besides knowledge search
KIND_TOOLS: dict[str, str] = {tool.kind: tool.name for tool in DOCUMENT_TOOLS}
TOOL_KINDS: dict[str, str] = {name: kind for kind, name in KIND_TOOLS.items()}
# "ge"/"le"/"gt"/"lt" are pydantic's own bound keys on custom types (not JSON Schema: no
# model reads them); "minimum"/"maximum" carry the bounds that matter.
_DROPPED_KEYS = ("title", "maxLength", "minLength", "maxItems", "minItems",
                 "additionalProperties", "ge", "le", "gt", "lt")


def surface_name(tool: str) -> str:
    """The name a registry tool is offered under (every ``draft_*`` is ``draft_document``)."""
    return DRAFT_TOOL if tool in TOOL_KINDS else tool


def _first_sentence(text: str) -> str:
    text = " ".join(text.split("\n\n", 1)[0].split())
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


ARG_LINE_RE = re.compile(r"^(?P<indent>\s*)(?P<name>\w+)(?:\s*\([^)]*\))?:\s+(?P<text>.+)$")


def docstring_args(doc: str) -> dict[str, str]:
    """The ``Args:`` section of a Google-style docstring: field name -> its description."""
    found: dict[str, str] = {}
    lines = doc.split("\n")
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Args:")
    except StopIteration:
        return found
    name, indent = "", -1
    for line in lines[start + 1:]:
        if not line.strip():
            continue
        match = ARG_LINE_RE.match(line)
        width = len(line) - len(line.lstrip())
        if match and (indent < 0 or width == indent):
            name, indent = match.group("name"), width
            found[name] = match.group("text").strip()
        elif name and width > indent:
            found[name] += " " + line.strip()
        else:
            break  # the next section ("Returns:") or the end of Args
    return found


def _describe_fields(node: dict[str, Any], doc: str) -> None:
    """Give each undescribed property of ``node`` its line from ``doc``'s ``Args:``."""
    documented = docstring_args(doc) if "Args:" in doc else {}
    for name, prop in (node.get("properties") or {}).items():
        if isinstance(prop, dict) and not prop.get("description") and name in documented:
            prop["description"] = _first_sentence(documented[name])


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with the same fields, types, enums and bounds, in fewer tokens.

    A field without a description of its own gets the first sentence of its line in the
    model's ``Args:`` section (the docstring is the schema, see STYLE.md).
    """
    defs = schema.get("$defs", {})

    def walk(node: Any, nested: bool) -> Any:
        if isinstance(node, list):
            return [walk(item, nested) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = copy.deepcopy(defs[node["$ref"].rsplit("/", 1)[-1]])
            return walk({**target, **{k: v for k, v in node.items() if k != "$ref"}}, nested)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROPPED_KEYS or key == "$defs" or (key == "default" and value is None):
                continue
            if key == "anyOf":
                kept = [v for v in value if v != {"type": "null"}]
                if len(kept) == 1:
                    out.update(walk(kept[0], True))
                    continue
                value = kept
            if key == "description" and nested and isinstance(value, str):
                value = _first_sentence(value)
            if key == "properties":
                out[key] = {name: walk(prop, True) for name, prop in value.items()}
            else:
                out[key] = walk(value, True)
        _describe_fields(out, str(node.get("description", "")))
        if "Args:" in str(out.get("description", "")):
            out.pop("description")
        return out

    return _opaque_nested(dict(walk(schema, False)))


def _opaque_nested(schema: dict[str, Any]) -> dict[str, Any]:
    """Spell out a top-level field's inner structure only where the model needs it.

    A field holding objects within objects (a whole term sheet inside the value canvas), and
    an optional list of objects (the dashboard's partners, which default to the store), are
    offered with their description only: spelling out every level cost thousands of tokens.
    Validation still uses the full model and names any bad nested field.
    """
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        inner = prop.get("properties", {}) if isinstance(prop, dict) else {}
        if any(isinstance(v, dict) and "properties" in v for v in inner.values()):
            schema["properties"][name] = {"type": "object",
                                          "description": prop.get("description", name)}
        elif name not in required and "properties" in prop.get("items", {}):
            schema["properties"][name] = {"type": "array", "items": {"type": "object"},
                                          "description": prop.get("description", name)}
    return schema


@dataclass(frozen=True)
class SurfaceTool:
    """One tool as offered to a model.

    Args:
        name: The name the model calls.
        description: What it does, in one or two sentences.
        parameters: The compact JSON schema of its arguments.
    """

    name: str
    description: str
    parameters: dict[str, Any]

    def openai(self) -> dict[str, Any]:
        """The tool in the OpenAI ``tools`` format (what the request carries)."""
        return {"type": "function", "function": {
            "name": self.name, "description": self.description, "parameters": self.parameters}}


def _draft_surface() -> SurfaceTool:
    lines = []
    for tool in DOCUMENT_TOOLS:
        required = tool.input_model.model_json_schema().get("required", [])
        lines.append(f"{tool.kind} ({', '.join(required)})")
    description = ("Draft a partnership document and write it as Markdown and DOCX. Kinds and "
                   "their required fields: " + "; ".join(lines) + ". Pass the fields the user "
                   "gave; the reply lists what is still missing.")
    parameters = {"type": "object", "properties": {
        "kind": {"type": "string", "enum": list(KIND_TOOLS),
                 "description": "The document to draft."},
        "fields": {"type": "object", "description": "The document's fields, by name."}},
        "required": ["kind", "fields"]}
    return SurfaceTool(DRAFT_TOOL, description, parameters)


def _surfaces() -> dict[str, SurfaceTool]:
    table: dict[str, SurfaceTool] = {}
    for name, spec in TOOLS.items():
        if name in TOOL_KINDS:
            table.setdefault(DRAFT_TOOL, _draft_surface())
            continue
        table[name] = SurfaceTool(name, _first_sentence(spec.description),
                                  compact_schema(spec.json_schema()))
    return table


SURFACE: dict[str, SurfaceTool] = _surfaces()


def _describe_field(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    text = _first_sentence(info.description) if info and info.description else ""
    return f"{name} ({text.rstrip('.')})" if text else name


def draft_follow_up(model: type[BaseModel], exc: ValidationError) -> str:
    """What a drafting call still needs: every missing and every invalid field, in one text."""
    missing: list[str] = []
    invalid: list[str] = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        if error.get("type") == "missing" and len(loc) == 1:
            missing.append(_describe_field(model, loc[0]))
        else:
            field, problem, _ = describe_error(error)  # the shared, human wording
            invalid.append(f"{field if loc else 'fields'}: {problem}")
    parts = []
    if missing:
        parts.append("missing fields: " + "; ".join(dict.fromkeys(missing)))
    if invalid:
        parts.append("invalid fields: " + "; ".join(dict.fromkeys(invalid)))
    return ". ".join(parts) + ". Ask the user for these; do not invent them."


def run_surface(name: str, args: dict[str, Any], deps: Deps,
                call_id: str | None = None) -> ExecutedTool:
    """Run a call made to a surface tool: the registry tool behind it, validated as usual."""
    if name != DRAFT_TOOL:
        return execute(name, args, deps, call_id=call_id)
    kind = str(args.get("kind", ""))
    fields = args.get("fields")
    tool = KIND_TOOLS.get(kind)
    if tool is None:
        return ExecutedTool(call_id=call_id or "call_draft", name=DRAFT_TOOL, input=dict(args),
                            error=f"kind: must be one of {', '.join(KIND_TOOLS)}")
    if not isinstance(fields, dict):
        fields = {k: v for k, v in args.items() if k != "kind"}  # fields given flat
    try:
        TOOLS[tool].input_model.model_validate(fields)
    except ValidationError as exc:
        return ExecutedTool(call_id=call_id or "call_draft", name=tool, input=dict(fields),
                            error=draft_follow_up(TOOLS[tool].input_model, exc))
    return execute(tool, fields, deps, call_id=call_id)


def langchain_tools(deps: Deps, names: Iterable[str] | None = None) -> list[StructuredTool]:
    """Surface tools as LangChain tools (compact dict schema; the result as the artifact)."""
    return [structured_tool(tool.name, tool.description, tool.parameters,
                            partial(run_surface, tool.name, deps=deps))
            for tool in (SURFACE[name] for name in (SURFACE if names is None else names))]


def allowed_tools(setting: str | None) -> list[str]:
    """Surface tool names allowed by ``PARTNERPILOT_TOOLS`` (comma list; empty: all).

    Registry names are accepted too (``draft_term_sheet`` allows ``draft_document``).

    Raises:
        ValueError: Naming an unknown tool.
    """
    if not setting or not setting.strip():
        return list(SURFACE)
    wanted = [part.strip() for part in setting.split(",") if part.strip()]
    unknown = [w for w in wanted if w not in SURFACE and w not in TOOLS]
    if unknown:
        raise ValueError(f"unknown tool(s) {', '.join(unknown)}; the tools are: "
                         + ", ".join(SURFACE))
    chosen = {surface_name(w) for w in wanted}
    return [name for name in SURFACE if name in chosen]


def select_tools(message: str, deps: Deps, allowed: list[str], *,
                 recent: Iterable[str] = (), per_call: int = TOOLS_PER_CALL) -> list[str]:
    """The surface tools offered for one turn, in a fixed (registry) order.

    Args:
        message: The user's message (ranked by the offline scorer).
        deps: Settings for the scorer's embedder.
        allowed: What settings allow.
        recent: Tools used in the previous turn (a follow-up answer continues them).
        per_call: How many ranked tools to offer besides knowledge search.
    """
    ranked = [surface_name(name) for name in rank_tools(message, deps)]
    chosen: list[str] = [name for name in recent if name in allowed]
    for name in dict.fromkeys(ranked):
        if len(chosen) >= per_call + len([r for r in recent if r in allowed]):
            break
        if name in allowed and name not in chosen and name != SEARCH_TOOL:
            chosen.append(name)
    if SEARCH_TOOL in allowed:
        chosen.append(SEARCH_TOOL)
    return [name for name in SURFACE if name in set(chosen)]
