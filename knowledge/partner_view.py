"""What a reader sees of the stored partners: never half an import, never a broken record.

:func:`load_index` loads the partner index from Chroma and lays a pending import's journal
over it (its new ids removed, its previous records put back), so an import that is being
written, or that a crash interrupted, is invisible until it commits. A load that a write
overlapped (the write generation of :mod:`knowledge.manifest` moved) starts again.

:class:`Validated` turns stored JSON back into partners; a record that no longer validates
(written by an older version, e.g. an ``inf`` pipeline stored as ``null``) is logged once,
counted and skipped, so it never breaks a whole listing or search.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from knowledge.chroma import pages
from knowledge.locking import read_journal
from knowledge.manifest import read_state
from knowledge.partner_index import PartnerIndex
from tools.errors import from_validation_error
from tools.partners import Partner

log = logging.getLogger(__name__)
#: Times a load starts again because a write overlapped it.
LOAD_ATTEMPTS = 5
Ranked = list[tuple[int, float]]


def load_index(sync: Callable[[], tuple[Any, int]], data_dir: Path, dimension: int
               ) -> PartnerIndex:
    """The committed partners, as a :class:`PartnerIndex`.

    Args:
        sync: Brings the caller's view up to date; returns the partner collection and the
            write generation it is current for.
        data_dir: The store's folder (journal and ``store.json``).
        dimension: Vector length.
    """
    index = PartnerIndex(dimension)
    for _ in range(LOAD_ATTEMPTS):
        collection, before = sync()
        index = PartnerIndex(dimension)
        for got in pages(collection, ["embeddings", "metadatas"]):
            index.upsert(got["ids"], np.asarray(got["embeddings"], np.float32), got["metadatas"])
        try:
            entry = read_journal(data_dir)
        except (OSError, ValueError):  # cleared while being read: the write just finished
            continue
        if entry is not None and entry.collection == collection.name:
            index.delete(entry.new_ids)
            if entry.old_ids:
                index.upsert(entry.old_ids, entry.old_embeddings, entry.old_metadatas)
        if read_state(data_dir).generation == before:
            break
    return index


def committed_payload(collection: Any, data_dir: Path, partner_id: str) -> str | None:
    """The committed JSON of one partner, by exact id (a pending import's journal wins)."""
    got = collection.get(ids=[partner_id], include=["metadatas"])
    try:
        entry = read_journal(data_dir)
    except (OSError, ValueError):  # cleared while being read: what ``get`` saw is committed
        entry = None
    if entry is not None and entry.collection == collection.name:
        if partner_id in entry.new_ids:
            return None
        if partner_id in entry.old_ids:
            return str(entry.old_metadatas[entry.old_ids.index(partner_id)]["json"])
    return str(got["metadatas"][0]["json"]) if got["ids"] else None


class Validated:
    """Stored partner JSON to :class:`Partner`, skipping (and remembering) invalid records."""

    def __init__(self) -> None:
        #: Partner id -> why its stored record is invalid.
        self.invalid: dict[str, str] = {}

    def parse(self, partner_id: str, payload: str) -> Partner | None:
        """The partner, or None (logged once, counted) when the record no longer validates."""
        try:
            return Partner.model_validate_json(payload)
        except ValidationError as exc:
            if partner_id not in self.invalid:
                self.invalid[partner_id] = str(from_validation_error(exc))
                log.warning("skipping stored partner %s, which is invalid: %s (import it "
                            "again with valid values)", partner_id, self.invalid[partner_id])
            return None

    def best(self, index: PartnerIndex, fetch: Callable[[int], Ranked], k: int
             ) -> list[tuple[Partner, float]]:
        """The ``k`` best valid rows that ``fetch(n)`` (the top ``n`` rows) ranks."""
        want = k
        while True:
            rows = fetch(want)
            good = [(p, value) for row, value in rows
                    if (p := self.parse(index.ids[row], index.payloads[row])) is not None]
            if len(good) >= k or len(rows) < want:
                return good[:k]
            want += len(rows) - len(good)

    def all(self, index: PartnerIndex) -> list[Partner]:
        """Every valid partner in ``index``, sorted by id."""
        found = [self.parse(pid, payload)
                 for pid, payload in zip(index.ids, index.payloads, strict=True)]
        return sorted((p for p in found if p is not None), key=lambda p: p.partner_id)
