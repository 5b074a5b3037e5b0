"""The one error type the framework raises, with messages a person can act on.

Every message about bad input is built here (:class:`FrameworkError`,
:func:`from_validation_error`, :func:`describe_error`), and every value it echoes goes
through :func:`shown`, which cuts it to :data:`MAX_SHOWN_CHARS`: a 15 MB field gives a
one-line message, not 15 MB of stderr or of chat history.
"""

from __future__ import annotations

import math
import re
import reprlib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

#: Longest echo of a bad value (characters of its repr) in any error message.
MAX_SHOWN_CHARS = 120
#: Longest problem text (a parser's own message can quote the whole bad input).
MAX_PROBLEM_CHARS = 600
#: Pydantic's names of union members and wrapped types in an error's ``loc``
#: (``constrained-float``, ``tuple[...]``, ``function-after[...]``, ``str``): not fields.
_TYPE_TAG = re.compile(r"^(?:[a-z]+(?:-[a-z]+)+|[a-z-]+\[.*\])$", re.S)
#: Plain type names and model class names, which are tags only inside a path, never last.
_INNER_TAG = re.compile(r"^(?:str|int|float|bool|none|bytes|list|dict|tuple|set|frozenset|"
                        r"date|datetime|decimal|enum|[A-Z][A-Za-z0-9]*)$")
_BOUND_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal",
                 "finite_number", "multiple_of"}


class _Repr(reprlib.Repr):
    """``reprlib`` with short strings and no crash on a 5,000-digit integer."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = self.maxlong = MAX_SHOWN_CHARS
        self.maxlevel = 3

    def repr_int(self, x: int, level: int) -> str:
        digits = x.bit_length() * 0.30103
        if digits > self.maxlong:
            return f"<an integer of about {digits:,.0f} digits>"
        return super().repr_int(x, level)


_REPR = _Repr()


def clip(text: str, limit: int = MAX_PROBLEM_CHARS) -> str:
    """``text`` cut to ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def shown(value: Any) -> str:
    """A short, safe repr of a bad value for an error message (long values are cut)."""
    try:
        text = _REPR.repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    if isinstance(value, (str, bytes)) and len(value) > MAX_SHOWN_CHARS:
        text += f" ({len(value):,} characters)"
    return text


class FrameworkError(ValueError):
    """Bad input to a framework tool: names the field, the problem and what was given.

    Args:
        field: Dotted path of the offending input field (e.g. ``icp_overlap``).
        problem: What is wrong, in plain words (e.g. ``must be between 0 and 100``).
        given: The value that was supplied, if any (echoed cut short).
    """

    def __init__(self, field: str, problem: str, given: Any = None) -> None:
        self.field = clip(field, MAX_SHOWN_CHARS)
        self.problem = clip(problem)
        self.given = given
        echo = "" if given is None else f" (got {shown(given)})"
        super().__init__(f"{self.field}: {self.problem}{echo}")


def field_path(loc: tuple[int | str, ...] | list[int | str], keep_last: bool = False) -> str:
    """The dotted field path of a pydantic error location, without its type tags.

    Args:
        loc: The error's ``loc``.
        keep_last: Keep the last part as given (it is the user's own key, e.g. an
            unknown field).
    """
    parts = [str(p) for p in loc]
    kept = []
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if last and keep_last:
            kept.append(part)
        elif not (isinstance(loc[n], str) and (
                _TYPE_TAG.match(part) or (not last and _INNER_TAG.match(part)))):
            kept.append(part)
    return ".".join(kept)


def _is_not_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, str):
        return value.strip().lower().lstrip("+-") in {"nan", "inf", "infinity"}
    return False


def describe_error(error: Any) -> tuple[str, str, Any]:
    """``(field, problem, given)`` for one pydantic error dict, in plain words.

    ``given`` is None when echoing the input would not help (missing fields, whole
    mappings or lists).
    """
    kind = error.get("type", "")
    field = field_path(error.get("loc", ()), keep_last=kind == "extra_forbidden") or "input"
    given = error.get("input")
    if kind == "missing":
        return field, "is required", None
    if kind == "extra_forbidden":
        return field, "is not a known field", None
    problem = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if kind in _BOUND_ERRORS and _is_not_finite(given):
        problem = "must be a finite number"
    if isinstance(given, (dict, list)):
        given = None
    return field, problem, given


def _best(exc: ValidationError) -> Any:
    """The error to report: for a union, the member that got furthest, not the first."""
    errors = exc.errors()
    first = errors[0]
    same = [e for e in errors if field_path(e.get("loc", ())) == field_path(first.get("loc", ()))]
    for error in same:
        if error.get("type") in _BOUND_ERRORS or error.get("type", "").startswith("value_error"):
            return error
    return first


def from_validation_error(exc: ValidationError) -> FrameworkError:
    """Turn pydantic's first complaint into a FrameworkError naming the field."""
    return FrameworkError(*describe_error(_best(exc)))


def validate(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``, raising FrameworkError instead of ValidationError."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc) from None
