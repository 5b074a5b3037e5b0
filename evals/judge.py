"""Optional LLM-as-judge grader: a configured model scores a transcript against a rubric.

It runs only when asked for (``partnerpilot eval --judge``) and only when a model is
configured (``OPENAI_API_KEY`` or ``OPENAI_BASE_URL``): it never reaches for a key on its
own. The rubric is ``prompts/judge.md``. Calls go through the ``openai`` client (httpx), so
vcrpy can record and replay them.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from agent.events import Citation, ToolResult
from evals.cases import Case
from evals.records import Grade, TurnRecord
from prompts import make_environment
from tools.errors import FrameworkError

if TYPE_CHECKING:
    from knowledge.settings import Settings

PASS_SCORE = 4
_JSON = re.compile(r"\{.*\}", re.S)


def render_prompt(case: Case, turns: list[TurnRecord]) -> str:
    """The rubric with this case's transcript filled in."""
    template = make_environment("prompts", ".", trim=False, keep_trailing_newline=False
                                ).get_template("judge.md")
    last = turns[-1]
    expect = case.turn_specs()[-1].expect
    tools = [f"- {r.name}: {json.dumps(r.output, default=str)[:1500]}"
             for r in last.of(ToolResult)]
    cites = [f"- [{c.doc_id}] {c.section}: {c.snippet[:600]}" for c in last.of(Citation)]
    return template.render(
        turns=[t.user for t in turns], tools="\n".join(tools) or "(none)",
        citations="\n".join(cites) or "(none)",
        facts=", ".join(expect.facts) if expect and expect.facts else "(none stated)",
        refusal="yes" if expect and expect.refusal else "no", answer=last.answer,
    )


def parse_verdict(text: str) -> tuple[int, str]:
    """Read ``{"score": N, "reason": "..."}`` from the model's reply.

    Raises:
        FrameworkError: When the reply holds no score from 1 to 5.
    """
    match = _JSON.search(text)
    try:
        data: Any = json.loads(match.group(0)) if match else None
        score = int(data["score"])
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        raise FrameworkError("judge", "reply has no JSON score", text[:200]) from None
    if not 1 <= score <= 5:
        raise FrameworkError("judge", "score must be between 1 and 5", score)
    return score, str(data.get("reason", ""))


class LLMJudge:
    """Grades a case's transcript with a chat model through an OpenAI-compatible endpoint.

    Args:
        client: An ``openai.OpenAI`` client (or anything with ``chat.completions.create``).
        model: The model name to ask.
    """

    def __init__(self, client: Any, model: str) -> None:
        self.client = client
        self.model = model

    def __call__(self, case: Case, turns: list[TurnRecord]) -> Grade | None:
        """Score the transcript; a failed call is a failed grade, not a crash."""
        if not turns:
            return None
        try:
            reply = self.client.chat.completions.create(
                model=self.model, temperature=0, max_tokens=200,
                messages=[{"role": "user", "content": render_prompt(case, turns)}],
            )
            score, reason = parse_verdict(reply.choices[0].message.content or "")
        except Exception as exc:  # noqa: BLE001 - a judge failure is reported, not raised
            return Grade(grader="judge", passed=False, score=0.0,
                         detail=f"judge failed: {type(exc).__name__}: {exc}")
        return Grade(grader="judge", passed=score >= PASS_SCORE, score=(score - 1) / 4,
                     detail=f"{score}/5: {reason}")


def make_judge(settings: Settings) -> LLMJudge:
    """Build the judge from the settings.

    Raises:
        FrameworkError: When no model is configured (no key and no base URL).
    """
    if not (settings.openai_api_key or settings.openai_base_url):
        raise FrameworkError("judge", "needs a model: set OPENAI_API_KEY or OPENAI_BASE_URL")
    from openai import OpenAI  # lazy: ~0.5 s, only `eval --judge` needs it

    client = OpenAI(api_key=settings.openai_api_key or "not-needed",
                    base_url=settings.openai_base_url, timeout=settings.request_timeout,
                    max_retries=settings.max_retries)
    return LLMJudge(client, settings.model)
