"""Red team, store: a long-lived reader (the chat UI's store) while other processes write.

The reader is a :class:`Store` opened once, as ``agent.toolset.Deps`` opens it for the UI;
the writers are real ``partnerpilot`` subprocesses on the same data folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.registry import execute
from agent.toolset import Deps
from knowledge.embeddings import get_embedder
from knowledge.locking import read_journal
from knowledge.records import partner_text
from knowledge.sample import load_sample_partners
from knowledge.settings import Settings
from knowledge.store import Store
from tools.partners import Partner

ROOT = Path(__file__).resolve().parents[2]
PARTNERPILOT = [sys.executable, "-c", "from cli.main import main; main()"]


def newcomers(count: int = 3) -> list[Partner]:
    base = load_sample_partners()[1]
    return [base.model_copy(update={"partner_id": f"N-{n}", "name": f"Latecomer Systems {n}",
                                    "description": f"Quantum ledger auditing boutique {n}."})
            for n in range(count)]


def env_for(data: Path, **extra: str) -> dict[str, str]:
    return dict(os.environ, PARTNERPILOT_DATA_DIR=str(data), PYTHONPATH=str(ROOT), **extra)


def import_file(data: Path, partners: list[Partner]) -> Path:
    get_embedder(Settings(data_dir=data)).embed([partner_text(p) for p in partners])
    path = data.parent / "newcomers.json"
    path.write_text(json.dumps([p.model_dump(mode="json") for p in partners]))
    return path


def ui_store(data: Path) -> Store:
    """The store as the chat UI holds it: opened once through ``Deps``, warmed by a search."""
    store = Deps(Settings(data_dir=data)).store
    assert len(store.search_partners("cloud migration", k=3)) == 3
    assert store.search_knowledge("when is a partner demoted", k=1)
    return store


@pytest.mark.slow
def test_ui_store_reads_through_another_process_import(indexed_copy: Path) -> None:
    reader = ui_store(indexed_copy)
    path = import_file(indexed_copy, newcomers())
    errors: list[BaseException] = []
    views: list[int] = []
    proc = subprocess.Popen([*PARTNERPILOT, "partners", "import", str(path)], cwd=ROOT,
                            env=env_for(indexed_copy), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    while proc.poll() is None:  # search all the while the other process writes
        try:
            views.append(len(reader.all_partners()))
            reader.search_partners("quantum ledger auditing", k=2)
        except Exception as exc:  # noqa: BLE001 - any error is the failure under test
            errors.append(exc)
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert errors == []
    assert set(views) <= {72, 75}  # never a half-written import
    hits = reader.search_partners("quantum ledger auditing", k=3)
    assert {h.partner.partner_id for h in hits} == {"N-0", "N-1", "N-2"}
    assert reader.get_partner("N-1") is not None and len(reader.all_partners()) == 75


@pytest.mark.slow
def test_ui_store_searches_after_another_process_rebuild(indexed_copy: Path) -> None:
    reader = ui_store(indexed_copy)
    done = subprocess.run([*PARTNERPILOT, "index", "--rebuild"], cwd=ROOT,
                          env=env_for(indexed_copy), capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    deps = Deps(reader.settings, store=reader)
    framework = execute("search_framework", {"query": "when is a partner demoted"}, deps)
    assert framework.error is None and framework.result is not None
    partners = execute("find_partners", {"query": "cloud migration", "k": 3}, deps)
    assert partners.error is None
    assert len(reader.all_partners()) == 72


@pytest.mark.slow
def test_half_written_import_is_invisible_to_readers(indexed_copy: Path) -> None:
    reader = ui_store(indexed_copy)
    path = import_file(indexed_copy, newcomers())
    pause = indexed_copy.parent / "paused"
    proc = subprocess.Popen(
        [*PARTNERPILOT, "partners", "import", str(path)], cwd=ROOT,
        env=env_for(indexed_copy, PARTNERPILOT_PAUSE_AT="write:batch-written",
                    PARTNERPILOT_PAUSE_FILE=str(pause)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not pause.exists():
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.05)
        assert read_journal(indexed_copy) is not None
        assert reader.partners.count() == 75  # the rows are in Chroma ...
        fresh = Store.open(Settings(data_dir=indexed_copy))
        for store in (reader, fresh):  # ... but no reader sees them before the commit
            assert len(store.all_partners()) == 72
            assert store.get_partner("N-0") is None
            found = store.search_partners("quantum ledger auditing", k=5)
            assert not any(h.partner.partner_id.startswith("N-") for h in found)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    assert len(Store.open(Settings(data_dir=indexed_copy)).all_partners()) == 72


@pytest.mark.slow
def test_chroma_failure_in_a_tool_is_a_clear_tool_error(indexed_copy: Path) -> None:
    reader = ui_store(indexed_copy)
    script = ("import chromadb, sys; c = chromadb.PersistentClient(sys.argv[1]); "
              "c.delete_collection('partners'); c.delete_collection('framework')")
    subprocess.run([sys.executable, "-c", script, str(indexed_copy / "chroma")], check=True,
                   timeout=120)
    reader.freshness_interval = 0.0  # look at Chroma, not only the in-memory index
    deps = Deps(reader.settings, store=reader)
    for name, args in (("find_partners", {"query": "cloud migration"}),
                       ("search_framework", {"query": "when is a partner demoted"}),
                       ("portfolio_summary", {})):
        done = execute(name, args, deps)  # on main: chromadb's NotFoundError escapes
        assert done.error is None or done.error.startswith("store: "), done


def test_sessions_share_one_store_while_it_writes(indexed_copy: Path) -> None:
    """Item 23: per-session turns on one UI process share a store; reads and writes overlap."""
    store = ui_store(indexed_copy)
    extra = newcomers(20)
    get_embedder(store.settings).embed([partner_text(p) for p in extra])
    errors: list[BaseException] = []
    seen: set[int] = set()
    stop = threading.Event()

    def session() -> None:
        while not stop.is_set():
            try:
                seen.add(len(store.all_partners()))
                store.search_partners("quantum ledger auditing", k=3, region="NA")
                store.find_partners_by_name("Latecomer Systems 7", limit=2)
            except Exception as exc:  # noqa: BLE001 - any error is the failure under test
                errors.append(exc)

    threads = [threading.Thread(target=session) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for round_ in range(3):
            store.upsert_partners([p.model_copy(update={"description": f"round {round_}"})
                                   for p in extra])
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert seen <= {72, 92}
    assert {p.description for p in store.all_partners() if p.partner_id.startswith("N-")} == {
        "round 2"}
