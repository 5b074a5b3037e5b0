"""The in-memory partner index against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.partner_index import PartnerIndex

TIERS = ["registered", "silver", "gold", "platinum"]
REGIONS = ["NA", "EMEA", "APAC"]


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def build(n: int, seed: int, dim: int = 16, project_from: int = 10**9,
          low_rank: bool = False) -> tuple[PartnerIndex, np.ndarray, list[dict[str, str]]]:
    rng = np.random.default_rng(seed)
    if low_rank:
        raw = rng.normal(size=(n, 24)) @ rng.normal(size=(24, dim)) + rng.normal(
            scale=0.01, size=(n, dim))
    else:
        raw = rng.normal(size=(n, dim))
    vectors = unit(raw)
    metas = [{"tier": TIERS[i % 4], "region": REGIONS[i % 3], "partner_type": "gsi",
              "industry": "retail", "band": "priority", "name": f"P{i}", "json": f"{{{i}}}"}
             for i in range(n)]
    index = PartnerIndex(dim, project_from=project_from)
    index.upsert([f"id-{i}" for i in range(n)], vectors, metas)
    return index, vectors, metas


def brute(vectors: np.ndarray, metas: list[dict[str, str]], q: np.ndarray, k: int,
          **filters: str) -> list[int]:
    keep = [i for i, m in enumerate(metas)
            if all(m[f].lower() == v.lower() for f, v in filters.items())]
    sims = vectors[keep] @ q
    order = np.argsort(-sims, kind="stable")[:k]
    return [keep[i] for i in order]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 10**6), k=st.integers(1, 12),
       tier=st.sampled_from([None, *TIERS]), region=st.sampled_from([None, "emea", "Apac"]))
def test_exact_search_matches_brute_force(n: int, seed: int, k: int, tier: str | None,
                                          region: str | None) -> None:
    index, vectors, metas = build(n, seed)
    q = unit(np.random.default_rng(seed + 1).normal(size=(1, 16)))[0]
    filters = {f: v for f, v in (("tier", tier), ("region", region)) if v}
    hits = index.search(q, k, filters)
    expected = brute(vectors, metas, q, k, **filters)
    assert [row for row, _ in hits] == expected
    assert all(abs(dist - (1 - float(vectors[row] @ q))) < 1e-5 for row, dist in hits)


def test_unknown_filter_value_and_empty_index() -> None:
    index, _, _ = build(20, 1)
    q = np.ones(16, dtype=np.float32) / 4
    assert index.search(q, 5, {"tier": "diamond"}) == []
    assert PartnerIndex(16).search(q, 5) == []


def test_upsert_replaces_and_delete_keeps_rows_aligned() -> None:
    index, vectors, metas = build(50, 3)
    index.upsert(["id-7"], vectors[8:9], [{**metas[7], "tier": "platinum", "name": "seven"}])
    assert len(index) == 50 and index.names[index.pos["id-7"]] == "seven"
    index.delete(["id-0", "id-13", "missing"])
    assert len(index) == 48 and "id-0" not in index.pos
    for pid, row in index.pos.items():
        assert index.ids[row] == pid
        assert index.payloads[row] == metas[int(pid[3:])]["json"]
    hits = index.search(vectors[8], 2)
    assert {index.ids[row] for row, _ in hits} == {"id-7", "id-8"}


@pytest.mark.slow
def test_projected_first_pass_keeps_recall_on_structured_vectors() -> None:
    index, vectors, metas = build(3000, 5, dim=384, project_from=1000, low_rank=True)
    assert index._basis is not None
    rng = np.random.default_rng(9)
    found = total = 0
    for _ in range(40):
        q = vectors[rng.integers(len(vectors))] + rng.normal(scale=0.05, size=384)
        q = unit(q[None, :])[0]
        for filters in ({}, {"tier": "gold"}):
            got = {row for row, _ in index.search(q, 5, filters)}
            want = set(brute(vectors, metas, q, 5, **filters))
            found += len(got & want)
            total += 5
    assert found / total >= 0.98
    # rows added after the projection was fitted are found too
    extra = unit(np.random.default_rng(11).normal(size=(1, 384)))
    index.upsert(["new"], extra, [{**metas[0], "name": "new"}])
    assert index.ids[index.search(extra[0], 1)[0][0]] == "new"
