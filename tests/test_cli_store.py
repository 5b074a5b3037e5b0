"""The store commands, run in-process through the real typer app on a real embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from knowledge.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    get_settings.cache_clear()
    full_env = {"PARTNERPILOT_DATA_DIR": str(data_dir), **(env or {})}
    result = CliRunner().invoke(app, list(args), env=full_env)
    get_settings.cache_clear()
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def indexed(indexed_dir: Path) -> Path:
    return indexed_dir  # the session's store, read only: tests that write take ``data``


@pytest.fixture
def data(indexed_copy: Path) -> Path:
    return indexed_copy


def test_index_builds_a_fresh_store(warm_data_dir: Path) -> None:
    code, out, _ = run(warm_data_dir, "index", "--json")
    assert code == 0, out
    result = json.loads(out)
    assert result["passages"]["added"] == result["counts"]["chunks"] > 0
    assert result["partners_loaded"]["added"] == result["counts"]["partners"] == 72
    assert result["partners_source"] == "sample"


def test_index_reports_and_is_idempotent(data: Path) -> None:
    code, out, _ = run(data, "index", "--json")
    assert code == 0
    result = json.loads(out)
    passages = result["passages"]
    assert passages["added"] == passages["updated"] == passages["deleted"] == 0
    assert passages["unchanged"] == result["counts"]["chunks"] > 0
    assert result["partners_loaded"] is None  # the store already had partners
    assert result["counts"]["partners"] == 72


def test_knowledge_search_json_is_citation_ready(indexed: Path) -> None:
    code, out, _ = run(indexed, "knowledge", "search", "when is a partner demoted",
                       "--k", "2", "--json")
    assert code == 0
    hits = json.loads(out)
    assert len(hits) == 2
    assert set(hits[0]) >= {"doc_id", "title", "section", "text", "distance", "chunk_id"}
    assert hits[0]["doc_id"] == "tier-movement"


def test_partner_search_filters_and_validation(indexed: Path) -> None:
    code, out, _ = run(indexed, "partners", "search", "bank", "--tier", "Gold", "--k", "50",
                       "--json")
    assert code == 0
    hits = json.loads(out)
    assert hits and {h["partner"]["tier"] for h in hits} == {"gold"}
    code, _, err = run(indexed, "partners", "search", "bank", "--tier", "diamond")
    assert code == 2
    assert err.startswith("error: tier: must be one of registered, silver, gold, platinum")
    code, out, _ = run(indexed, "partners", "search", "bank", "--region", "Atlantis")
    assert (code, out.strip()) == (0, "no partners match")


def test_show_by_id_name_and_did_you_mean(indexed: Path) -> None:
    code, out, _ = run(indexed, "partners", "show", "P-0001", "--json")
    assert code == 0 and json.loads(out)["name"] == "Ashcombe Whitley Advisory"
    code, out, _ = run(indexed, "partners", "show", "ashcombe whitley advisory")
    assert code == 0 and "(P-0001)" in out
    code, _, err = run(indexed, "partners", "show", "ashcombe whitly")
    assert code == 2
    assert "did you mean: Ashcombe Whitley Advisory (P-0001)?" in err


def test_bad_import_exits_2_and_changes_nothing(data: Path) -> None:
    code, out, err = run(data, "partners", "import", str(EXAMPLES / "store_bad_rows.csv"))
    assert code == 2
    assert "error: store_bad_rows.csv: 2 bad row(s) of 4; nothing was imported" in err
    assert "duplicate id 'SF-2001', first seen in row 2" in err
    code, out, _ = run(data, "index", "--json")
    assert json.loads(out)["counts"]["partners"] == 72


def test_skip_invalid_import_writes_report(data: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, out, _ = run(data, "partners", "import", str(EXAMPLES / "store_bad_rows.csv"),
                       "--skip-invalid", "--report", str(report), "--json")
    assert code == 0
    result = json.loads(out)
    assert (result["imported"], result["skipped"]) == (2, 2)
    assert [i["row"] for i in json.loads(report.read_text())["issues"]] == [3, 4]


def test_file_errors_are_one_line(data: Path, tmp_path: Path) -> None:
    code, _, err = run(data, "partners", "import", str(tmp_path / "nope.csv"))
    assert code == 2 and err.strip().splitlines() == [
        f"error: file: file not found (got '{tmp_path / 'nope.csv'}')"]
    big = tmp_path / "big.csv"
    big.write_text("a,b\n1,2\n")
    code, _, err = run(data, "partners", "import", str(big), "--max-size-mb", "0.000001")
    assert code == 2 and "over the 1 bytes limit" in err


def test_rebuild_keeps_imported_partners(data: Path) -> None:
    code, _, _ = run(data, "partners", "import", str(EXAMPLES / "store_crm_export.csv"))
    assert code == 0
    code, out, _ = run(data, "index", "--rebuild", "--json")
    assert code == 0
    result = json.loads(out)
    assert result["counts"]["partners"] == 75 and result["partners_source"] == "kept"
    code, out, _ = run(data, "partners", "show", "SF-1002", "--json")
    assert json.loads(out)["name"] == "Meridian Cloudworks"


def test_other_embedding_model_asks_for_rebuild(indexed: Path) -> None:
    code, _, err = run(indexed, "knowledge", "search", "tiers",
                       env={"PARTNERPILOT_EMBEDDER": "openai",
                            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"})
    assert code == 2
    assert "run `partnerpilot index --rebuild`" in err
    assert "sentence-transformers/all-MiniLM-L6-v2" in err


def test_unreachable_chroma_server_is_one_clear_line(tmp_path: Path) -> None:
    code, _, err = run(tmp_path / "data", "knowledge", "search", "tiers",
                       env={"CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": "9"})
    assert code == 2
    assert err.startswith("error: store: cannot open the Chroma server 127.0.0.1:9")
