"""The one list of the agent's tools, and how a call to one of them is run.

The LLM backend sees the tools as LangChain ``StructuredTool``s (:func:`as_langchain_tools`);
the offline planner calls :func:`execute` directly. Every entry holds real references (the
run function and its input model), so a tool defined wrongly fails at import, not at the
first call.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError

from agent import board_runs as board
from agent import tool_runs as runs
from agent.access import Action, Forbidden, acting_role, allowed
from agent.account_tools import AccountOverlapInput, account_overlap
from agent.tool_inputs import (
    CheckTierInput,
    FindPartnersInput,
    PortfolioSummaryInput,
    ReviewTierInput,
    ScorePartnerInput,
    SearchFrameworkInput,
    ShowPartnerInput,
)
from agent.toolset import Deps, ExecutedTool, ToolSpec
from tools.decisions import DecisionInput
from tools.documents.dashboard import BoardDashboardInput
from tools.documents.roadmap import RoadmapInput
from tools.documents.value_canvas import ValueCanvasInput
from tools.errors import FrameworkError, from_validation_error
from tools.models import ModelNeed
from tools.program import ProgramDescription
from tools.star import StarInput

Run = Callable[[Any, Deps], BaseModel]


def register(run: Run, input_model: type[BaseModel], name: str | None = None,
             action: Action = Action.SEARCH) -> ToolSpec:
    """One registry entry; raises ``TypeError`` at import when the tool is defined wrongly.

    Args:
        run: ``run(input, deps)``; its docstring is the description the model reads.
        input_model: The pydantic model the arguments are validated into.
        name: The tool name (default: the run function's name).
        action: What calling it counts as for roles (drafting tools: ``Action.DRAFT``).
    """
    name = name or run.__name__
    if not (isinstance(input_model, type) and issubclass(input_model, BaseModel)):
        raise TypeError(f"tool {name}: input model {input_model!r} is not a pydantic model")
    if len(inspect.signature(run).parameters) != 2:
        raise TypeError(f"tool {name}: run must take (input, deps)")
    doc = inspect.getdoc(run)
    if not doc:
        raise TypeError(f"tool {name}: run has no docstring to describe it to the model")
    return ToolSpec(name, " ".join(doc.split()), input_model, run, action)


def _document_entries() -> list[ToolSpec]:
    return [register(runs.document_run(tool), tool.input_model, tool.name, Action.DRAFT)
            for tool in runs.DOCUMENT_TOOLS]


def _build(entries: list[ToolSpec]) -> dict[str, ToolSpec]:
    table: dict[str, ToolSpec] = {}
    for spec in entries:
        if spec.name in table:
            raise TypeError(f"tool {spec.name} is registered twice")
        table[spec.name] = spec
    return table


TOOLS: dict[str, ToolSpec] = _build([
    register(runs.search_framework, SearchFrameworkInput),
    register(runs.find_partners, FindPartnersInput),
    register(runs.show_partner, ShowPartnerInput),
    register(runs.score_partner, ScorePartnerInput),
    register(runs.assess_star, StarInput),
    register(runs.check_tier, CheckTierInput),
    register(runs.review_tier, ReviewTierInput),
    register(runs.portfolio_summary, PortfolioSummaryInput),
    register(runs.recommend_model, ModelNeed),
    register(runs.build_partner_acquire, DecisionInput),
    *_document_entries(),
    register(runs.check_program, ProgramDescription),
    register(board.board_dashboard, BoardDashboardInput),
    register(board.landscape_map, board.LandscapeRequest),
    register(board.competitor_map, board.CompetitorMapRequest),
    register(board.relationship_map, board.RelationshipMapRequest),
    register(board.partnership_roadmap, RoadmapInput),
    register(board.value_canvas, ValueCanvasInput),
    register(account_overlap, AccountOverlapInput),
])


def execute(name: str, args: dict[str, Any] | BaseModel | None, deps: Deps,
            call_id: str | None = None) -> ExecutedTool:
    """Validate ``args`` into the tool's input model and run it; never raises on bad input.

    Args:
        name: Tool name.
        args: Raw arguments (from the model or the planner) or an input model instance.
        deps: Store, settings and output folder.
        call_id: The caller's id for this call (a fresh one when None).

    Returns:
        The executed call: the validated input and result, or an error text that names the
        field and the problem (fit to send back to a model as a tool message).
    """
    call_id = call_id or f"call_{uuid.uuid4().hex[:12]}"
    raw = args.model_dump(mode="json") if isinstance(args, BaseModel) else dict(args or {})
    spec = TOOLS.get(name)
    if spec is None:
        return ExecutedTool(call_id=call_id, name=name, input=raw,
                            error=f"unknown tool {name!r}; the tools are: " + ", ".join(TOOLS))
    role = deps.role or acting_role()  # the API's key sets deps.role; the UI and CLI the actor
    if not allowed(role, spec.action):
        return ExecutedTool(call_id=call_id, name=name, input=raw,
                            error=str(Forbidden(role, spec.action)))
    try:
        data = spec.input_model.model_validate(args if isinstance(args, BaseModel) else raw)
    except ValidationError as exc:
        return ExecutedTool(call_id=call_id, name=name, input=raw,
                            error=str(from_validation_error(exc)))
    validated = data.model_dump(mode="json", exclude_none=True)
    try:
        result = spec.run(data, deps)
    except FrameworkError as exc:
        return ExecutedTool(call_id=call_id, name=name, input=validated, error=str(exc))
    except ValidationError as exc:
        return ExecutedTool(call_id=call_id, name=name, input=validated,
                            error=str(from_validation_error(exc)))
    except (LookupError, ValueError, OSError) as exc:
        return ExecutedTool(call_id=call_id, name=name, input=validated,
                            error=f"{name} failed: {exc}")
    return ExecutedTool(call_id=call_id, name=name, input=validated, result=result)


def as_langchain_tools(deps: Deps, names: list[str] | None = None) -> list[StructuredTool]:
    """The registry as LangChain tools (``args_schema`` = the input model).

    Each tool returns ``(content, artifact)``: the JSON the model reads, and the
    :class:`ExecutedTool` for whoever converts the run into events.
    """
    return [structured_tool(spec.name, spec.description, spec.input_model,
                            partial(execute, spec.name, deps=deps))
            for spec in (TOOLS[name] for name in (list(TOOLS) if names is None else names))]


def structured_tool(name: str, description: str, args_schema: type[BaseModel] | dict[str, Any],
                    run: Callable[[dict[str, Any]], ExecutedTool]) -> StructuredTool:
    """One LangChain tool whose call runs ``run`` and returns ``(content, artifact)``."""

    def call(**kwargs: Any) -> tuple[str, ExecutedTool]:
        done = run(kwargs)
        return done.content(), done

    return StructuredTool.from_function(
        func=call, name=name, description=description, args_schema=args_schema,
        response_format="content_and_artifact", infer_schema=False)
