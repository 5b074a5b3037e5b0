"""Red team, store: one non-finite number must not poison the shared store (issue 12, item 4).

Every float of ``Partner`` and ``QuarterRecord`` is finite (refused with the field named);
a record an older version stored with ``null`` in a float field is skipped and counted by
every listing, search, summary and rebuild, and reported by ``partners show``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.registry import execute
from agent.toolset import Deps
from cli.main import app
from knowledge.records import partner_record
from knowledge.settings import Settings, get_settings
from knowledge.store import Store
from tools.errors import FrameworkError, validate
from tools.partners import Partner, QuarterRecord

HEADER = ("partner_id,name,partner_type,region,industry,icp_overlap,market_influence,"
          "practice_alignment,partnership_appetite,revenue_potential,annual_pipeline_usd\n")
ROW = "Z-1,Infinite Pipeline Ltd,gsi,EMEA,healthcare,80,80,80,80,80,{}\n"
HISTORY = "partner_id,quarter,annual_pipeline_usd,certified_individuals,new_pipeline_usd\n"


def run(data: Path, *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env={"PARTNERPILOT_DATA_DIR": str(data)})
    get_settings.cache_clear()
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "Infinity", "1e400", "1e308"])
def test_non_finite_pipeline_is_refused_and_the_store_is_unchanged(
        indexed_copy: Path, tmp_path: Path, value: str) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text(HEADER + ROW.format(value))
    code, _, err = run(indexed_copy, "partners", "import", str(csv))
    assert code == 2
    assert "annual_pipeline_usd" in err
    assert "finite" in err or "less than or equal" in err
    assert Store.open(Settings(data_dir=indexed_copy)).counts()["partners"] == 72


def test_non_finite_history_is_refused(indexed_copy: Path, tmp_path: Path) -> None:
    csv, history = tmp_path / "ok.csv", tmp_path / "history.csv"
    csv.write_text(HEADER + ROW.format("1000"))
    history.write_text(HISTORY + "Z-1,2026-Q1,1000,2,inf\n")
    code, _, err = run(indexed_copy, "partners", "import", str(csv), "--history", str(history))
    assert code == 2 and "new_pipeline_usd" in err
    assert Store.open(Settings(data_dir=indexed_copy)).counts()["partners"] == 72


@pytest.mark.parametrize("field", ["annual_pipeline_usd", "new_pipeline_usd"])
def test_every_float_field_of_a_quarter_is_finite(field: str) -> None:
    data = {"quarter": "2026-Q1", "annual_pipeline_usd": 1.0, "certified_individuals": 1,
            field: float("inf")}
    with pytest.raises(FrameworkError, match=f"{field}: must be a finite number"):
        validate(QuarterRecord, data)


def poison(data: Path) -> Partner:
    """Store a record the way main stored ``inf``: valid metadata, ``null`` in the JSON."""
    store = Store.open(Settings(data_dir=data))
    good = store.get_partner("P-0001")
    assert good is not None
    twin = good.model_copy(update={"partner_id": "Z-POISON", "name": "Poisoned Twin"})
    document, meta = partner_record(twin)
    payload = json.loads(meta["json"])
    payload["annual_pipeline_usd"] = None
    meta["json"] = json.dumps(payload)
    vector = store.partners.get(ids=["P-0001"], include=["embeddings"])["embeddings"]
    store.partners.upsert(ids=["Z-POISON"], documents=[document], metadatas=[meta],
                          embeddings=vector)
    return good


def test_a_poisoned_record_is_skipped_everywhere_and_reported(indexed_copy: Path) -> None:
    good = poison(indexed_copy)
    store = Store.open(Settings(data_dir=indexed_copy))
    assert store.counts()["partners"] == 73
    assert len(store.all_partners()) == 72
    assert "Z-POISON" in store.validated.invalid
    assert "annual_pipeline_usd" in store.validated.invalid["Z-POISON"]
    hits = store.search_partners(good.description, k=3)  # its twin is as near as it
    assert len(hits) == 3 and "Z-POISON" not in {h.partner.partner_id for h in hits}
    assert store.find_partners_by_name("Poisoned Twin", limit=1)[0][0].partner_id != "Z-POISON"
    summary = execute("portfolio_summary", {}, Deps(store.settings, store=store))
    assert summary.error is None, summary.error
    code, _, err = run(indexed_copy, "partners", "show", "Z-POISON")
    assert code == 2 and "Z-POISON" in err and "annual_pipeline_usd" in err
    code, out, _ = run(indexed_copy, "partners", "search", good.description, "--json")
    assert code == 0 and len(json.loads(out)) == 5


def test_rebuild_survives_a_poisoned_record_and_keeps_it(indexed_copy: Path) -> None:
    poison(indexed_copy)
    code, out, err = run(indexed_copy, "index", "--rebuild", "--json")
    assert code == 0, err
    assert json.loads(out)["counts"]["partners"] == 73  # nothing dropped, not even the bad one
    store = Store.open(Settings(data_dir=indexed_copy))
    assert len(store.all_partners()) == 72 and "Z-POISON" in store.validated.invalid
