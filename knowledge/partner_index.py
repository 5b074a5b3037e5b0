"""An in-memory copy of the partner vectors and filter fields for fast, filtered search.

Why not Chroma's own query: with a ``where`` filter Chroma measured 96 ms p50 / 131 ms p95
at 100k partners on this machine (see ``bench/RESULTS.md``), and its HNSW graph is
approximate anyway. Here a filter is a boolean mask over small integer code arrays, so the
filtered path costs no more than the unfiltered one:

* below ``PROJECT_FROM`` rows (and for selective filters, under ``GATHER_SHARE`` of the
  rows) the search is exact: one matrix-vector product over unit float32 vectors;
* from ``PROJECT_FROM`` rows on, a full scan reads 147 MiB per query at 100k x 384, which
  is memory-bound at ~10-40 ms on these cores, so a first pass scores a 128-wide projection
  onto the vectors' principal directions (a third of the bytes) and the best
  ``max(256, 32 k)`` candidates are rescored exactly. The bench measures its top-5 recall
  against the exact search.

Chroma stays the system of record: the index is loaded from it on first use and kept in
step with this process's own writes (:class:`knowledge.store.Store` reloads it when another
process wrote).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

FILTER_FIELDS = ("tier", "partner_type", "region", "industry", "band")
#: Below this share of matching rows, gather the rows instead of scoring all of them.
GATHER_SHARE = 0.1
#: From this many rows on, a first pass over a projected copy picks candidates.
PROJECT_FROM = 20_000
#: Width of the projected copy (principal directions of the stored vectors).
PROJECTED_DIM = 128
#: Candidates rescored exactly: at least this many, or ``CANDIDATES_PER_HIT * k``.
MIN_CANDIDATES = 256
CANDIDATES_PER_HIT = 32


@dataclass
class PartnerIndex:
    """Partner vectors, ids, names, JSON and integer-coded filter fields, row-aligned.

    Args:
        dimension: Length of each vector.
    """

    dimension: int
    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)
    pos: dict[str, int] = field(default_factory=dict)
    vocab: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {} for name in FILTER_FIELDS}
    )

    project_from: int = PROJECT_FROM

    def __post_init__(self) -> None:
        self._vectors = np.zeros((0, self.dimension), dtype=np.float32)
        self._codes = {name: np.zeros(0, dtype=np.int32) for name in FILTER_FIELDS}
        self._basis: np.ndarray | None = None
        self._projected = np.zeros((0, PROJECTED_DIM), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def vectors(self) -> np.ndarray:
        """The live rows of the matrix."""
        return self._vectors[: len(self.ids)]

    def _code(self, name: str, value: object) -> int:
        table = self.vocab[name]
        key = str(value).strip().lower()
        if key not in table:
            table[key] = len(table)
        return table[key]

    def _grow(self, needed: int) -> None:
        capacity = self._vectors.shape[0]
        if needed <= capacity:
            return
        new_cap = max(needed, int(capacity * 1.5) + 64)
        vectors = np.zeros((new_cap, self.dimension), dtype=np.float32)
        vectors[:capacity] = self._vectors
        self._vectors = vectors
        if self._basis is not None:
            projected = np.zeros((new_cap, self._basis.shape[1]), dtype=np.float32)
            projected[:capacity] = self._projected
            self._projected = projected
        for name, codes in self._codes.items():
            grown = np.full(new_cap, -1, dtype=np.int32)
            grown[:capacity] = codes
            self._codes[name] = grown

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, metadatas: Sequence[Mapping[str, object]]
    ) -> None:
        """Add or replace rows (metadata needs the filter fields, ``name`` and ``json``)."""
        self._grow(len(self.ids) + len(ids))
        for i, pid in enumerate(ids):
            meta = metadatas[i]
            row = self.pos.get(pid)
            if row is None:
                row = len(self.ids)
                self.pos[pid] = row
                self.ids.append(pid)
                self.names.append(str(meta.get("name", "")))
                self.payloads.append(str(meta.get("json", "")))
            else:
                self.names[row] = str(meta.get("name", ""))
                self.payloads[row] = str(meta.get("json", ""))
            self._vectors[row] = vectors[i]
            if self._basis is not None:
                self._projected[row] = vectors[i] @ self._basis
            for name in FILTER_FIELDS:
                self._codes[name][row] = self._code(name, meta.get(name, ""))
        if self._basis is None and len(self.ids) >= self.project_from:
            self._fit_projection()

    def _fit_projection(self) -> None:
        """Principal directions of (a sample of) the vectors; project every row onto them."""
        n = len(self.ids)
        rng = np.random.default_rng(0)
        sample = self._vectors[rng.choice(n, size=min(n, 20_000), replace=False)]
        _, _, vt = np.linalg.svd(sample, full_matrices=False)
        self._basis = np.ascontiguousarray(vt[:PROJECTED_DIM].T, dtype=np.float32)
        self._projected = np.ascontiguousarray(self._vectors @ self._basis)

    def delete(self, ids: Sequence[str]) -> None:
        """Remove rows (the last row moves into each hole)."""
        for pid in ids:
            row = self.pos.pop(pid, None)
            if row is None:
                continue
            last = len(self.ids) - 1
            if row != last:
                moved = self.ids[last]
                self.ids[row], self.names[row] = moved, self.names[last]
                self.payloads[row] = self.payloads[last]
                self._vectors[row] = self._vectors[last]
                if self._basis is not None:
                    self._projected[row] = self._projected[last]
                for codes in self._codes.values():
                    codes[row] = codes[last]
                self.pos[moved] = row
            self.ids.pop()
            self.names.pop()
            self.payloads.pop()

    def mask(self, filters: Mapping[str, str | None]) -> np.ndarray | None:
        """Boolean row mask for the filters given (None when no filter is set)."""
        n = len(self.ids)
        result: np.ndarray | None = None
        for name, value in filters.items():
            if value is None or value == "":
                continue
            code = self.vocab[name].get(str(value).strip().lower())
            if code is None:
                return np.zeros(n, dtype=bool)
            match = self._codes[name][:n] == code
            result = match if result is None else result & match
        return result

    def search(
        self, query: np.ndarray, k: int, filters: Mapping[str, str | None] | None = None
    ) -> list[tuple[int, float]]:
        """Exact top-k rows by cosine distance (``1 - dot``), best first.

        Args:
            query: A unit-length query vector.
            k: How many hits at most.
            filters: Field -> value (case-insensitive exact match); None values are ignored.
        """
        n = len(self.ids)
        if n == 0 or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        mask = self.mask(filters or {})
        rows = None if mask is None else np.flatnonzero(mask)
        if rows is not None and rows.size == 0:
            return []
        count = n if rows is None else rows.size
        wanted = max(MIN_CANDIDATES, CANDIDATES_PER_HIT * k)
        if self._basis is not None and count > wanted and count >= GATHER_SHARE * n:
            rows = self._candidates(q, rows, wanted)
        if rows is None:
            sims = self.vectors @ q
        elif rows.size < GATHER_SHARE * n or self._basis is not None:
            sims = self._vectors[rows] @ q
        else:
            sims = (self.vectors @ q)[rows]
        return self._top(sims, rows, k)

    def _candidates(self, q: np.ndarray, rows: np.ndarray | None, wanted: int) -> np.ndarray:
        """Rows whose projected similarity is among the ``wanted`` best (first pass)."""
        assert self._basis is not None
        approx = self._projected[: len(self.ids)] @ (q @ self._basis)
        if rows is not None:
            approx = approx[rows]
        best = np.argpartition(-approx, wanted - 1)[:wanted]
        return best if rows is None else rows[best]

    @staticmethod
    def _top(sims: np.ndarray, rows: np.ndarray | None, k: int) -> list[tuple[int, float]]:
        top = min(k, sims.shape[0])
        best = np.argpartition(-sims, top - 1)[:top] if top < sims.shape[0] else np.arange(top)
        best = best[np.argsort(-sims[best], kind="stable")]
        picked = best if rows is None else rows[best]
        return [(int(row), float(1.0 - sims[b])) for row, b in zip(picked, best, strict=True)]
