"""Which tools a message most likely needs, best first: the planner's ranking, for others.

The LLM path offers the model only the top of this list (plus knowledge search), so that a
small context fits the tools it needs.
"""

from __future__ import annotations

from agent.planner.intent import FRAMEWORK, HELP, REFUSE, Signals, intent_index, rule_candidates
from agent.toolset import Deps
from knowledge.embeddings import get_embedder

NOT_TOOLS = {HELP, REFUSE}


def rank_tools(message: str, deps: Deps) -> list[str]:
    """Tool names ranked for ``message`` (rules first, then exemplar similarity).

    Args:
        message: The user's message.
        deps: Settings (for the embedder).
    """
    ruled = [name for name in rule_candidates(message, Signals()) if name not in NOT_TOOLS]
    index = intent_index(get_embedder(deps.settings))
    sims = index.similarities(index.embedder.embed([message])[0])
    ranked = sorted((name for name in sims if name not in NOT_TOOLS),
                    key=lambda name: -sims[name])
    order = list(dict.fromkeys([*ruled, *ranked]))
    return order if FRAMEWORK in order else [*order, FRAMEWORK]
