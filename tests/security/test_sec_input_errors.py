"""Red team, error paths (issue 12, items 6, 7 and 10): one short human line, exit 2.

Run in-process through the real typer app (``CliRunner``): an uncaught exception shows as
``result.exception`` with exit status 1, which is what the red-team run saw as a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from knowledge.settings import Settings, get_settings
from knowledge.store import Store
from tools.errors import FrameworkError, from_validation_error, shown

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEEP = "[" * 1000 + "]" * 1000
BIG_INT = "9" * 5000
LONG_NAME = "a" * 300  # over NAME_MAX (255) on every common file system


def run(data_dir: Path, *args: str) -> tuple[int, str]:
    """Run the CLI; return exit status and stderr. Never an uncaught exception."""
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env={"PARTNERPILOT_DATA_DIR": str(data_dir)})
    get_settings.cache_clear()
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.stderr


def one_line_error(data_dir: Path, *args: str) -> str:
    code, err = run(data_dir, *args)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert len(err) < 700, err[:300]
    return err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {"deep.json": DEEP, "deep.yaml": f"a: {DEEP}",
                       "bigint.json": f'{{"company": {BIG_INT}}}',
                       "bigint.yaml": f"company: {BIG_INT}",
                       "partners-deep.json": DEEP,
                       "partners-bigint.json": f'[{{"partner_id": {BIG_INT}}}]',
                       "laughs.yaml": "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
                           f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n"
                           for p, c in zip("abcdefg", "bcdefgh", strict=True))}.items():
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8")
    return out


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    code, err = run(data, "partners", "import", str(EXAMPLES / "store_crm_export.csv"))
    assert code == 0, err
    return data


def _partners(data: Path) -> list[object]:
    return list(Store.open(Settings(data_dir=data)).all_partners())


# --- item 7: deep nesting, 5,000-digit integers, over-long names ----------------------------

@pytest.mark.parametrize("name", ["deep.json", "deep.yaml", "bigint.json", "bigint.yaml",
                                  "laughs.yaml"])
@pytest.mark.slow
def test_hostile_yaml_json_is_one_error_in_star_decide_and_draft(
        tmp_path: Path, files: dict[str, Path], name: str) -> None:
    data = tmp_path / "data"
    path = str(files[name])
    for args in (["star", path], ["decide", path], ["draft", "thesis", "--input", path]):
        err = one_line_error(data, *args)
        assert ("nested more than 32 levels" in err or "integer longer than 4,300 digits" in err
                or "more than 1,000,000 values" in err), err


@pytest.mark.slow
def test_hostile_partner_files_history_and_mapping_leave_the_store_unchanged(
        seeded: Path, files: dict[str, Path], tmp_path: Path) -> None:
    before = _partners(seeded)
    crm = str(EXAMPLES / "store_crm_export.csv")
    absent = str(tmp_path / f"{LONG_NAME}.csv")
    cases = [
        (["partners", "import", str(files["partners-deep.json"])], "nested more than 32"),
        (["partners", "import", str(files["partners-bigint.json"])], "longer than 4,300 digits"),
        (["partners", "import", crm, "--history", str(files["deep.json"])], "nested more"),
        (["partners", "import", crm, "--mapping", str(files["deep.yaml"])], "nested more"),
        (["partners", "import", crm, "--mapping", str(files["bigint.yaml"])], "4,300 digits"),
        (["partners", "import", absent], "File name too long"),
        (["partners", "import", crm, "--history", absent], "File name too long"),
        (["partners", "import", crm, "--mapping", absent], "File name too long"),
        (["partners", "import", crm, "--report", str(tmp_path / f"{LONG_NAME}.json")],
         "File name too long"),
    ]
    for args, expected in cases:
        err = one_line_error(seeded, *args)
        assert expected in err, (args[-1][-20:], err)
    assert _partners(seeded) == before


def test_big_integer_and_deep_set_values_and_long_out_names(tmp_path: Path) -> None:
    data = tmp_path / "data"
    thesis = str(EXAMPLES / "draft_thesis.yaml")
    err = one_line_error(data, "draft", "thesis", "-i", thesis, "--set", f"years={BIG_INT}")
    assert err.startswith("error: --set years: holds an integer longer than 4,300 digits")
    err = one_line_error(data, "draft", "thesis", "-i", thesis, "--set", f"years={DEEP}")
    assert err.startswith("error: --set years: is nested more than 32 levels deep")
    for suffix in (".md", ".docx"):
        err = one_line_error(data, "draft", "thesis", "-i", thesis,
                             "--out", str(tmp_path / f"{LONG_NAME}{suffix}"))
        assert "File name too long" in err and "characters)" in err


# --- item 6: echoed values are cut short ---------------------------------------------------

def test_a_huge_bad_value_is_echoed_short(tmp_path: Path) -> None:
    data = tmp_path / "data"
    huge = "x" * 1_000_000
    err = one_line_error(data, "star", str(EXAMPLES / "framework_star.yaml"), "--partner", huge)
    assert err.startswith("error: partner: String should have at most 200 characters (got 'xx")
    assert "(1,000,000 characters)" in err
    path = tmp_path / "star.json"
    star = yaml.safe_load((EXAMPLES / "framework_star.yaml").read_text())
    star["strategic_fit"]["score"] = "9" * 100_000
    path.write_text(json.dumps(star), encoding="utf-8")
    assert "(100,000 characters)" in one_line_error(data, "star", str(path))


def test_importer_row_report_cuts_long_values(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = tmp_path / "p.json"
    path.write_text(json.dumps([{"partner_id": "P-1", "name": "N", "partner_type": "gsi",
                                 "region": "EMEA", "industry": "x",
                                 "description": "d" * 30_000, "icp_overlap": 1,
                                 "market_influence": 1, "practice_alignment": 1,
                                 "partnership_appetite": 1, "revenue_potential": 1}]))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["partners", "import", str(path), "--json"],
                                env={"PARTNERPILOT_DATA_DIR": str(data)})
    assert result.exit_code == 2
    assert "(30,000 characters)" in result.stderr
    assert len(result.stderr) < 3000


def test_shown_never_fails_and_stays_short() -> None:
    deep: list[object] = []
    node = deep
    for _ in range(5000):
        node.append([])
        node = node[0]  # type: ignore[assignment]
    for value in (10 ** 5000, deep, "y" * 10**6, b"z" * 10**6, {"k": "v" * 10**6}):
        assert len(shown(value)) < 200
    assert re.fullmatch(r"<an integer of about 5,00\d digits>", shown(10 ** 5000))
    error = FrameworkError("f" * 10_000, "p" * 10_000, "g" * 10_000)
    assert len(str(error)) < 1000


# --- item 10: field paths and messages stay human -------------------------------------------

@pytest.mark.parametrize(("value", "problem"), [
    ("1e308", "Input should be less than or equal to 100 (got '1e308')"),
    ("nan", "must be a finite number (got 'nan')"),
    ("inf", "must be a finite number (got 'inf')"),
    ("lots", "Input should be a valid number, unable to parse string as a number (got 'lots')"),
])
def test_union_field_paths_and_non_finite_numbers_read_as_words(
        tmp_path: Path, value: str, problem: str) -> None:
    err = one_line_error(tmp_path / "data", "draft", "term-sheet", "-i",
                         str(EXAMPLES / "draft_term_sheet.yaml"),
                         "--set", f"economics.fee_pct={value}")
    assert err == f"error: economics.fee_pct: {problem}\n"


def test_nan_flag_is_not_called_out_of_range(tmp_path: Path) -> None:
    err = one_line_error(tmp_path / "data", "draft", "thesis", "-i",
                         str(EXAMPLES / "draft_thesis.yaml"), "--share", "nan")
    assert err == "error: partner_led_share_pct: must be a finite number (got nan)\n"
    err = one_line_error(tmp_path / "data", "score", "--icp-overlap", "nan",
                         "--market-influence", "1", "--practice-alignment", "1",
                         "--partnership-appetite", "1", "--revenue-potential", "1")
    assert err == "error: icp_overlap: must be a finite number (got nan)\n"


def test_an_unknown_key_keeps_its_own_spelling() -> None:
    from pydantic import BaseModel, ConfigDict, ValidationError

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fee_pct: float | tuple[float, float] | None = None

    for key in ("fee-pct", "Fee", "str"):
        with pytest.raises(ValidationError) as caught:
            Strict.model_validate({key: 1})
        assert str(from_validation_error(caught.value)) == f"{key}: is not a known field"
