"""The offline planner: intent, slots, follow-ups and extractive answers with no LLM."""

from agent.planner.offline import OfflinePlanner

__all__ = ["OfflinePlanner"]
