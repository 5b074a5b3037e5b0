"""Fitting a model call into the context window: a conservative token estimate and a trim."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from agent.llm_tools import SURFACE

CHARS_PER_TOKEN = 3.0  # conservative for JSON (SmolLM2 measured 3.3 on tool schemas)


def estimate_tokens(messages: list[Any], tools: Sequence[Any] = ()) -> int:
    """A conservative token estimate of messages and tool schemas (about 3 characters each)."""
    chars = 0
    for message in messages:
        chars += len(str(message.content)) + 12
        for call in getattr(message, "tool_calls", None) or []:
            chars += len(call["name"]) + len(json.dumps(call.get("args") or {})) + 30
    for tool in tools:
        name = getattr(tool, "name", "")
        chars += len(json.dumps(SURFACE[name].openai())) if name in SURFACE else 400
    return int(chars / CHARS_PER_TOKEN)


def fit_context(request: Any, budget: int) -> Any:
    """Keep a model call under ``budget`` estimated tokens.

    The oldest history goes first (whole turns), then the longest tool results are shortened
    (the model is told they were cut).
    """
    messages = list(request.messages)
    fixed = estimate_tokens([request.system_message] if request.system_message else [],
                            request.tools)
    current = max((i for i, m in enumerate(messages) if m.type == "human"), default=0)
    while current > 0 and fixed + estimate_tokens(messages) > budget:
        messages.pop(0)
        current -= 1
        while current > 0 and messages[0].type != "human":  # never start inside a turn
            messages.pop(0)
            current -= 1
    while fixed + estimate_tokens(messages) > budget:
        tools = [(len(str(m.content)), i) for i, m in enumerate(messages) if m.type == "tool"]
        if not tools or tools[-1][0] < 400:
            break
        size, index = max(tools)
        keep = max(300, size - int((fixed + estimate_tokens(messages) - budget) * CHARS_PER_TOKEN)
                   - 100)
        cut = messages[index]
        messages[index] = cut.model_copy(update={
            "content": str(cut.content)[:keep] + " ... [cut to fit the context]"})
    return request.override(messages=messages) if messages != request.messages else request
