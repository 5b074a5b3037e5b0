"""Thumbs feedback from the chat UI, exported as eval cases (the ``evals/datasets`` YAML format).

Chainlit stores each thumb (value 1 = up, 0 = down, with an optional comment) in the
``feedbacks`` table, against the run step that produced the rated answer (or the message
itself). The UI keeps, in the answer message's metadata,
the user message, the earlier user turns, the tools called and the documents cited, so a
rated answer becomes a replayable case:

- thumbs up: the case expects the same tools (as a subset) and the same citations;
- thumbs down: the case carries the comment in ``notes`` and the tag ``needs-expectation``,
  for a person to write down what the right answer must contain.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import text

from evals.cases import Suite
from knowledge import database
from knowledge.settings import chat_db_path, get_settings
from tools.errors import FrameworkError

SUITE = "feedback"
NOTE_CHARS = 300
Which = Literal["all", "up", "down"]

QUERY = """
SELECT f."id" AS id, f."value" AS value, f."comment" AS comment, s."id" AS step_id,
       COALESCE(m."output", s."output") AS answer,
       COALESCE(m."metadata", s."metadata") AS metadata,
       COALESCE(m."createdAt", s."createdAt") AS created, t."userIdentifier" AS "user"
FROM feedbacks f JOIN steps s ON s."id" = f."forId"
LEFT JOIN steps m ON m."parentId" = s."id" AND m."type" = 'assistant_message'
     AND m."metadata" LIKE '%"user_message"%'
LEFT JOIN threads t ON t."id" = s."threadId"
ORDER BY created, f."id"
"""


class FeedbackRow(BaseModel):
    """One thumb on one answer, with what the UI recorded about the turn."""

    id: str
    value: int = Field(ge=0, le=1)
    comment: str = ""
    step_id: str
    answer: str = ""
    user: str | None = None
    created: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class FeedbackExport(BaseModel):
    """The exported suite: cases in the evals format, plus rows that could not become one."""

    cases: list[dict[str, Any]]
    skipped: list[str] = Field(default_factory=list)

    def suite_data(self) -> dict[str, Any]:
        """The suite as the evals loader reads it."""
        return {"suite": SUITE, "description": "Cases from thumbs feedback in the chat UI.",
                "deterministic": False, "cases": self.cases}

    def to_yaml(self) -> str:
        """The suite as YAML text (empty cases give a comment only)."""
        if not self.cases:
            return "# no feedback recorded yet\n"
        return yaml.safe_dump(self.suite_data(), sort_keys=False, allow_unicode=True, width=100)


def read_feedback(data_dir: Path, url: str | None = None) -> list[FeedbackRow]:
    """All feedback rows in the chat history, oldest answer first.

    Args:
        data_dir: The data dir (its ``chat.sqlite3`` unless ``DATABASE_URL`` is set).
        url: The history database's SQLAlchemy URL (default: the configured one).
    """
    url = url or database.database_url(get_settings().model_copy(update={"data_dir": data_dir}))
    if database.is_postgres(url):
        return [_row(r) for r in database.run(_read_postgres(url))]
    path = chat_db_path(data_dir)
    if not path.is_file():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        try:
            rows = conn.execute(QUERY).fetchall()
        except sqlite3.OperationalError as exc:
            raise FrameworkError(str(path), f"is not a chat history database ({exc})") from None
    return [_row(dict(r)) for r in rows]


async def _read_postgres(url: str) -> list[dict[str, Any]]:
    engine = database.engine(url)
    try:
        async with engine.connect() as conn:
            got = await conn.execute(text(QUERY))
            return [dict(r) for r in got.mappings().all()]
    except Exception as exc:  # asyncpg / SQLAlchemy: one clear line naming the setting
        raise FrameworkError("DATABASE_URL", f"cannot read the chat history ({exc})",
                             database.shown_url(url)) from None
    finally:
        await engine.dispose()


def _row(data: dict[str, Any]) -> FeedbackRow:
    meta = data.pop("metadata") or "{}"
    try:
        parsed = json.loads(meta) if isinstance(meta, str) else meta
    except ValueError:
        parsed = {}
    return FeedbackRow(**{k: v for k, v in data.items() if v is not None},
                       metadata=parsed if isinstance(parsed, dict) else {})


def _clean_answer(text: str) -> str:
    lines = [line for line in text.splitlines()
             if not line.startswith(("**Sources:**", "Answered by:"))]
    flat = re.sub(r"\s+", " ", " ".join(lines)).strip()
    return flat[:NOTE_CHARS] + ("..." if len(flat) > NOTE_CHARS else "")


def case_from_row(row: FeedbackRow) -> dict[str, Any] | None:
    """One eval case for one thumb, or None when the turn's user message was not recorded."""
    message = str(row.metadata.get("user_message") or "").strip()
    if not message:
        return None
    up = row.value == 1
    case: dict[str, Any] = {"id": f"feedback-{'up' if up else 'down'}-{row.step_id[:8]}"}
    prior = [str(t) for t in row.metadata.get("context_turns") or [] if str(t).strip()]
    if prior:
        case["turns"] = [{"user": text} for text in [*prior, message]]
    else:
        case["message"] = message
    expect: dict[str, Any] = {}
    tools = [t for t in row.metadata.get("tools") or [] if t and t != "None"]
    if up and tools:
        expect["tools"] = list(dict.fromkeys(tools))
        expect["trajectory"] = "subset"
    if up and row.metadata.get("cites"):
        expect["cites"] = list(dict.fromkeys(row.metadata["cites"]))
    case["expect"] = expect
    case["tags"] = ["feedback", "thumbs-up" if up else "thumbs-down"]
    if not up:
        case["tags"].append("needs-expectation")
    case["source"] = "feedback"
    who = row.user or "a user"
    comment = row.comment.strip() or "(no comment)"
    case["notes"] = (f"{'Thumbs up' if up else 'Thumbs down'} from {who}: {comment} | "
                     f"answer was: {_clean_answer(row.answer)}")
    return case


def export_feedback(data_dir: Path, only: str = "all", url: str | None = None
                    ) -> FeedbackExport:
    """Turn the recorded feedback into eval cases, validated by the evals case model.

    Args:
        data_dir: The data dir holding the chat history.
        only: ``all``, ``up`` or ``down``.
        url: The history database (default: ``DATABASE_URL``, else the data dir's SQLite).

    Raises:
        FrameworkError: On a bad ``only`` value or an unreadable database.
    """
    if only not in ("all", "up", "down"):
        raise FrameworkError("only", "must be all, up or down", only)


    export = FeedbackExport(cases=[])
    for row in read_feedback(data_dir, url):
        if only != "all" and (row.value == 1) != (only == "up"):
            continue
        case = case_from_row(row)
        if case is None:
            export.skipped.append(row.id)
        else:
            export.cases.append(case)
    if export.cases:
        Suite.model_validate(export.suite_data())  # the evals runner must accept the file
    return export
