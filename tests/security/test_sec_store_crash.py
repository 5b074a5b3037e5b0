"""Red team, store: kill `partners import`, `index` and `index --rebuild` at every phase.

Each case runs the real CLI in a subprocess with ``PARTNERPILOT_PAUSE_AT`` naming a phase of
the write (see :func:`knowledge.manifest.reached`): the process announces the phase and
waits, and the test delivers a real SIGKILL or SIGTERM. Then the store is opened again and
its records are compared with what was there before: nothing lost, nothing half-written.
The embedding cache is warm, so the subprocesses never load the model. One SIGKILL case per
command runs in ``make test-fast``; the others are ``slow``. SIGTERM runs at one phase per
command (the CLI installs no handler, so it ends the process as abruptly as SIGKILL; a test
below checks that), or at every phase with ``PARTNERPILOT_CRASH_MATRIX=full``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from knowledge.embeddings import get_embedder
from knowledge.indexing import ensure_index
from knowledge.locking import read_journal
from knowledge.manifest import read_rebuild_marker
from knowledge.records import partner_text
from knowledge.sample import load_sample_partners
from knowledge.settings import Settings
from knowledge.store import Store
from tools.partners import Partner

ROOT = Path(__file__).resolve().parents[2]
PARTNERPILOT = [sys.executable, "-c", "from cli.main import main; main()"]
SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM}
FAST = {("import", "write:batch-written"), ("index", "write:batch-written"),
        ("rebuild", "rebuild:partners-batch")}

IMPORT_PHASES = ["write:journal-saved", "write:batch-written", "write:batches-done"]
INDEX_PHASES = ["index:documents-written", *IMPORT_PHASES]
REBUILD_PHASES = ["rebuild:marked", "rebuild:documents-built", "rebuild:partners-batch",
                  "rebuild:switched"]


FULL = os.environ.get("PARTNERPILOT_CRASH_MATRIX") == "full"


def cases(command: str, phases: list[str]) -> list[object]:
    """SIGKILL at every phase, SIGTERM at the fast one (or all, see the module doc)."""
    out = []
    for phase in phases:
        fast = (command, phase) in FAST
        out.append(pytest.param(phase, "SIGKILL", marks=[] if fast else [pytest.mark.slow],
                                id=f"{phase}-SIGKILL"))
        if fast or FULL:
            out.append(pytest.param(phase, "SIGTERM", marks=[pytest.mark.slow],
                                    id=f"{phase}-SIGTERM"))
    return out


def extra_partners() -> list[Partner]:
    """Three new partners and a changed copy of a sample one (an update)."""
    base = load_sample_partners()[0]
    new = [base.model_copy(update={"partner_id": f"X-{n}", "name": f"Crashtest Partner {n}",
                                   "description": f"Crash test partner number {n}."})
           for n in range(3)]
    return [*new, base.model_copy(update={"description": "Changed by the crash test."})]


def warm(data_dir: Path, partners: list[Partner]) -> None:
    """Put the partners' vectors in the folder's embedding cache (no model in the child)."""
    get_embedder(Settings(data_dir=data_dir)).embed([partner_text(p) for p in partners])


def snapshot(data_dir: Path) -> tuple[dict[str, Partner], dict[str, int]]:
    store = Store.open(Settings(data_dir=data_dir))
    return {p.partner_id: p for p in store.all_partners()}, store.counts()


def kill_at(data_dir: Path, phase: str, sig: str, *args: str) -> str:
    """Run ``partnerpilot *args``, kill it with ``sig`` at ``phase``; its stderr."""
    pause = data_dir.parent / "paused"
    pause.unlink(missing_ok=True)
    env = dict(os.environ, PARTNERPILOT_DATA_DIR=str(data_dir), PARTNERPILOT_PAUSE_AT=phase,
               PARTNERPILOT_PAUSE_FILE=str(pause), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([*PARTNERPILOT, *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not pause.exists():
            if proc.poll() is not None:
                _, err = proc.communicate()
                pytest.fail(f"exited {proc.returncode} before {phase}: {err[-2000:]}")
            time.sleep(0.05)
        proc.send_signal(SIGNALS[sig])
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -SIGNALS[sig]
    return err


@pytest.fixture
def store_with_imports(indexed_copy: Path) -> Path:
    """The sample store plus three imported partners (not in the samples)."""
    partners = extra_partners()[:3]
    warm(indexed_copy, extra_partners())
    Store.open(Settings(data_dir=indexed_copy)).upsert_partners(partners)
    return indexed_copy


@pytest.mark.parametrize(("phase", "sig"), cases("import", IMPORT_PHASES))
def test_killed_import_leaves_the_store_as_before(store_with_imports: Path, phase: str,
                                                   sig: str) -> None:
    data = store_with_imports
    before = snapshot(data)
    payload = data.parent / "partners.json"
    changed = [p.model_copy(update={"description": p.description + " Reimported."})
               for p in extra_partners()[:3]]
    fresh = [p.model_copy(update={"partner_id": "Y-1", "name": "Brand New Partner"})
             for p in changed[:1]]
    warm(data, changed + fresh)
    payload.write_text(json.dumps([p.model_dump(mode="json") for p in changed + fresh]))
    kill_at(data, phase, sig, "partners", "import", str(payload))
    assert read_journal(data) is not None  # the kill really landed mid-write
    assert snapshot(data) == before
    assert read_journal(data) is None


@pytest.mark.parametrize(("phase", "sig"), cases("index", INDEX_PHASES))
def test_killed_index_is_all_or_nothing_and_resumes(warm_data_dir: Path, phase: str,
                                                    sig: str) -> None:
    kill_at(warm_data_dir, phase, sig, "index")
    partners, counts = snapshot(warm_data_dir)
    assert counts["partners"] == len(partners) == 0  # the sample load rolled back whole
    store = Store.open(Settings(data_dir=warm_data_dir))
    after = ensure_index(store)
    assert after["partners"] == 72 and after["chunks"] > 0
    assert {p.partner_id for p in store.all_partners()} == {
        p.partner_id for p in load_sample_partners()}


@pytest.mark.parametrize(("phase", "sig"), cases("rebuild", REBUILD_PHASES))
def test_killed_rebuild_loses_no_partner(store_with_imports: Path, phase: str,
                                         sig: str) -> None:
    data = store_with_imports
    before = snapshot(data)
    assert before[1]["partners"] == 75
    kill_at(data, phase, sig, "index", "--rebuild")
    assert read_rebuild_marker(data) is not None  # the kill really landed mid-rebuild
    assert snapshot(data) == before
    assert read_rebuild_marker(data) is None
    store = Store.open(Settings(data_dir=data))
    names = sorted(c.name for c in store.client.list_collections())
    assert names == sorted([store.knowledge.name, store.partners.name])  # nothing left over
    assert store.search_partners("crash test partner", k=1)[0].partner.partner_id.startswith("X-")


@pytest.mark.slow
def test_the_cli_leaves_sigterm_at_its_default_action() -> None:
    """Why SIGTERM need not run at every phase: it ends the CLI exactly as SIGKILL does."""
    code = ("import signal, sys; sys.argv = ['partnerpilot', '--help']; "
            "from cli.main import main\ntry: main()\nexcept SystemExit: pass\n"
            "print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.stdout.strip().endswith("True"), done.stderr


@pytest.mark.slow
def test_index_after_a_killed_rebuild_says_so_and_loads_no_samples(
        store_with_imports: Path) -> None:
    data = store_with_imports
    before = snapshot(data)
    kill_at(data, "rebuild:partners-batch", "SIGKILL", "index", "--rebuild")
    env = dict(os.environ, PARTNERPILOT_DATA_DIR=str(data), PYTHONPATH=str(ROOT))
    env.pop("PARTNERPILOT_PAUSE_AT", None)
    done = subprocess.run([*PARTNERPILOT, "index", "--json"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert "rolled back an `index --rebuild` that was interrupted" in done.stderr
    result = json.loads(done.stdout)
    assert result["partners_loaded"] is None and result["counts"]["partners"] == 75
    assert snapshot(data) == before
