"""Eval reports: a console summary, JSON, Markdown, a self-contained HTML page and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console
from rich.table import Table

from evals.results import RunReport
from prompts import make_environment

REPORT_FILES = ("report.json", "report.md", "report.html", "junit.xml")


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def summary_tables(report: RunReport) -> list[Table]:
    """Rich tables: pass rate per suite, then pass counts per suite and grader."""
    suites = Table(title="Eval results by suite")
    for column in ("suite", "passed", "total", "pass rate"):
        suites.add_column(column, justify="left" if column == "suite" else "right")
    for name, tally in report.by_suite().items():
        style = "green" if tally.passed == tally.total else "red"
        suites.add_row(name, str(tally.passed), str(tally.total), _pct(tally.rate), style=style)
    total = report.total
    suites.add_row("all", str(total.passed), str(total.total), _pct(total.rate), style="bold")
    graders = Table(title="Grades by grader and suite (passed/total)")
    table = report.by_grader()
    names = sorted({g for per in table.values() for g in per})
    graders.add_column("grader")
    for suite in table:
        graders.add_column(suite, justify="right")
    for name in names:
        graders.add_row(name, *[f"{per[name].passed}/{per[name].total}" if name in per else "-"
                                for per in table.values()])
    return [suites, graders]


def print_summary(report: RunReport, console: Console) -> None:
    """Print the summary tables, the baseline changes and the failed cases."""
    for table in summary_tables(report):
        console.print(table)
    failed = [c for c in report.cases if not c.passed]
    for case in failed[:40]:
        console.print(f"FAIL {case.case_id} ({case.suite}): " + ", ".join(case.failed_graders),
                      markup=False)
    if len(failed) > 40:
        console.print(f"... and {len(failed) - 40} more failed cases", markup=False)
    diff = report.baseline
    if diff is not None:
        console.print(f"baseline {diff.baseline}: {len(diff.regressions)} regressions, "
                      f"{len(diff.improvements)} improvements, {len(diff.new)} new, "
                      f"{len(diff.missing)} missing", markup=False)
        for change in diff.regressions:
            console.print(f"REGRESSION {change.case_id} ({change.suite}): {change.detail}",
                          markup=False)
        for change in diff.improvements:
            console.print(f"IMPROVED {change.case_id} ({change.suite})", markup=False)


def to_json(report: RunReport) -> dict[str, object]:
    """The whole run, JSON-ready: summary, per-case results, baseline comparison."""
    data = report.model_dump(mode="json")
    data["summary"] = report.summary()
    for case, dumped in zip(report.cases, data["cases"], strict=True):
        dumped["failed_graders"] = case.failed_graders
    return data


def render_markdown(report: RunReport) -> str:
    """A Markdown report: suite table, grader table, failed cases, baseline changes."""
    total = report.total
    lines = [
        "# partnerpilot eval report", "",
        f"Backend `{report.backend}`" + (f" ({report.model})" if report.model else "")
        + f", {report.started_at}: **{total.passed}/{total.total} passed "
        f"({_pct(total.rate)})**.", "",
        "| suite | passed | total | pass rate |", "| --- | ---: | ---: | ---: |",
    ]
    for name, tally in report.by_suite().items():
        lines.append(f"| {name} | {tally.passed} | {tally.total} | {_pct(tally.rate)} |")
    lines.append(f"| all | {total.passed} | {total.total} | {_pct(total.rate)} |")
    lines += ["", "## Grades by suite and grader", "",
              "| suite | grader | passed | total |", "| --- | --- | ---: | ---: |"]
    for suite, per in report.by_grader().items():
        for grader, tally in sorted(per.items()):
            lines.append(f"| {suite} | {grader} | {tally.passed} | {tally.total} |")
    lines += routing_markdown(report)
    failed = [c for c in report.cases if not c.passed]
    lines += ["", "## Failed cases", ""]
    if not failed:
        lines.append("None.")
    for case in failed:
        lines.append(f"- `{case.case_id}` ({case.suite}):")
        for grade in case.grades:
            if grade.counted and not grade.passed:
                detail = grade.detail.replace("\n", " ")
                lines.append(f"  - {grade.grader} (turn {grade.turn + 1}): {detail}")
    if report.baseline is not None:
        diff = report.baseline
        lines += ["", f"## Against baseline `{diff.baseline}`", ""]
        changes = diff.regressions + diff.improvements + diff.new + diff.missing
        lines += [f"- {c.kind}: `{c.case_id}` ({c.suite}) {c.detail}" for c in changes]
        if not changes:
            lines.append("No change.")
    return "\n".join(lines) + "\n"


def routing_columns(report: RunReport) -> list[str]:
    """The chosen-tool columns of the routing matrix: expected tools first, then the rest."""
    table = report.routing()
    chosen = {c for row in table.values() for c in row}
    return [*table, *sorted(chosen - set(table))]


def routing_markdown(report: RunReport) -> list[str]:
    """The routing confusion matrix: expected tool (rows) by the tool chosen (columns)."""
    table = report.routing()
    if not table:
        return []
    columns = routing_columns(report)
    tally = report.routing_tally()
    lines = ["", "## Routing: expected tool by chosen tool", "",
             f"Routed right: **{tally.passed}/{tally.total} ({_pct(tally.rate)})**. A turn that "
             "asks for a tool's missing inputs counts as choosing that tool.", "",
             "| expected \\ chosen | " + " | ".join(columns) + " |",
             "| --- |" + " ---: |" * len(columns)]
    for expected, row in table.items():
        cells = [(f"**{row[c]}**" if c == expected else str(row[c])) if c in row else ""
                 for c in columns]
        lines.append(f"| {expected} | " + " | ".join(cells) + " |")
    return lines


def render_html(report: RunReport) -> str:
    """A self-contained HTML page (inline CSS and JS, no network) listing every case."""
    env = make_environment("evals", "templates", html=True, keep_trailing_newline=False)
    template = env.get_template("report.html.j2")
    return template.render(report=report, summary=report.summary(), suites=report.by_suite(),
                           graders=report.by_grader(), routing=report.routing(),
                           routing_columns=routing_columns(report),
                           routing_tally=report.routing_tally())


def render_junit(report: RunReport) -> str:
    """JUnit XML: one testsuite per eval suite, one testcase per case."""
    root = ET.Element("testsuites", name="partnerpilot-eval", tests=str(report.total.total),
                      failures=str(report.total.total - report.total.passed))
    for name, tally in report.by_suite().items():
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(tally.total),
                              failures=str(tally.total - tally.passed))
        for case in (c for c in report.cases if c.suite == name):
            node = ET.SubElement(suite, "testcase", classname=f"eval.{name}", name=case.case_id,
                                 time=f"{case.elapsed_s:.3f}")
            if not case.passed:
                failure = ET.SubElement(node, "failure",
                                        message=", ".join(case.failed_graders) or "failed")
                failure.text = "\n".join(
                    f"{g.grader} (turn {g.turn + 1}): {g.detail}"
                    for g in case.grades if g.counted and not g.passed) or (case.error or "")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_reports(report: RunReport, directory: Path) -> list[Path]:
    """Write the JSON, Markdown, HTML and JUnit reports into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    contents = (
        json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n",
        render_markdown(report),
        render_html(report),
        render_junit(report),
    )
    paths = []
    for name, text in zip(REPORT_FILES, contents, strict=True):
        path = directory / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
