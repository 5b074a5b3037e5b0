"""``partnerpilot board ...`` and ``draft board-deck``: JSON, files and one-line errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from pptx import Presentation
from typer.testing import CliRunner

from cli.main import build_app
from knowledge.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
runner = CliRunner()
app = build_app(("board", "draft"))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_dashboard_json_from_a_file_with_partners() -> None:
    code, out, err = run("board", "dashboard", str(EXAMPLES / "draft_board_dashboard.yaml"),
                         "--json")
    assert code == 0, err
    payload: dict[str, Any] = json.loads(out)
    assert payload["kind"] == "board-dashboard"
    assert payload["model"]["roi_pct"] == 60.0
    assert payload["model"]["status_counts"]["at_risk"] == 3


def test_dashboard_set_overrides_and_writes_docx(tmp_path: Path) -> None:
    target = tmp_path / "dash.docx"
    code, out, err = run("board", "dashboard", str(EXAMPLES / "draft_board_dashboard.yaml"),
                         "--set", "kpis.partner_retention=90", "--out", str(target))
    assert code == 0, err
    assert out.strip() == f"wrote {target}"
    text = "\n".join(c.text for t in docx.Document(str(target)).tables
                     for row in t.rows for c in row.cells)
    assert "90%" in text


def test_dashboard_bad_value_is_one_line_exit_2(tmp_path: Path) -> None:
    code, _, err = run("board", "dashboard", str(EXAMPLES / "draft_board_dashboard.yaml"),
                       "--set", "program_month=99")
    assert code == 2
    assert err.startswith("error: program_month: ") and err.count("\n") == 1


def test_landscape_on_an_empty_store_says_what_to_do() -> None:
    code, _, err = run("board", "landscape")
    assert code == 2
    assert "error: partners: the store holds no partners" in err


def test_sponsors_from_a_file_with_partners() -> None:
    code, out, err = run("board", "sponsors", str(EXAMPLES / "draft_relationship_map.yaml"))
    assert code == 0, err
    assert "**Needs a sponsor:** Brantwood Kessler LLP" in out


def test_competitor_import_then_map_needs_no_partners(data_dir: Path) -> None:
    code, out, err = run("board", "competitors", "import", "--sample", "--refreshed",
                         "2026-10-01")
    assert code == 0, err
    assert "imported 12 of 12 rows from competitor_partners.csv: 12 added" in out
    assert (data_dir / "competitors.sqlite3").exists()
    code, out, err = run("board", "competitors", "map", "--as-of", "2026-12-01", "--json")
    assert code == 0, err
    model = json.loads(out)["model"]
    assert model["refreshed"] == "2026-10-01" and model["stale"] is False
    assert "Orrin Velasco Systems" in model["locked"]


def test_competitor_import_rejects_a_bad_file_whole(tmp_path: Path, data_dir: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("competitor,partner,model,strength\nA,B,barter,weak\nA,C,referral,weak\n",
                   encoding="utf-8")
    code, _, err = run("board", "competitors", "import", str(bad))
    assert code == 2
    assert "row 2: model:" in err
    assert "error: bad.csv: 1 bad row(s) of 2; nothing was imported" in err
    assert not (data_dir / "competitors.sqlite3").exists()
    code, _, err = run("board", "competitors", "import")
    assert code == 2 and "error: file: give a file or --sample" in err


def test_competitor_map_before_import_exits_2() -> None:
    code, _, err = run("board", "competitors", "map")
    assert code == 2 and err.startswith("error: competitors: no competitor partnerships")


def test_board_deck_writes_a_pptx(tmp_path: Path) -> None:
    data = yaml.safe_load((EXAMPLES / "board_deck.yaml").read_text("utf-8"))
    data["landscape"] = yaml.safe_load((EXAMPLES / "draft_landscape_map.yaml").read_text())
    source = tmp_path / "deck.yaml"
    source.write_text(yaml.safe_dump(data), encoding="utf-8")
    target = tmp_path / "deck.pptx"
    code, out, err = run("draft", "board-deck", "--input", str(source), "--out", str(target))
    assert code == 0, err
    assert out.strip() == f"wrote {target}"
    prs = Presentation(io.BytesIO(target.read_bytes()))
    assert len(prs.slides) == 6
    code, _, err = run("draft", "board-deck", "--input", str(source), "--out", "x.pdf")
    assert code == 2 and err.startswith("error: --out: must end in .pptx")


@pytest.mark.parametrize("kind", ["roadmap", "value-canvas", "competitor-map"])
def test_draft_kinds_from_examples(kind: str) -> None:
    code, out, err = run("draft", kind, "--input",
                         str(EXAMPLES / f"draft_{kind.replace('-', '_')}.yaml"))
    assert code == 0, err
    assert out.startswith("# ")
