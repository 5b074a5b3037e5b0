"""``ChatOpenAI`` that reports what a stream left unsaid: cut-off streams, unreadable calls.

LangChain reads streamed tool-call arguments leniently (``{"icp_overlap": 80, "mark`` becomes
``{"icp_overlap": 80}``) and accepts a stream that stops before its finish reason as a
complete answer. This subclass watches the raw chunks and adds one last chunk whose
``response_metadata["stream_check"]`` says whether a finish reason came and which calls'
arguments are not one whole JSON object; :mod:`agent.llm_rules` retries or says so.

Imported only by :func:`agent.backends.make_chat_model` (LangChain's OpenAI client is slow to
import, and most commands never need it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_openai import ChatOpenAI

from agent.llm_rules import CHECK_KEY


def whole_json_object(text: str) -> bool:
    """Whether ``text`` is one complete JSON object (an empty string reads as ``{}``)."""
    if not text.strip():
        return True
    try:
        return isinstance(json.loads(text), dict)
    except (json.JSONDecodeError, RecursionError):
        return False


class CheckedChatOpenAI(ChatOpenAI):
    """A streaming ``ChatOpenAI`` that appends a :data:`CHECK_KEY` chunk to every stream."""

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        raw: dict[int, str] = {}
        finished = seen = False
        for chunk in super()._stream(*args, **kwargs):
            seen = True
            message = chunk.message
            for piece in getattr(message, "tool_call_chunks", None) or []:
                index = piece.get("index") or 0
                raw[index] = raw.get(index, "") + (piece.get("args") or "")
            finished = finished or bool((chunk.generation_info or {}).get("finish_reason")
                                        or message.response_metadata.get("finish_reason"))
            yield chunk
        if not seen:  # no stream at all: LangChain says so ("No generations found in stream")
            return
        bad = sorted(index for index, text in raw.items() if not whole_json_object(text))
        yield ChatGenerationChunk(message=AIMessageChunk(
            content="", response_metadata={CHECK_KEY: {"finished": finished,
                                                        "bad_tool_args": bad}}))
