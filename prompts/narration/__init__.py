"""Narration templates of the offline planner (one per tool result kind)."""
