"""Vocabularies the planner reads from stored data instead of keyword lists.

Two signals come from here. A **stored competitor** named in a message ("has Quorra signed
anyone in EMEA?") says the competitor ecosystem map is meant, the way a stored
partner's name says a partner tool is: the names are those of the imported competitor
table (:mod:`knowledge.competitors`), matched by
:func:`agent.planner.partners.named_competitor`. The **account kinds** a message names
(customers, prospects, open opportunities) are read with the account importer's own words
for them (:data:`knowledge.account_import.KIND_WORDS`, what CRMs call each kind), so a
message that names two kinds of account list is about account mapping.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.account_import import KIND_WORDS
from knowledge.competitors import db_path, load_competitors

#: Kind words that are too common on their own to say an account list is meant
#: ("open the door", "our target"): the kinds are read from the longer words only.
MIN_KIND_WORD = 4
_GENERIC_KIND_WORDS = frozenset({"open", "target", "pipeline", "won", "proposal"})


@lru_cache(maxsize=8)
def _competitors(path: str, stamp: float) -> tuple[str, ...]:
    items, _ = load_competitors(Path(path).parent)
    return tuple(dict.fromkeys(item.competitor for item in items))


def competitor_names(store: Any) -> tuple[str, ...]:
    """The stored competitors' names (empty when none are imported or there is no store)."""
    data_dir = getattr(store, "data_dir", None)
    if data_dir is None:
        return ()
    path = db_path(data_dir)
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return ()
    return _competitors(str(path), stamp)


def _kind_pattern() -> re.Pattern[str]:
    words = [w for w in KIND_WORDS if len(w) >= MIN_KIND_WORD or " " in w]
    words = [w for w in words if w not in _GENERIC_KIND_WORDS]
    union = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b({union})s?\b", re.I)


KIND_RE = _kind_pattern()


def account_kinds(text: str) -> int:
    """How many kinds of account (customer, prospect, opportunity) ``text`` names."""
    kinds = {KIND_WORDS.get(m.group(1).lower()) for m in KIND_RE.finditer(text)}
    kinds.discard(None)
    return len(kinds)


def without_kinds(text: str) -> str:
    """``text`` with the account-kind words blanked (so "leads" is not a partnership need)."""
    return KIND_RE.sub(" ", text)
