"""Rendering: placeholder detection, required sections, Markdown and DOCX structure."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.documents import (
    DOCUMENT_KINDS,
    REQUIRED_SECTIONS,
    build_document,
    build_governance_playbook,
    build_thesis,
    find_placeholders,
    markdown_to_docx,
    parse_blocks,
    render_docx,
    render_markdown,
)
from tools.documents.render import check_rendered
from tools.errors import FrameworkError

ROOT = Path(__file__).resolve().parents[1]


def example_doc(kind: str) -> Any:
    path = ROOT / "examples" / f"draft_{kind.replace('-', '_')}.yaml"
    return build_document(kind, yaml.safe_load(path.read_text(encoding="utf-8")))


def open_docx(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


@pytest.mark.parametrize(("text", "expected"), [
    ("PARTNERSHIP THESIS - [Company Name]", ["[Company Name]"]),
    ("contributes [X]% of ARR within [N] years", ["[X]", "[N]"]),
    ("Top MDF allocation ($[X]/yr)", ["$[X]"]),
    ("Hello {{ company }}!", ["{{ company }}"]),
    ("{% if x %}", ["{% if x %}"]),
    ("Budget: TBD", ["TBD"]),
    ("Owner: TODO", ["TODO"]),
    ("Dear <partner name>,", ["<partner name>"]),
    ("Signed: ________", ["________"]),
    ("[X] then [X] again", ["[X]"]),
    ("Budget: tbd, owner XXX", ["tbd", "XXX"]),
    ("Lorem ipsum dolor", ["Lorem ipsum"]),
])
def test_find_placeholders_finds_slots(text: str, expected: list[str]) -> None:
    assert find_placeholders(text) == expected


@pytest.mark.parametrize("text", [
    "Referral fee of 5-15% of ACV; score >= 75 and < 50 is opportunistic.",
    "See [the framework](https://example.com/framework) for details.",
    "A footnote [1] and a range 20-40% off list.",
    "| Decision | CPO | Legal |\n| --- | --- | --- |\n| New partnership approval | A | C |",
    "**Primary partner:** Harbor Advisory",
    "The TBDX project and a notebook are fine; so is a < b > c.",
])
def test_find_placeholders_ignores_real_text(text: str) -> None:
    assert find_placeholders(text) == []


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_each_rendered_document_has_its_required_sections(kind: str) -> None:
    markdown = render_markdown(example_doc(kind))
    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    assert REQUIRED_SECTIONS[kind]
    for section in REQUIRED_SECTIONS[kind]:
        assert section in headings, f"{kind} lacks {section}"
    assert markdown.startswith("# ")
    assert find_placeholders(markdown) == []
    assert "\n\n\n" not in markdown


def test_rendering_refuses_a_document_holding_a_placeholder() -> None:
    doc = build_thesis(yaml.safe_load((ROOT / "examples/draft_thesis.yaml").read_text()))
    tampered = doc.model_copy(update={"mechanism": "partners open doors in [N] markets."})
    with pytest.raises(FrameworkError) as info:
        render_markdown(tampered)
    assert info.value.field == "thesis"
    assert "[N]" in info.value.problem


def test_check_rendered_reports_missing_sections() -> None:
    with pytest.raises(FrameworkError) as info:
        check_rendered("okrs", "# OKRs\n\n## Objectives and key results\n",
                       REQUIRED_SECTIONS["okrs"])
    assert "Indicator balance" in info.value.problem


def test_render_markdown_rejects_non_documents() -> None:
    with pytest.raises(FrameworkError) as info:
        render_markdown(DOCUMENT_KINDS["thesis"].input_model.model_construct())
    assert info.value.field == "doc"


def test_thesis_markdown_shows_the_numbers_the_inputs_gave() -> None:
    markdown = render_markdown(example_doc("thesis"))
    assert "| Partner-led share of total ARR | 30% |" in markdown
    assert "| Time to reach it | 3 years |" in markdown
    assert "| Co-sell |" in markdown and "| Implementation |" in markdown


def test_scorecard_markdown_matches_the_tool_results() -> None:
    doc = example_doc("scorecard")
    markdown = render_markdown(doc)
    top = doc.candidates[0]
    assert f"| 1 | Harbor Advisory | {top.attractiveness.score:.1f} | priority |" in markdown
    assert "| partnership appetite | 15% | 11.25 |" in markdown
    assert "**STAR verdict:** proceed" in markdown


def test_governance_markdown_table_has_one_column_per_role() -> None:
    markdown = render_markdown(build_governance_playbook({"company": "Acme"}))
    header = next(line for line in markdown.splitlines() if line.startswith("| Decision |"))
    assert header.count("|") == 8
    assert "| MDF allocation | A | C | I | R | R | I |" in markdown


def test_parse_blocks_reads_the_markdown_subset() -> None:
    blocks = parse_blocks("# T\n\n## S\n\nline one\nline two\n\n- **a** b\n1. first\n\n"
                          "| h1 | h2 |\n| --- | --- |\n| x | y |\n### Sub\n")
    assert [b.kind for b in blocks] == ["heading1", "heading2", "paragraph", "bullet",
                                        "number", "table", "heading3"]
    assert blocks[2].text == "line one line two"
    assert blocks[5].rows == [["h1", "h2"], ["x", "y"]]


def test_parse_blocks_keeps_tables_apart_across_a_blank_line() -> None:
    blocks = parse_blocks("| a |\n| --- |\n| 1 |\n\n| b |\n| --- |\n| 2 |\n")
    assert [b.rows for b in blocks] == [[["a"], ["1"]], [["b"], ["2"]]]


def test_markdown_to_docx_builds_real_structure() -> None:
    data = markdown_to_docx("# Title\n\n## Section\n\nSome **bold** text.\n\n- item\n\n"
                            "| a | b |\n| --- | --- |\n| 1 | 2 |\n")
    document = open_docx(data)
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "Title") in styles
    assert ("Heading 1", "Section") in styles
    assert ("List Bullet", "item") in styles
    para = next(p for p in document.paragraphs if p.text == "Some bold text.")
    assert [(r.text, bool(r.bold)) for r in para.runs] == [("Some ", False), ("bold", True),
                                                           (" text.", False)]
    table = document.tables[0]
    assert [[c.text for c in row.cells] for row in table.rows] == [["a", "b"], ["1", "2"]]
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold is True
    assert document.core_properties.title == "Title"


@pytest.mark.parametrize("kind", list(DOCUMENT_KINDS))
def test_docx_has_the_same_headings_and_tables_as_markdown(kind: str) -> None:
    doc = example_doc(kind)
    markdown = render_markdown(doc)
    document = open_docx(render_docx(doc))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == [markdown.splitlines()[0][2:]]
    table_headers = [line for line in markdown.splitlines() if line.startswith("|")
                     and not line.startswith("| ---")]
    rules = [line for line in markdown.splitlines() if line.startswith("| --- |")]
    assert len(document.tables) == len(rules) >= 1
    assert sum(len(t.rows) for t in document.tables) == len(table_headers)
    assert document.core_properties.title == DOCUMENT_KINDS[kind].title
    assert "**" not in "".join(p.text for p in document.paragraphs)


def test_docx_governance_table_is_the_raci() -> None:
    document = open_docx(render_docx(build_governance_playbook({"company": "Acme"})))
    raci = document.tables[0]
    assert [c.text for c in raci.rows[0].cells][:3] == ["Decision", "CPO", "VP Alliance / GTM"]
    assert [c.text for c in raci.rows[1].cells] == ["New partnership approval", "A", "C", "R",
                                                    "I", "C", "C"]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert "Use the agreed escalation path, one level at a time" in bullets
    numbered = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert numbered[-1] == "CPO and the partner's executive sponsor"


NAMES = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"),
                                       whitelist_characters=" &.-'"),
                min_size=1, max_size=40).filter(lambda text: text.strip() != "")


@settings(max_examples=40, deadline=None)
@given(company=NAMES, icp=NAMES, market=NAMES,
       share=st.floats(min_value=0.1, max_value=100, allow_nan=False), years=st.integers(1, 10))
def test_any_valid_thesis_renders_clean(company: str, icp: str, market: str, share: float,
                                        years: int) -> None:
    data = {"company": company, "partner_led_share_pct": share, "years": years,
            "partner_types": ["Big 4 consulting firms"], "icp": icp, "markets": [market]}
    try:
        doc = build_thesis(data)
    except FrameworkError as exc:  # only a placeholder-looking name may be refused
        assert "placeholder" in exc.problem
        return
    markdown = render_markdown(doc)
    assert find_placeholders(markdown) == []
    assert f"# Partnership thesis: {company.strip()}" in markdown
    assert doc.statement.count(company.strip()) >= 1
