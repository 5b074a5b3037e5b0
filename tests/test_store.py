"""The store, run against the embedded Chroma and a real Chroma server (same tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from chroma_server import (  # noqa: F401
    TokenChroma,
    chroma_server,
    chroma_token_server,
)
from filelock import FileLock

from knowledge.chunking import load_documents
from knowledge.embeddings import MiniLMEmbedder, get_embedder
from knowledge.locking import read_journal
from knowledge.settings import Settings
from knowledge.store import Store, make_client
from tools.errors import FrameworkError
from tools.partners import Partner, QuarterRecord

ROOT = Path(__file__).resolve().parents[1]


def make_partner(pid: str, name: str, ptype: str, tier: str, region: str, industry: str,
                 description: str, score: int = 80, **extra: object) -> Partner:
    return Partner.model_validate({
        "partner_id": pid, "name": name, "partner_type": ptype, "tier": tier, "region": region,
        "industry": industry, "description": description, "icp_overlap": score,
        "market_influence": score, "practice_alignment": score,
        "partnership_appetite": score, "revenue_potential": score, **extra,
    })


PARTNERS_FIXTURE = [
    make_partner("P-1", "Harbour Health Consulting", "gsi", "gold", "EMEA", "healthcare",
                 "Cloud migration and electronic patient records for hospital groups.", 85,
                 history=[QuarterRecord(quarter="2026-Q1", annual_pipeline_usd=1e6,
                                        certified_individuals=4, new_pipeline_usd=2e5)]),
    make_partner("P-2", "Ledgerline Software", "isv", "silver", "NA", "financial services",
                 "Core banking analytics software for retail banks.", 60),
    make_partner("P-3", "Pacific Secure Resale", "reseller", "registered", "APAC",
                 "manufacturing", "Resells endpoint security licences to factories.", 30),
    make_partner("P-4", "Nordic Clinic Systems", "boutique", "platinum", "EMEA", "healthcare",
                 "Small consultancy building scheduling tools for clinics and hospitals.", 90),
]


@pytest.fixture(params=["embedded", pytest.param("server-token", marks=pytest.mark.server)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "embedded":
        yield Settings(data_dir=tmp_path / "data")
        return
    # a real `chroma run` behind the token proxy, as deployed (docs/deploy.md)
    proxied: TokenChroma = request.getfixturevalue("chroma_token_server")
    conf = Settings(data_dir=tmp_path / "data", chroma_host=proxied.host,
                    chroma_port=proxied.port, chroma_auth_token=proxied.token)
    client = make_client(conf)
    for collection in client.list_collections():
        client.delete_collection(collection.name)
    yield conf


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.open(settings)


def write_docs(folder: Path, tiers_body: str = "Gold needs two million in pipeline.") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiers.md").write_text(textwrap.dedent(f"""\
        ---
        id: partner-tiers
        title: Partner tiers
        ---
        # Partner tiers

        ## Gold

        {tiers_body}

        ## Platinum

        Platinum partners run a dedicated practice and keep fifty certified people.
        """), encoding="utf-8")
    (folder / "models.md").write_text(textwrap.dedent("""\
        ---
        id: partnership-models
        title: Partnership models
        ---
        # Partnership models

        ## Referral

        A referral partner introduces a customer and earns a one-off fee when the deal closes.
        """), encoding="utf-8")
    return folder


def test_open_records_embedder_in_collection_metadata(store: Store) -> None:
    assert store.counts() == {"chunks": 0, "partners": 0}
    meta = store.partners.metadata
    assert meta["embedder"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert meta["dimension"] == 384


def test_index_documents_is_idempotent_and_replaces_changed_chunks(
        store: Store, tmp_path: Path) -> None:
    docs = write_docs(tmp_path / "docs")
    first = store.index_documents(load_documents(docs))
    assert (first.added, first.unchanged) == (3, 0)
    ids_before = sorted(store.knowledge.get()["ids"])
    again = store.index_documents(load_documents(docs))
    assert (again.added, again.updated, again.unchanged, again.deleted) == (0, 0, 3, 0)
    assert sorted(store.knowledge.get()["ids"]) == ids_before
    # Gold gets a second paragraph long enough to split; Platinum is removed entirely.
    (docs / "tiers.md").write_text(textwrap.dedent("""\
        ---
        id: partner-tiers
        title: Partner tiers
        ---
        # Partner tiers

        ## Gold

        Gold now needs three million in pipeline.
        """), encoding="utf-8")
    changed = store.index_documents(load_documents(docs))
    assert (changed.updated, changed.deleted, changed.unchanged) == (1, 1, 1)
    assert store.counts()["chunks"] == 2
    hits = store.search_knowledge("how much pipeline does gold need", k=1)
    assert hits[0].chunk_id == "partner-tiers::gold::0"
    assert "three million" in hits[0].text


def test_search_knowledge_returns_citation_ready_passages(store: Store, tmp_path: Path) -> None:
    store.index_documents(load_documents(write_docs(tmp_path / "docs")))
    hits = store.search_knowledge("what fee does a referral partner earn", k=2)
    top = hits[0]
    assert (top.doc_id, top.title, top.section) == (
        "partnership-models", "Partnership models", "Referral")
    assert top.source == "models.md"
    assert "one-off fee" in top.text
    assert 0 <= top.distance < hits[1].distance
    with pytest.raises(FrameworkError, match="query"):
        store.search_knowledge("  ")


def test_upsert_twice_changes_nothing_and_updates_changed(store: Store) -> None:
    written: list[int] = []
    embedded: list[int] = []
    store.batch_size = 3
    first = store.upsert_partners(PARTNERS_FIXTURE, progress=written.append,
                                  embed_progress=embedded.append)
    assert written == [3, 1] and sum(embedded) == 4
    assert (first.added, first.updated, first.unchanged) == (4, 0, 0)
    again = store.upsert_partners(PARTNERS_FIXTURE)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert store.counts()["partners"] == 4
    renamed = PARTNERS_FIXTURE[1].model_copy(update={"name": "Ledgerline Cloud"})
    third = store.upsert_partners([renamed])
    assert (third.added, third.updated) == (0, 1)
    assert store.get_partner("P-2").name == "Ledgerline Cloud"
    assert store.search_partners("Ledgerline", k=1)[0].partner.name == "Ledgerline Cloud"
    with pytest.raises(FrameworkError, match="more than once"):
        store.upsert_partners([PARTNERS_FIXTURE[0], PARTNERS_FIXTURE[0]])


def test_search_partners_by_meaning_and_filters(store: Store) -> None:
    store.upsert_partners(PARTNERS_FIXTURE)
    hits = store.search_partners("hospital cloud migration", k=4)
    assert hits[0].partner.partner_id == "P-1"
    assert [h.distance for h in hits] == sorted(h.distance for h in hits)
    assert hits[0].band == "priority" and hits[0].score == 85.0
    only_emea = store.search_partners("software", k=4, region="emea")
    assert {h.partner.partner_id for h in only_emea} == {"P-1", "P-4"}
    assert [h.partner.partner_id for h in store.search_partners("x", tier="platinum")] == ["P-4"]
    assert [h.partner.partner_id for h in store.search_partners(
        "x", partner_type="isv")] == ["P-2"]
    assert [h.partner.partner_id for h in store.search_partners(
        "x", industry="Manufacturing")] == ["P-3"]
    assert [h.partner.partner_id for h in store.search_partners(
        "x", band="opportunistic")] == ["P-3"]
    both = store.search_partners("clinic", region="EMEA", industry="healthcare", k=1)
    assert both[0].partner.partner_id == "P-4"
    assert store.search_partners("x", region="Mars") == []


def test_lookup_by_id_and_fuzzy_name(store: Store) -> None:
    store.upsert_partners(PARTNERS_FIXTURE)
    assert store.get_partner("P-1") == PARTNERS_FIXTURE[0]
    assert store.get_partner("p-4").partner_id == "P-4"
    assert store.get_partner("P-99") is None
    found = store.find_partners_by_name("nordic clinc", limit=2)
    assert found[0][0].partner_id == "P-4"
    assert found[0][1] > found[1][1]
    assert store.all_partners() == sorted(PARTNERS_FIXTURE, key=lambda p: p.partner_id)


def test_other_embedder_is_refused_with_reindex_message(store: Store, settings: Settings) -> None:
    store.upsert_partners(PARTNERS_FIXTURE[:2])

    class OtherModel(MiniLMEmbedder):
        @property
        def name(self) -> str:
            return "other-model"

    with pytest.raises(FrameworkError, match=r"partnerpilot index --rebuild"):
        Store.open(settings, embedder=OtherModel())
    rebuilt = Store.open(settings, embedder=OtherModel(), check_embedder=False)
    kept, _ = rebuilt.rebuild()
    assert kept == ["P-1", "P-2"]
    assert rebuilt.upsert_partners(PARTNERS_FIXTURE[:2]).unchanged == 2  # stored as they were
    reopened = Store.open(settings, embedder=OtherModel())
    assert reopened.partners.metadata["embedder"] == "other-model"
    assert reopened.counts()["partners"] == 2


def _snapshot(store: Store) -> dict[str, Partner]:
    return {p.partner_id: p for p in store.all_partners()}


def test_failure_between_batches_leaves_store_as_before(store: Store, settings: Settings) -> None:
    store.upsert_partners(PARTNERS_FIXTURE[:2])
    before = _snapshot(store)
    store.search_partners("warm the in-memory index")
    changed = [p.model_copy(update={"description": "Changed text."}) for p in PARTNERS_FIXTURE]
    store.batch_size = 1

    def fail_at_third(batch: int) -> None:
        if batch == 2:
            raise RuntimeError("injected failure")

    store.before_batch = fail_at_third
    with pytest.raises(RuntimeError, match="injected"):
        store.upsert_partners(changed)
    assert read_journal(Path(settings.data_dir)) is None
    assert _snapshot(store) == before
    assert {h.partner.partner_id for h in store.search_partners("x", k=10)} == {"P-1", "P-2"}
    assert _snapshot(Store.open(settings)) == before


CRASHER = """
import json, os, sys
from pathlib import Path
from knowledge.settings import Settings
from knowledge.store import Store
from tools.partners import Partner
PARTNERS_FIXTURE = [Partner.model_validate(p) for p in json.loads(Path(sys.argv[4]).read_text())]
settings = Settings(data_dir=Path(sys.argv[1]), chroma_host=sys.argv[2] or None,
                    chroma_port=int(sys.argv[3]))
store = Store.open(settings)
store.batch_size = 1
store.before_batch = lambda n: os._exit(3) if n == 3 else None
store.upsert_partners([p.model_copy(update={"description": "new"}) for p in PARTNERS_FIXTURE])
"""


@pytest.mark.slow
def test_killed_import_is_rolled_back_on_next_open(store: Store, settings: Settings) -> None:
    store.upsert_partners(PARTNERS_FIXTURE[:2])
    before = _snapshot(store)
    payload = Path(settings.data_dir).parent / "partners.json"
    payload.write_text(json.dumps([p.model_dump(mode="json") for p in PARTNERS_FIXTURE]))
    proc = subprocess.run(
        [sys.executable, "-c", CRASHER, str(settings.data_dir), settings.chroma_host or "",
         str(settings.chroma_port), str(payload)], cwd=ROOT, capture_output=True, text=True,
        timeout=240, env=dict(os.environ, PYTHONPATH=str(ROOT),
                              CHROMA_AUTH_TOKEN=settings.chroma_auth_token or ""),
    )
    assert proc.returncode == 3, proc.stderr
    assert read_journal(Path(settings.data_dir)) is not None
    assert store.partners.count() == 3  # two batches landed before the crash
    reopened = Store.open(settings)
    assert read_journal(Path(settings.data_dir)) is None
    assert _snapshot(reopened) == before


def test_second_writer_gets_a_clear_lock_error(store: Store, settings: Settings) -> None:
    store.lock_timeout = 0.2
    holder = FileLock(str(Path(settings.data_dir) / "store.lock"))
    with holder, pytest.raises(FrameworkError, match="another partnerpilot process"):
        store.upsert_partners(PARTNERS_FIXTURE[:1])
    assert store.counts()["partners"] == 0
    store.upsert_partners(PARTNERS_FIXTURE[:1])
    assert store.counts()["partners"] == 1


def test_search_sees_writes_from_another_store(store: Store, settings: Settings) -> None:
    store.upsert_partners(PARTNERS_FIXTURE[:1])
    assert len(store.search_partners("anything", k=10)) == 1
    store.freshness_interval = 0.0
    other = Store.open(settings, embedder=get_embedder(settings))
    other.upsert_partners(PARTNERS_FIXTURE[1:3])
    assert len(store.search_partners("anything", k=10)) == 3
    other.rebuild()  # builds new collections, switches to them, drops the old ones
    assert len(store.search_partners("anything", k=10)) == 3
    assert store.get_partner("P-2") is not None and store.get_partner(" ") is None


def test_partner_vectors_are_unit_length_and_cached(store: Store, settings: Settings) -> None:
    store.upsert_partners(PARTNERS_FIXTURE)
    vectors = np.asarray(store.partners.get(include=["embeddings"])["embeddings"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    fresh = get_embedder(settings)  # a new embedder on the same on-disk cache
    Store.open(settings, embedder=fresh).rebuild()  # re-embeds the kept partners
    again = Store.open(settings, embedder=fresh)
    assert again.counts()["partners"] == 4
    again.upsert_partners(PARTNERS_FIXTURE)
    assert (fresh.hits, fresh.misses) == (4, 0)  # unchanged text embeds nothing
    assert again.get_partner("P-3") == PARTNERS_FIXTURE[2]
