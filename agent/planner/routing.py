"""Which tools a message most likely needs, best first: the planner's ranking, for others.

The LLM path offers the model only the top of this list (plus knowledge search), so that a
small context fits the tools it needs.
"""

from __future__ import annotations

from agent.planner.partners import find_partner
from agent.planner.scorer import intent_scorer
from agent.planner.specs import FRAMEWORK, HELP, REFUSE
from agent.toolset import Deps
from knowledge.embeddings import get_embedder

NOT_TOOLS = {HELP, REFUSE}


def rank_tools(message: str, deps: Deps) -> list[str]:
    """Tool names ranked for ``message`` by the planner's scorer, knowledge search included.

    Args:
        message: The user's message.
        deps: Settings (for the embedder) and the store (to recognise partner names).
    """
    partner = find_partner(message, deps.store)
    ranking = intent_scorer(get_embedder(deps.settings)).rank(message, partner)
    order = [name for name, _ in ranking.ranked if name not in NOT_TOOLS]
    return order if FRAMEWORK in order else [*order, FRAMEWORK]
