"""Reading a user's YAML or JSON file of fields: one loader, one set of messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.errors import FrameworkError


def load_data(path: Path, field: str) -> Any:
    """The parsed content of a YAML or JSON file (``.json`` is read as JSON, else YAML).

    Args:
        path: The file.
        field: What to name in the error (a flag such as ``--input``, or the path).

    Raises:
        FrameworkError: Naming ``field`` when the file is not valid YAML or JSON.
        OSError: When the file cannot be read (the CLI reports it as one line).
    """
    import yaml  # lazy: ~50 ms to import; `partnerpilot score` without a file needs none

    text = Path(path).read_text(encoding="utf-8")
    try:
        return json.loads(text) if Path(path).suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        problem = " ".join(str(exc).split())
        raise FrameworkError(field, f"is not valid YAML or JSON: {problem}") from None


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
