"""The ``accounts`` commands and the agent's account tool, on the session's real store."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agent.registry import TOOLS, execute
from agent.toolset import Deps
from cli.main import app
from knowledge.settings import Settings, get_settings
from knowledge.store import Store

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env={"PARTNERPILOT_DATA_DIR": str(data_dir)})
    get_settings.cache_clear()
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_overlap_of_the_sample_lists(indexed_dir: Path) -> None:
    code, out, _ = run(indexed_dir, "accounts", "overlap", "Baltica Integrators")
    assert code == 0, out
    assert "customer: Riga Fresh Markets = Riga Fresh Market (fuzzy 96.8)" in out
    assert "opportunity: Daugava Supermarkets = Daugava Supermarkets (domain)" in out
    assert "ICP overlap 52, from 12 of 23 target accounts matched" in out


def test_overlap_counts_only_json(indexed_dir: Path) -> None:
    code, out, _ = run(indexed_dir, "accounts", "overlap", "P-0053", "--counts-only", "--json")
    assert code == 0
    data = json.loads(out)
    assert [(r["kind"], r["accounts"], r["matched"], r["matches"]) for r in data["rows"]] == [
        ("customer", 10, 1, []), ("prospect", 8, 1, []), ("opportunity", 6, 1, [])]
    assert data["icp"]["value"] == 13


def test_import_then_overlap_then_bad_input(indexed_copy: Path) -> None:
    args = ["accounts", "import", str(EXAMPLES / "accounts_partner_export.csv"), "--partner",
            "Monteverde Sistemas", "--mapping", str(EXAMPLES / "accounts_mapping.yaml")]
    code, out, _ = run(indexed_copy, *args)
    assert code == 0 and "6 added, 0 removed, 0 unchanged, 0 skipped" in out
    code, out, _ = run(indexed_copy, *args)
    assert code == 0 and "0 added, 0 removed, 6 unchanged" in out
    code, out, _ = run(indexed_copy, "accounts", "overlap", "P-0028", "--counts-only")
    assert "ICP overlap 17, from 4 of 23 target accounts" in out
    code, _, err = run(indexed_copy, "accounts", "import",
                       str(EXAMPLES / "accounts_bad_rows.csv"), "--ours")
    assert code == 2
    assert err.strip().splitlines()[-1].startswith(
        "error: accounts_bad_rows.csv: 2 bad row(s) of 4; nothing was imported")
    code, out, _ = run(indexed_copy, "accounts", "list")
    assert "ours  our accounts: 24 accounts" in out  # the rejected file changed nothing


def test_cli_errors_are_one_line(indexed_dir: Path) -> None:
    code, _, err = run(indexed_dir, "accounts", "import", "x.csv")
    assert (code, err.strip()) == (2, "error: owner: give either --ours or --partner ID")
    code, _, err = run(indexed_dir, "accounts", "overlap", "P-0042")
    assert code == 2 and err.strip().startswith(
        "error: accounts: no account list is stored for Ledgerline Systems (P-0042)")
    code, _, err = run(indexed_dir, "accounts", "overlap", "No Such Partner Anywhere")
    assert code == 2 and err.strip().startswith("error: partner:")


def test_score_takes_icp_overlap_from_the_account_map(indexed_store: Store) -> None:
    deps = Deps(Settings(data_dir=indexed_store.data_dir, backend="offline"),
                store=indexed_store)
    mapped = execute("score_partner", {"partner": "P-0053"}, deps)
    assert mapped.ok and mapped.result is not None
    data = mapped.output_data()
    assert data["inputs"]["icp_overlap"] == 13  # the stored record says 52
    assert data["result"]["score"] == 48.5
    assert data["sources"]["icp_overlap"].startswith("ICP overlap 13, from 3 of 23")
    stated = execute("score_partner", {"partner": "P-0053", "icp_overlap": 52}, deps)
    assert stated.output_data()["result"]["score"] == 60.2
    assert stated.output_data()["sources"] == {}
    plain = execute("score_partner", {"partner": "P-0001"}, deps)  # no account list
    assert plain.output_data()["sources"] == {}


def test_show_and_portfolio_use_the_account_maps_icp_overlap(indexed_store: Store) -> None:
    """show_partner and portfolio_summary score with the mapped ICP overlap, as score does."""
    deps = Deps(Settings(data_dir=indexed_store.data_dir, backend="offline"),
                store=indexed_store)
    shown = execute("show_partner", {"partner": "P-0053"}, deps).output_data()
    assert shown["score"] == 48.5 and shown["band"] == "opportunistic"  # stored ICP: 60.2
    assert shown["icp_overlap"] == 13
    assert shown["icp_source"].startswith("ICP overlap 13, from 3 of 23")
    plain = execute("show_partner", {"partner": "P-0001"}, deps).output_data()
    assert plain["icp_source"] is None
    summary = execute("portfolio_summary", {}, deps).output_data()
    assert sorted(summary["icp_from_account_map"]) == ["P-0026", "P-0053"]


def test_the_tool_is_registered_with_its_schema() -> None:
    spec = TOOLS["account_overlap"]
    assert set(spec.json_schema()["properties"]) == {"partner", "counts_only", "limit"}
    assert "overlap matrix" in spec.description
