from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from agent.events import Citation, DocumentProduced, FinalAnswer, ToolCall, ToolResult
from agent.session import Session
from evals.cases import Suite
from evals.report import print_summary, render_html, render_markdown, write_reports
from evals.results import RunReport, compare
from evals.runner import run_suites

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


class ReportAgent:
    """Scripted events covering every event kind the report renders."""

    def stream(self, message: str, session: Session) -> Iterator[Any]:
        yield ToolCall(call_id="1", name="search_framework", input={"query": message})
        yield ToolResult(call_id="1", name="search_framework",
                         output={"passages": [{"doc_id": "partner-tiers", "text": "..."}]})
        yield Citation(doc_id="partner-tiers", title="Partner tiers", section="Gold tier",
                       snippet="at least 3 certified individuals")
        if "draft" in message:
            yield DocumentProduced(kind="thesis", title="Thesis <Acme>", model={},
                                   markdown="# Thesis\n\n## Thesis statement\n")
        yield FinalAnswer(text=f"Gold needs 3 certified people <b>{message}</b>",
                          backend="scripted")


@pytest.fixture(scope="module")
def report() -> RunReport:
    cases = [{"id": f"case-{i:02d}", "message": f"question {i}",
              "expect": {"facts": ["3 certified"] if i % 3 else ["platinum"],
                         "cites": ["partner-tiers"]}} for i in range(9)]
    cases.append({"id": "draft-01", "message": "draft a thesis",
                  "expect": {"document": {"kind": "thesis"}}})
    suites = [Suite.model_validate({"suite": "alpha", "cases": cases[:5]}),
              Suite.model_validate({"suite": "beta", "cases": cases[5:]})]
    result = run_suites(suites, ReportAgent, backend="scripted", jobs=2)
    result.fail_under = 0.9
    baseline = {"cases": {"case-00": {"suite": "alpha", "passed": True},
                          "case-01": {"suite": "alpha", "passed": False}}}
    result.baseline = compare(result, baseline, "base.json")
    return result


def test_summary_tables_and_markdown(report: RunReport) -> None:
    console = Console(record=True, width=160)
    print_summary(report, console)
    text = console.export_text()
    assert "alpha" in text and "beta" in text and "REGRESSION case-00" in text
    md = render_markdown(report)
    assert "| alpha | 3 | 5 | 60.0% |" in md
    assert "- `case-03` (alpha):" in md and "missing 'platinum'" in md
    assert "regression: `case-00`" in md


def test_json_and_junit_hold_every_case(report: RunReport, tmp_path: Path) -> None:
    paths = write_reports(report, tmp_path)
    assert [p.name for p in paths] == ["report.json", "report.md", "report.html", "junit.xml"]
    data = json.loads((tmp_path / "report.json").read_text())
    assert [c["case_id"] for c in data["cases"]] == [c.case_id for c in report.cases]
    assert data["summary"]["passed"] == report.total.passed
    assert data["cases"][0]["turns"][0]["events"][0]["type"] == "tool_call"
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    names = [tc.get("name") for tc in junit.iter("testcase")]
    assert names == [c.case_id for c in report.cases]
    failures = [tc.get("name") for tc in junit.iter("testcase") if tc.find("failure") is not None]
    assert failures == [c.case_id for c in report.cases if not c.passed]


def test_html_is_self_contained_and_escaped(report: RunReport) -> None:
    html = render_html(report)
    assert "<b>question" not in html and "&lt;b&gt;question 1&lt;/b&gt;" in html
    assert "Thesis &lt;Acme&gt;" in html
    for marker in ("http://", "https://", "<link", "src="):
        assert marker not in html


@pytest.mark.browser
def test_html_report_renders_in_headless_chromium(report: RunReport, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(report), encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri())
            ids = page.locator("details.case code.case-id").all_inner_texts()
            assert ids == [c.case_id for c in report.cases]
            assert page.locator("#totals").inner_text().startswith(
                f"{report.total.passed}/{report.total.total} cases passed")
            rows = page.locator("#suites tr").count()
            assert rows == 1 + len(report.suites)
            page.locator("#case-case-03 summary").click()
            assert page.locator("#case-case-03 .answer").is_visible()
            assert "missing 'platinum'" in page.locator("#case-case-03 table.grades").inner_text()
            page.locator("#only-failed").check()
            visible = [c for c in page.locator("details.case").all() if c.is_visible()]
            assert len(visible) == sum(1 for c in report.cases if not c.passed)
            assert all(url.startswith("file://") for url in requests)
        finally:
            browser.close()


def test_routing_matrix_counts_expected_by_chosen_tool() -> None:
    cases = [{"id": "r-1", "message": "what tier needs a practice?",
              "expect": {"tools": ["search_framework"]}},
             {"id": "r-2", "message": "score acme", "expect": {"tools": ["score_partner"]}},
             {"id": "r-3", "message": "no tool expected", "expect": {"facts": ["3"]}}]
    result = run_suites([Suite.model_validate({"suite": "routing", "cases": cases})],
                        ReportAgent, backend="scripted")
    assert result.routing() == {"score_partner": {"search_framework": 1},
                                "search_framework": {"search_framework": 1}}
    assert (result.routing_tally().passed, result.routing_tally().total) == (1, 2)
    md = render_markdown(result)
    assert "Routed right: **1/2 (50.0%)**" in md
    assert "| score_partner |  | 1 |" in md
    assert '<table id="routing">' in render_html(result)
