"""Red team, control characters and line breaks in text fields (issue 12, item 8).

The rule lives in the text types (``tools.text``): every tool input and the partner record
use them, so drafting, the importer and the agent's tools all get it without a check of
their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from knowledge.settings import get_settings
from tools.decisions import DecisionInput
from tools.documents import get_kind, markdown_to_docx, render_docx, render_markdown
from tools.errors import FrameworkError, validate
from tools.partners import Partner
from tools.star import StarInput
from tools.text import multi_line, single_line

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PARTNER: dict[str, Any] = {
    "partner_id": "P-1", "name": "Acme", "partner_type": "gsi", "region": "EMEA",
    "industry": "health", "icp_overlap": 1, "market_influence": 1, "practice_alignment": 1,
    "partnership_appetite": 1, "revenue_potential": 1}


def example(name: str) -> dict[str, Any]:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("bad", ["\x00", "\x01", "\x1b[31m", "\x7f", "\x9b", "\ud800",
                                 "\uffff"])
def test_control_characters_are_refused_by_every_text_type(bad: str) -> None:
    for value in (f"Ac{bad}me", f"Ac{bad}me\nline two"):
        for check in (single_line, multi_line):
            with pytest.raises(ValueError, match=r"contains the control character U\+"):
                check(value)
    refused = r"contains the control character|Input should be a valid string, unable to parse"
    with pytest.raises(FrameworkError, match=rf"^name: ({refused})"):
        validate(Partner, {**PARTNER, "name": f"Ac{bad}me"})
    with pytest.raises(FrameworkError, match=rf"^description: ({refused})"):
        validate(Partner, {**PARTNER, "description": f"Ac{bad}me"})
    with pytest.raises(FrameworkError, match=rf"^capability: ({refused})"):
        validate(DecisionInput, {"capability": f"Ac{bad}me"})
    star = example("framework_star.yaml")
    star["strategic_fit"]["evidence"] = f"Ac{bad}me"
    with pytest.raises(FrameworkError, match=rf"^strategic_fit\.evidence: ({refused})"):
        validate(StarInput, star)


def test_docx_drafting_refuses_control_characters_with_the_field_named() -> None:
    for kind, name in (("okrs", "draft_okrs.yaml"), ("term-sheet", "draft_term_sheet.yaml")):
        data = example(name)
        data["company"] = "Ac\x01me\x00"
        with pytest.raises(FrameworkError, match=r"^company: contains the control character "
                                                 r"U\+0001 at position 3"):
            get_kind(kind).builder(data)


def test_docx_writer_never_crashes_on_what_xml_cannot_hold() -> None:
    docx = markdown_to_docx("# Title\x01\n\nA paragraph with a NUL \x00 and \ud800.\n")
    assert docx[:2] == b"PK"


def test_a_line_break_in_a_name_cannot_inject_a_heading_or_fake_a_section() -> None:
    data = example("draft_term_sheet.yaml")
    data["company"] = "Acme\n\n## Parties\n\n# Injected"
    doc = get_kind("term-sheet").builder(data)
    markdown = render_markdown(doc)
    assert "Acme ## Parties # Injected" in markdown
    lines = markdown.splitlines()
    assert "# Injected" not in lines and lines.count("## Parties") == 1
    assert render_docx(doc)[:2] == b"PK"


def test_the_cli_draft_and_a_partner_record_are_single_line(tmp_path: Path) -> None:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["draft", "okrs", "-i", str(EXAMPLES / "draft_okrs.yaml"),
                                      "--company", "Acme\n# Injected"],
                                env={"PARTNERPILOT_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "# Partnership OKRs: Acme # Injected, FY2027"
    assert not [line for line in result.stdout.splitlines() if line.startswith("# Injected")]
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["draft", "okrs", "-i", str(EXAMPLES / "draft_okrs.yaml"),
                                      "--company", "Ac\x01me", "--out",
                                      str(tmp_path / "o.docx")],
                                env={"PARTNERPILOT_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 2 and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: company: contains the control character U+0001")
    assert not (tmp_path / "o.docx").exists()
    partner = validate(Partner, {**PARTNER, "name": " Acme\r\n Corp\u2028 ", "region": "EM\tEA",
                                 "description": "one\r\ntwo\rthree\u2029four"})
    assert (partner.name, partner.region) == ("Acme Corp", "EM EA")
    assert partner.description == "one\ntwo\nthree\nfour"
