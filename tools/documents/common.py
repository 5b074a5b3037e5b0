"""Shared pieces of the document models: text types, input parsing and placeholder detection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from tools.errors import FrameworkError, from_validation_error
from tools.parsing import parse_amount
from tools.text import SINGLE_LINE, check_characters

#: Document text fields are one line each (a paragraph, a bullet or a table cell): a line
#: break in a name could otherwise start a Markdown heading or fake a required section.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
                 SINGLE_LINE]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                 SINGLE_LINE]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


def _money(value: Any) -> Any:
    """A money cell or YAML value ("1.2M", "$500K", "2,000,000") as a number."""
    if isinstance(value, str):
        amount = parse_amount(value)
        return value if amount is None else amount
    return value


#: US dollars in a document input: a number, or text the CLI reads as money ("1.2M").
Money = Annotated[float, BeforeValidator(_money), Field(ge=0, le=1e15, allow_inf_nan=False)]

M = TypeVar("M", bound=BaseModel)

PLACEHOLDER_PATTERNS: tuple[re.Pattern[str], ...] = (
    # [X], [N], [Company Name], $[X]; not Markdown link text "[text](url)" nor footnotes "[1]".
    re.compile(r"\$?\[(?=[^\]\n]*[A-Za-z])[^\]\n]{1,60}\](?!\()"),
    re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S),
    re.compile(r"\b(?:TBD|TBC|TODO|FIXME|XXX)\b|lorem ipsum", re.IGNORECASE),
    re.compile(r"<[A-Za-z][^<>\n]{0,60}>"),
    re.compile(r"_{4,}"),
)


class PartnershipModelName(StrEnum):
    """The seven partnership models of the framework (keys of ``tools.models``)."""

    REFERRAL = "referral"
    RESELLER = "reseller"
    CO_SELL = "co_sell"
    IMPLEMENTATION = "implementation"
    OEM = "oem"
    JOINT_VENTURE = "joint_venture"
    TECHNOLOGY_ALLIANCE = "technology_alliance"


_MODEL_ALIASES = {"jv": "joint_venture", "oem_embed": "oem", "embed": "oem",
                  "cosell": "co_sell", "tech_alliance": "technology_alliance"}


def _model_key(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    key = re.sub(r"[\s/-]+", "_", value.strip().lower()).strip("_")
    return _MODEL_ALIASES.get(key, key)


ModelKey = Annotated[PartnershipModelName, BeforeValidator(_model_key)]


class InputModel(BaseModel):
    """Base of every document input: unknown keys are errors, so a typo names its field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentModel(BaseModel):
    """Base of every finished document: complete, immutable data ready to render."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="after")
    def _clean_text(self) -> DocumentModel:
        """A document given back as data (a dump) holds no control characters either."""
        for path, text in _strings(self, ""):
            try:
                check_characters(text)
            except ValueError as exc:
                raise ValueError(f"{path} {exc}") from None
        return self

    @model_validator(mode="before")
    @classmethod
    def _drop_computed_fields(cls, data: Any) -> Any:
        """Accept a document's own dump back: its computed fields are derived, not input."""
        if isinstance(data, dict):
            computed = set(cls.model_computed_fields)
            return {key: value for key, value in data.items() if key not in computed}
        return data


def find_placeholders(text: str) -> list[str]:
    """Find unfilled template slots such as ``[X]``, ``[Company Name]``, ``{{ x }}`` or ``TBD``.

    Args:
        text: Rendered document text.

    Returns:
        The distinct slots found, in order of first appearance (empty when the text is clean).
    """
    hits: list[tuple[int, str]] = []
    for pattern in PLACEHOLDER_PATTERNS:
        hits.extend((match.start(), match.group(0)) for match in pattern.finditer(text))
    seen: list[str] = []
    for _, found in sorted(hits):
        if found not in seen:
            seen.append(found)
    return seen


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, BaseModel):
        for key in type(value).model_fields:
            yield from _strings(getattr(value, key), f"{path}.{key}" if path else key)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}.{index}")


def reject_placeholders(model: BaseModel) -> None:
    """Raise FrameworkError naming the first input field that still holds a template slot.

    Raises:
        FrameworkError: When a text field holds e.g. ``[Company Name]`` or ``TBD``.
    """
    for path, text in _strings(model, ""):
        found = find_placeholders(text)
        if found:
            raise FrameworkError(path, f"is a placeholder ({found[0]}); give the real value")


def parse_input(model: type[M], data: Any) -> M:
    """Validate ``data`` into ``model``; raise FrameworkError naming the field on bad input.

    Args:
        model: The input model class.
        data: A dict (from YAML, JSON or flags) or an instance of ``model``.

    Raises:
        FrameworkError: Missing required field, wrong type, out-of-range value or placeholder.
    """
    if isinstance(data, model):
        parsed = data
    else:
        if data is None:
            data = {}
        try:
            parsed = model.model_validate(data)
        except ValidationError as exc:
            raise from_validation_error(exc) from None
    reject_placeholders(parsed)
    return parsed


def join_words(items: list[str]) -> str:
    """Join ``["a", "b", "c"]`` as ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


