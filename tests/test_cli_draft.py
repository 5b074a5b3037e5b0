"""``partnerpilot draft``: inputs from files, flags and --set; output as Markdown, DOCX, JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
import typer
from typer.testing import CliRunner

from cli import draft as cli_draft
from knowledge.settings import get_settings
from tools.documents import DOCUMENT_KINDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

app = typer.Typer()


@app.callback()
def _root() -> None:
    """Test root."""


cli_draft.register(app)
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["draft", *args])
    return result.exit_code, result.stdout, result.stderr


def example(kind: str) -> str:
    return str(EXAMPLES / f"draft_{kind.replace('-', '_')}.yaml")


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_every_kind_prints_markdown_from_its_example(kind: str) -> None:
    code, out, err = run(kind, "--input", example(kind))
    assert code == 0, err
    assert out.startswith("# ")
    for section in DOCUMENT_KINDS[kind].required_sections:
        assert f"## {section}" in out


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_every_kind_writes_docx(kind: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / f"{kind}.docx"
    code, out, err = run(kind, "-i", example(kind), "--out", str(target))
    assert code == 0, err
    assert out.strip() == f"wrote {target}"
    document = docx.Document(io.BytesIO(target.read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert set(DOCUMENT_KINDS[kind].required_sections) <= set(headings)
    assert len(document.tables) >= 1


def test_thesis_from_flags_only(tmp_path: Path) -> None:
    target = tmp_path / "thesis.md"
    code, out, err = run("thesis", "--company", "Acme", "--share", "25", "--years", "2",
                         "--partner-type", "Big 4 consulting firms", "--partner-type",
                         "regional VARs", "--icp", "hospital groups", "--market", "UK",
                         "--out", str(target))
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert "Acme will build a partner-led revenue channel that contributes 25% of total ARR "\
        "within 2 years" in text
    assert "| Reseller |" in text


def test_flags_override_file_and_set_overrides_flags() -> None:
    code, out, _ = run("thesis", "-i", example("thesis"), "--company", "Flagco",
                       "--set", "years=5", "--set", "markets=[Iberia, France]")
    assert code == 0
    assert "Flagco will build" in out and "within 5 years" in out
    assert "Iberia and France" in out


def test_json_output_has_kind_model_markdown_and_path(tmp_path: Path) -> None:
    target = tmp_path / "ts.md"
    code, out, _ = run("term-sheet", "-i", example("term-sheet"), "--json", "-o", str(target))
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"kind", "model", "markdown", "path"}
    assert payload["kind"] == "term-sheet"
    assert payload["model"]["renewal_talks_month"] == 12
    assert payload["path"] == str(target)
    assert target.read_text(encoding="utf-8") == payload["markdown"]
    code, out, _ = run("okrs", "-i", example("okrs"), "--json")
    assert json.loads(out)["path"] is None


def test_fee_outside_model_range_exits_2_naming_the_field() -> None:
    code, out, err = run("term-sheet", "-i", example("term-sheet"), "--fee-pct", "20")
    assert code == 2
    assert out == ""
    assert err.strip() == ("error: economics.fee_pct: must be within the referral range of "
                           "5-15% of ACV (got 20.0)")


@pytest.mark.parametrize(("args", "field"), [
    (["thesis", "--share", "30"], "company: is required"),
    (["thesis", "-i", example("thesis"), "--share", "0"], "partner_led_share_pct:"),
    (["okrs", "-i", example("okrs"), "--set", "objectives.0.key_results.0.kind=vanity"],
     "objectives.0.key_results.0.kind:"),
    (["governance-playbook"], "company: is required"),
    (["governance-playbook", "--company", "[Company Name]"], "company: is a placeholder"),
    (["okrs", "--input", "missing.yaml"], "missing.yaml"),
    (["okrs", "-i", example("okrs"), "--set", "novalue"], "--set: must be key=value"),
    (["okrs", "-i", example("okrs"), "--out", "x.pdf"], "--out: must end in .md or .docx"),
    (["okrs", "-i", example("okrs"), "--format", "pdf"], "--format: must be md or docx"),
    (["scorecard", "--company", "Acme"], "candidates: is required"),
    (["operating-plan", "-i", example("operating-plan"), "--set", "kpis=[]"], "kpis:"),
    (["brief", "--partner", "X"], "--partner: is not a field"),
])
def test_bad_input_is_one_line_on_stderr_with_exit_2(args: list[str], field: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert field in lines[0]
    assert "Traceback" not in err


def test_bad_yaml_and_non_mapping_inputs(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("company: [unclosed\n", encoding="utf-8")
    code, _, err = run("okrs", "-i", str(broken))
    assert code == 2 and err.startswith("error: --input: is not valid YAML or JSON")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    code, _, err = run("okrs", "-i", str(listed))
    assert code == 2 and "must hold a mapping" in err


def test_json_input_file_works(tmp_path: Path) -> None:
    source = tmp_path / "gov.json"
    source.write_text(json.dumps({"company": "Jsonco"}), encoding="utf-8")
    code, out, _ = run("governance-playbook", "-i", str(source))
    assert code == 0 and "# Partnership governance playbook: Jsonco" in out


def test_docx_without_out_goes_to_the_data_dir(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNERPILOT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        code, out, err = run("term-sheet", "-i", example("term-sheet"), "--format", "docx")
    finally:
        get_settings.cache_clear()
    assert code == 0, err
    expected = tmp_path / "data" / "documents" / \
        "term-sheet-northwind-analytics-harbor-advisory.docx"
    assert out.strip() == f"wrote {expected}"
    assert expected.read_bytes()[:2] == b"PK"


def test_apply_set_handles_nesting_types_and_lists() -> None:
    data: dict[str, object] = {"items": [{"a": 1}]}
    cli_draft.apply_set(data, "economics.fee_pct=[5, 10]")
    cli_draft.apply_set(data, "flag=true")
    cli_draft.apply_set(data, "answer=no")
    cli_draft.apply_set(data, "items.0.a=2")
    cli_draft.apply_set(data, "when=2027-01-11")
    assert data == {"items": [{"a": 2}], "economics": {"fee_pct": [5, 10]}, "flag": True,
                    "answer": "no", "when": "2027-01-11"}
