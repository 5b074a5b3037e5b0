"""The agent's tool registry: thin wrappers over ``tools/`` and ``knowledge/``.

Every tool has a name, a description (its run function's docstring),
a pydantic input model and a ``run(input, deps)`` that returns a pydantic result. The LLM
backend sees them as LangChain ``StructuredTool``s (:func:`as_langchain_tools`); the offline
planner calls :func:`execute` directly. Framework modules are imported lazily, so importing
this module needs no store, no model and no key.
"""

from __future__ import annotations

import importlib
import inspect
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.events import Citation, DocumentProduced, Event, ToolCall, ToolResult
from agent.tool_inputs import DocumentResult, FrameworkSearchResult
from tools.errors import FrameworkError, from_validation_error

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool

    from agent.settings import Settings

CITATION_SNIPPET_CHARS = 400


class Deps:
    """What tools need from the outside world, passed to every ``run``.

    Args:
        settings: The process settings.
        store: An open ``knowledge.store.Store``; when None it is opened on first use.
        output_dir: Where drafted documents are written (default ``<data_dir>/documents``).
    """

    def __init__(self, settings: Settings, store: Any | None = None,
                 output_dir: Path | None = None) -> None:
        self.settings = settings
        self._store = store
        self.output_dir = Path(output_dir) if output_dir else Path(settings.data_dir) / "documents"

    @property
    def store(self) -> Any:
        """The partner and knowledge store, opened on first use."""
        if self._store is None:
            from knowledge.store import Store

            self._store = Store.open(self.settings)
        return self._store

    @property
    def store_is_open(self) -> bool:
        """Whether a store was given or has been opened already."""
        return self._store is not None


@dataclass(frozen=True)
class ToolSpec:
    """One tool the agent can call.

    Args:
        name: Tool name the model calls.
        description: What the tool does (its run function's docstring, shown to the model).
        input_ref: The input model, or ``"module:Name"`` resolved on first use.
        run: ``run(input, deps)`` returning a pydantic result.
    """

    name: str
    description: str
    input_ref: type[BaseModel] | str
    run: Callable[[Any, Deps], BaseModel]

    @property
    def input_model(self) -> type[BaseModel]:
        """The pydantic model the tool's arguments are validated into."""
        if isinstance(self.input_ref, str):
            resolved = resolve_ref(self.input_ref)
            if not (isinstance(resolved, type) and issubclass(resolved, BaseModel)):
                raise TypeError(f"{self.input_ref} is not a pydantic model")
            return resolved
        return self.input_ref

    def json_schema(self) -> dict[str, Any]:
        """The input JSON schema as the model sees it."""
        return self.input_model.model_json_schema()


def resolve_ref(ref: str) -> Any:
    """Import ``"package.module:attribute"``."""
    module_name, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module_name), attr)


class ExecutedTool(BaseModel):
    """One tool call and its outcome: a result model, or an error text for the model to read.

    Args:
        call_id: Id of the call (the model's tool-call id when there is one).
        name: Tool name.
        input: The validated input (or the raw arguments when validation failed).
        result: The result model, when the tool succeeded.
        error: What went wrong, naming the field, when it did not.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    call_id: str
    name: str
    input: dict[str, Any]
    result: BaseModel | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the tool returned a result."""
        return self.error is None

    def output_data(self) -> Any:
        """The result as JSON-able data (None on error)."""
        return None if self.result is None else self.result.model_dump(mode="json")

    def content(self) -> str:
        """What the model reads back: the result as JSON, or ``error: ...``."""
        if self.error is not None:
            return f"error: {self.error}"
        return json.dumps(self.output_data(), ensure_ascii=False, default=str)

    def events(self) -> list[Event]:
        """The call, its result, and any citations or documents it produced."""
        events: list[Event] = [
            ToolCall(call_id=self.call_id, name=self.name, input=self.input),
            ToolResult(call_id=self.call_id, name=self.name, output=self.output_data(),
                       error=self.error,
                       result_model=type(self.result).__name__ if self.result else None),
        ]
        if isinstance(self.result, FrameworkSearchResult):
            events.extend(
                Citation(doc_id=p.doc_id, title=p.title, section=p.section,
                         snippet=p.text[:CITATION_SNIPPET_CHARS], chunk_id=p.chunk_id)
                for p in self.result.passages
            )
        if isinstance(self.result, DocumentResult):
            events.append(DocumentProduced(
                kind=self.result.kind, title=self.result.title, model=self.result.document,
                markdown=self.result.markdown, docx_path=self.result.docx_path,
                markdown_path=self.result.markdown_path))
        return events


@dataclass
class _Registry:
    specs: dict[str, ToolSpec] = field(default_factory=dict)

    def add(self, name: str, input_ref: type[BaseModel] | str
            ) -> Callable[[Callable[[Any, Deps], BaseModel]], Callable[[Any, Deps], BaseModel]]:
        def decorate(run: Callable[[Any, Deps], BaseModel]) -> Callable[[Any, Deps], BaseModel]:
            doc = inspect.getdoc(run) or name
            description = " ".join(doc.split())
            self.specs[name] = ToolSpec(name, description, input_ref, run)
            return run
        return decorate


REGISTRY = _Registry()
TOOLS: dict[str, ToolSpec] = REGISTRY.specs


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
    from langchain_core.tools import StructuredTool

    def make(spec: ToolSpec) -> StructuredTool:
        def call(**kwargs: Any) -> tuple[str, ExecutedTool]:
            done = execute(spec.name, kwargs, deps)
            return done.content(), done

        return StructuredTool.from_function(
            func=call, name=spec.name, description=spec.description,
            args_schema=spec.input_model, response_format="content_and_artifact",
            infer_schema=False,
        )

    return [make(TOOLS[name]) for name in (available_tools() if names is None else names)]


def available_tools() -> list[str]:
    """Names of the tools whose framework module is importable now."""
    names = []
    for name, spec in TOOLS.items():
        try:
            spec.input_model  # noqa: B018 (resolves the lazy reference)
        except (ImportError, AttributeError, TypeError):
            continue
        names.append(name)
    return names


# Register the tools (the modules below add to REGISTRY on import).
from agent import tool_runs  # noqa: E402,F401
