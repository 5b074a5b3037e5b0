from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
runner = CliRunner()
SCORE = ["score", "--icp-overlap", "80", "--market-influence", "70", "--practice-alignment",
         "75", "--partnership-appetite", "70", "--revenue-potential", "75"]


def run(*args: str) -> Any:
    return runner.invoke(app, list(args))


def run_json(*args: str) -> Any:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def assert_bad_input(result: Any, field: str) -> None:
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"error: {field}")
    assert "Traceback" not in result.output


def test_score_json_matches_issue_example() -> None:
    data = run_json(*SCORE)
    assert data["score"] == 74.5 and data["band"] == "secondary"
    assert data["weights_version"] == "2026.1"
    assert data["contributions"]["icp_overlap"] == 24.0


def test_score_human_output() -> None:
    result = run(*SCORE)
    assert result.exit_code == 0
    assert "Score: 74.5 (secondary)" in result.stdout


def test_score_weights_file() -> None:
    data = run_json(*SCORE, "--weights", str(EXAMPLES / "framework_weights.json"))
    assert data["weights_version"] == "icp-heavy-1" and data["band"] == "priority"


def test_score_bad_weights_file(tmp_path: Path) -> None:
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps({"icp_overlap": 50, "market_influence": 50,
                               "practice_alignment": 10, "partnership_appetite": 0,
                               "revenue_potential": 0}))
    assert_bad_input(run(*SCORE, "--weights", str(bad)), "weights: must sum to 100")


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--icp-overlap", "120"], "icp_overlap"), (["--icp-overlap", "abc"], "icp_overlap"),
     (["--revenue-potential", "-5"], "revenue_potential")],
)
def test_score_bad_values(args: list[str], field: str) -> None:
    flag = args[0]
    base = [a for i, a in enumerate(SCORE) if not (a == flag or SCORE[i - 1] == flag)]
    assert_bad_input(run(*base, *args), field)


def test_score_missing_flag() -> None:
    assert_bad_input(run("score", "--icp-overlap", "50"), "market_influence: is required")


def test_tier_check() -> None:
    data = run_json("tier", "check", "--pipeline-usd", "$1.7M", "--certified", "3")
    assert (data["tier"], data["next_tier"]) == ("gold", "platinum")
    assert data["missing"][0] == "$300,000 more annual pipeline (have $1.7M, need $2M)"
    top = run_json("tier", "check", "--pipeline-usd", "2,000,000", "--certified", "5",
                   "--dedicated-practice")
    assert top["tier"] == "platinum" and top["next_tier"] is None


def test_tier_check_bad_input() -> None:
    assert_bad_input(run("tier", "check", "--pipeline-usd", "1.7X", "--certified", "3"),
                     "pipeline_usd")
    assert_bad_input(run("tier", "check", "--pipeline-usd", "1M", "--certified", "-1"),
                     "certified_individuals")


def test_tier_review_file_and_partner_record(tmp_path: Path) -> None:
    data = run_json("tier", "review", str(EXAMPLES / "framework_partner_review.json"),
                    "--as-of", "2026-11-22")
    assert (data["action"], data["from"], data["to"]) == ("promote", "gold", "platinum")
    partner = {"partner_id": "P-1", "name": "Acme", "partner_type": "gsi", "tier": "silver",
               "region": "NA", "industry": "Banking", "icp_overlap": 1,
               "market_influence": 1, "practice_alignment": 1, "partnership_appetite": 1,
               "revenue_potential": 1, "history": [
                   {"quarter": "2026-Q3", "annual_pipeline_usd": 10, "certified_individuals": 1,
                    "new_pipeline_usd": 0}]}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(partner))
    data = run_json("tier", "review", str(path), "--as-of", "2026-11-22")
    assert (data["action"], data["from"], data["to"]) == ("warn", "silver", "silver")


def test_tier_review_bad_input(tmp_path: Path) -> None:
    assert_bad_input(run("tier", "review", str(tmp_path / "missing.json")), str(tmp_path))
    example = str(EXAMPLES / "framework_partner_review.json")
    assert_bad_input(run("tier", "review", example, "--as-of", "22/11/2026"), "as_of")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert_bad_input(run("tier", "review", str(broken)), str(broken))
    listed = tmp_path / "list.json"
    listed.write_text("[]")
    assert_bad_input(run("tier", "review", str(listed)), str(listed))


def test_star_file_and_flags() -> None:
    data = run_json("star", str(EXAMPLES / "framework_star.yaml"))
    assert data["verdict"] == "conditional"
    assert data["weakest_dimension"] == "asset_complementarity"
    assert "heavy_capability_overlap" in {f["code"] for f in data["red_flags"]}
    flags: list[str] = []
    for dim in ("strategic-fit", "trust-and-culture", "asset-complementarity",
                "relationship-economics"):
        flags += [f"--{dim}", "4", f"--{dim}-evidence", "solid"]
    assert run_json("star", *flags)["verdict"] == "proceed"
    override = run_json("star", str(EXAMPLES / "framework_star.yaml"),
                        "--asset-complementarity", "5")
    assert override["scores"]["asset_complementarity"] == 5


def test_star_bad_input() -> None:
    assert_bad_input(run("star", "--strategic-fit", "4"), "strategic_fit.evidence")


def test_decide_file_and_flags() -> None:
    data = run_json("decide", str(EXAMPLES / "framework_decision.yaml"))
    assert data["decision"] == "partner" and data["log_entry"]["decision_id"] == "D-003"
    data = run_json("decide", "--capability", "Fraud model", "--fact", "core_to_differentiation",
                    "--fact", "engineering-capacity")
    assert data["decision"] == "build" and data["warnings"]
    assert_bad_input(run("decide", "--capability", "x", "--fact", "vibes"), "fact")
    assert_bad_input(run("decide", "--fact", "new_market_entry"), "capability")


def test_model_recommend_and_list() -> None:
    data = run_json("model", "recommend", "--need", "lead_generation")
    assert data["recommendations"][0]["model"] == "referral"
    assert data["recommendations"][0]["fee_range"] == {"low": 5.0, "high": 15.0,
                                                       "basis": "% of ACV"}
    assert len(run_json("model", "list")) == 7
    assert_bad_input(run("model", "recommend", "--need", "telepathy"), "needs.0")
    assert_bad_input(run("model", "recommend"), "needs")


def test_program_commands() -> None:
    data = run_json("program", "check", str(EXAMPLES / "framework_program.yaml"))
    failed = [f["rule_id"] for f in data["findings"] if not f["passed"]]
    assert failed == ["QR-1", "QR-2", "QR-4", "QR-6"]
    strict = run("program", "check", str(EXAMPLES / "framework_program.yaml"), "--strict")
    assert strict.exit_code == 1
    targets = run_json("program", "targets")
    assert targets["phases"][3]["active_partnerships_min"] == 500
    gaps = run_json("program", "gaps", str(EXAMPLES / "framework_gaps.yaml"))
    assert gaps["top_three"] == ["geography", "technology", "supply_chain_resilience"]
    assert run_json("program", "horizon", "--months", "12")["horizon"] == "horizon_1"
    assert_bad_input(run("program", "horizon", "--months", "many"), "months_to_pnl_impact")


def test_real_entry_point_one_line_error() -> None:
    exe = Path(sys.executable).parent / "partnerpilot"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([str(exe), *SCORE[:-1], "150"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: revenue_potential: Input should be less than or equal to 100 (got 150.0)"]
    assert proc.stdout == ""
