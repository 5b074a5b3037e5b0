"""Reading a user's YAML or JSON file of fields: one loader, one set of messages.

Every YAML or JSON text a user hands over (``--input``, ``--mapping``, ``star FILE``,
``decide FILE``, ``--set`` values, JSON partner files) is parsed by :func:`parse_text`, which
turns everything a hostile file can make a parser do into one :class:`FrameworkError`:
invalid syntax, nesting deep enough to exhaust the stack (``[`` x 1000), integers longer
than Python will convert (5,000 digits), and YAML aliases that expand without end.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tools.errors import FrameworkError

#: Deepest nesting of lists and mappings a user's file may have (the deepest real input,
#: a term sheet's ``governance.escalation_path``, is 3).
MAX_DEPTH = 32
#: Most values (scalars, list items, mapping entries) one YAML text may expand to: YAML
#: aliases can make a 1 KB file mean billions of values ("billion laughs"). A JSON text
#: cannot expand (it has fewer values than characters), so only its depth is checked.
MAX_NODES = 1_000_000


class SyntaxProblem(FrameworkError):
    """The text is not valid YAML or JSON (a ``--set`` value then stays plain text)."""


def _check_shape(data: Any, field: str, it: str, max_nodes: float) -> None:
    """Refuse data nested deeper than MAX_DEPTH or with more than ``max_nodes`` values."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while stack:  # a loop, not recursion: the point is to survive what recursion cannot
        node, depth = stack.pop()
        seen += 1
        if seen > max_nodes:
            raise FrameworkError(field, f"{it}holds more than {MAX_NODES:,} values")
        if isinstance(node, dict):
            children: list[Any] = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= MAX_DEPTH:
            raise FrameworkError(field, f"{it}is nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def parse_text(text: str, field: str, as_json: bool = False, subject: str = "",
               kind: str = "YAML or JSON") -> Any:
    """The parsed content of a YAML (or, with ``as_json``, JSON) text.

    Args:
        text: The text.
        field: What to name in the error.
        as_json: Parse as JSON rather than YAML.
        subject: A file name to start the problem with (``p.json is not valid JSON``).
        kind: What the text should have been, for the syntax error.

    Raises:
        FrameworkError: Naming ``field`` for invalid syntax, too deep nesting, too many
            values or an integer too long to read.
    """
    import yaml  # lazy: ~50 ms to import; `partnerpilot score` without a file needs none

    it = f"{subject} " if subject else ""
    try:
        data = json.loads(text) if as_json else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        problem = " ".join(str(exc).split())
        raise SyntaxProblem(field, f"{it}is not valid {kind}: {problem}") from None
    except RecursionError:
        raise FrameworkError(field, f"{it}is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:  # Python refuses int("9" * 5000): sys.get_int_max_str_digits()
        if "integer string conversion" not in str(exc):
            raise
        raise FrameworkError(field, f"{it}holds an integer longer than "
                             f"{sys.get_int_max_str_digits():,} digits") from None
    _check_shape(data, field, it, float("inf") if as_json else MAX_NODES)
    return data


def load_data(path: Path, field: str) -> Any:
    """The parsed content of a YAML or JSON file (``.json`` is read as JSON, else YAML).

    Args:
        path: The file.
        field: What to name in the error (a flag such as ``--input``, or the path).

    Raises:
        FrameworkError: Naming ``field`` when the file is not valid YAML or JSON, is not
            UTF-8, or is nested too deep (see :func:`parse_text`).
        OSError: When the file cannot be read (the CLI reports it as one line).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrameworkError(field, f"is not UTF-8 text (byte {exc.start})") from None
    return parse_text(text, field, as_json=Path(path).suffix.lower() == ".json")


def load_fields(path: Path, field: str, what: str = "fields") -> dict[str, Any]:
    """A YAML or JSON file that must hold one mapping (an empty file is an empty mapping).

    Args:
        path: The file.
        field: What to name in the error.
        what: What the mapping holds, for the error message.

    Raises:
        FrameworkError: Naming ``field`` when the file is not YAML/JSON or not a mapping.
    """
    data = load_data(path, field)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrameworkError(field, f"must hold a mapping of {what} (key: value)",
                             type(data).__name__)
    return data
