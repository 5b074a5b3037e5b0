"""Small text helpers shared by every layer."""

from __future__ import annotations

import re

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, max_length: int | None = None, default: str = "document") -> str:
    """Lowercase words joined by hyphens: ``Tiers > Gold`` -> ``tiers-gold``.

    Args:
        text: Any text (a title, a section heading, a company name).
        max_length: Cut the slug to this many characters.
        default: What an empty slug becomes.
    """
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")[:max_length]
    return slug or default
