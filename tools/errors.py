"""The one error type the framework raises, with messages a person can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class FrameworkError(ValueError):
    """Bad input to a framework tool: names the field, the problem and what was given.

    Args:
        field: Dotted path of the offending input field (e.g. ``icp_overlap``).
        problem: What is wrong, in plain words (e.g. ``must be between 0 and 100``).
        given: The value that was supplied, if any.
    """

    def __init__(self, field: str, problem: str, given: Any = None) -> None:
        self.field = field
        self.problem = problem
        self.given = given
        shown = "" if given is None else f" (got {given!r})"
        super().__init__(f"{field}: {problem}{shown}")


def from_validation_error(exc: ValidationError) -> FrameworkError:
    """Turn pydantic's first complaint into a FrameworkError naming the field."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "input"
    problem = str(first.get("msg", "is invalid"))
    problem = problem.removeprefix("Value error, ")
    given = None if first.get("type") == "missing" else first.get("input")
    if first.get("type") == "missing":
        problem = "is required"
    return FrameworkError(field, problem, given)


def validate(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``, raising FrameworkError instead of ValidationError."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc) from None
