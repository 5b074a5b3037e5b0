"""When two intents score close, ask which was meant; read the answer to that question."""

from __future__ import annotations

import re

from agent.planner.scorer import Ranking
from agent.planner.specs import HELP, REFUSE, SPECS

#: Below this margin between the top two intents the planner asks instead of guessing.
CLARIFY_MARGIN = 0.03
#: A reply to a pending question is a new request when another intent ranks this far ahead...
DIFFERENT_BY = 0.25
#: ... and the reply's typed signals alone give that intent at least this much.
STRONG_SIGNALS = 0.5
FIRST_RE = re.compile(r"\b(first|former|the one before|option (?:1|one|a)|1st|\(1\)|#1)\b|"
                      r"^\s*(?:1|a)\s*[.)]?\s*$", re.I)
SECOND_RE = re.compile(r"\b(second|latter|the other|option (?:2|two|b)|2nd|\(2\)|#2)\b|"
                       r"^\s*(?:2|b)\s*[.)]?\s*$", re.I)
META = {HELP, REFUSE}


def clarify_between(ranking: Ranking) -> tuple[str, str] | None:
    """The two intents to ask about, or None when the best one is clear enough."""
    if len(ranking.ranked) < 2 or ranking.margin >= CLARIFY_MARGIN:
        return None
    first, second = ranking.ranked[0][0], ranking.ranked[1][0]
    if first in META or second in META:
        return None
    return first, second


def pick_option(reply: str, options: list[str]) -> str | None:
    """Which option a reply picks: by position, or by naming the option's words."""
    if FIRST_RE.search(reply) and not SECOND_RE.search(reply):
        return options[0]
    if SECOND_RE.search(reply) and not FIRST_RE.search(reply):
        return options[1]
    words = set(re.findall(r"[a-z]{4,}", reply.lower()))
    overlap = [len(words & set(re.findall(r"[a-z]{4,}", SPECS[o].label.lower())))
               for o in options]
    if max(overlap) > 0 and overlap.count(max(overlap)) == 1:
        return options[overlap.index(max(overlap))]
    return None


def clearly_different(ranking: Ranking, pending_tool: str) -> bool:
    """Whether a reply to a pending question is clearly a different request.

    Words alone never drop a pending question: the reply must also carry typed evidence for
    the other intent (its figures, a named document, a stored partner with scoring words).
    """
    if ranking.top in (pending_tool, HELP):
        return False
    ahead = ranking.ranked[0][1] - ranking.score(pending_tool)
    return ahead > DIFFERENT_BY and ranking.signals.get(ranking.top, 0.0) >= STRONG_SIGNALS
