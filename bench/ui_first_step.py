"""Send-to-first-step in the chat UI, measured in Debian's Chromium (issue 13: within 300 ms).

Usage::

    .venv/bin/python bench/ui_first_step.py                 # start a server, run, print
    .venv/bin/python bench/ui_first_step.py --tries 40 --write   # ... and add it to RESULTS.md

Starts ``partnerpilot ui`` on the offline backend (its own data dir, the real index), logs in
one user in headless Chromium and sends ``--tries`` messages, each in a new conversation
(alternating a framework question and a scoring request, after one warm-up turn). In the
page, a key listener stamps the Enter that sends (``performance.now()``) and a
MutationObserver stamps the first moment the DOM holds a step of that turn, the first moment
a step reads "Searching the framework…" (framework questions only), the first answer text,
and the answer's end. Reported: p50 and p95 of send -> first step, send -> "Searching the
framework…", send -> first answer text, and the machine's load average before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from ui_server import start_ui_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
FRAMEWORK = "How does a partner get promoted to the next tier?"
SCORE = ("Score a partner with ICP overlap 80, market influence 70, practice alignment 60, "
         "partnership appetite 90 and revenue potential 50")
#: Words that open the two answers (not in any step's title or summary).
PHRASES = ("consecutive", "This partner scores")
#: In the page: stamp the sending Enter, then the first tool step, its tool, the answer.
WATCH = """phrases => {
  const PHRASES = phrases;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  window.__pp = {sent: null, step: null, tool: null, text: null};
  const stamp = key => { if (window.__pp.sent !== null && window.__pp[key] === null)
                           window.__pp[key] = performance.now() - window.__pp.sent; };
  document.addEventListener('keydown', e => { if (e.key === 'Enter')
                                                window.__pp.sent = performance.now(); }, true);
  new MutationObserver(() => {
    if (window.__pp.sent === null) return;
    // a tool step's header is id="step-<its name>"; a message's is id="step-<uuid>"
    const steps = [...document.querySelectorAll('[id^="step-"]')].filter(
        e => !UUID.test(e.id.slice(5)));
    if (steps.length) stamp('step');
    if (steps.some(e => e.id !== 'step-Reading your question')) stamp('tool');
    // the answer's own words (a step also sits in an .ai-message block)
    if ([...document.querySelectorAll('.ai-message')].some(
          e => PHRASES.some(p => e.innerText.includes(p)))) stamp('text');
  }).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""
DONE = ("() => !document.querySelector('#stop-button') && "
        "[...document.querySelectorAll('.ai-message')].some("
        "e => e.innerText.includes('Answered by:'))")


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def one_turn(browser: Any, url: str, password: str, text: str) -> dict[str, float | None]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    try:
        page = ctx.new_page()
        page.goto(url + "/login")
        page.locator("input").first.fill("alice")
        page.locator("input[type=password]").fill(password)
        page.locator("button[type=submit]").click()
        page.wait_for_selector("#chat-input", timeout=60_000)
        page.wait_for_function("() => !!document.querySelector('#starters button, [id^=starter-]')",
                               timeout=60_000)
        page.evaluate(WATCH, list(PHRASES))
        page.click("#chat-input")
        page.keyboard.type(text)
        page.wait_for_function("() => !document.querySelector('#chat-submit').disabled",
                               timeout=60_000)
        page.keyboard.press("Enter")
        page.wait_for_function(DONE, timeout=180_000)
        return dict(page.evaluate("() => window.__pp"))
    finally:
        ctx.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--write", action="store_true", help="append the run to RESULTS.md")
    args = parser.parse_args()
    import playwright.sync_api as playwright_api

    load_before = os.getloadavg()[0]
    folder = Path(tempfile.mkdtemp(prefix="pp-first-step-"))
    server = start_ui_server(folder / "data")
    rows: list[tuple[str, dict[str, float | None]]] = []
    try:
        with playwright_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            one_turn(browser, server.url, server.users["alice"], FRAMEWORK)  # warm-up
            for n in range(args.tries):
                text = FRAMEWORK if n % 2 == 0 else SCORE
                rows.append((text, one_turn(browser, server.url, server.users["alice"], text)))
            browser.close()
    finally:
        server.stop()
    load_after = os.getloadavg()[0]
    first = [r["step"] for _, r in rows if r["step"] is not None]
    tool = [r["tool"] for _, r in rows if r["tool"] is not None]
    text = [r["text"] for _, r in rows if r["text"] is not None]
    missing = sum(1 for _, r in rows if r["step"] is None)
    within = sum(1 for v in first if v <= 300)
    lines = [
        f"### Send to first step in Chromium ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load_before:.1f} before and "
        f"{load_after:.1f} after (shared with other sessions). `python bench/ui_first_step.py "
        f"--tries {args.tries}`: one user, a new conversation per try, framework question and "
        "scoring request alternating, one warm-up turn; times from the sending Enter to the "
        "DOM change, in the page (`performance.now()`).", "",
        "| measure | n | p50 ms | p95 ms | max ms |", "| --- | --- | --- | --- | --- |",
    ]
    for name, values in (("send -> first step", first),
                         ("send -> the step names its tool", tool),
                         ("send -> first answer text", text)):
        lines.append(f"| {name} | {len(values)} | {pct(values, 50):.0f} | {pct(values, 95):.0f} "
                     f"| {max(values, default=float('nan')):.0f} |")
    lines += ["", f"First step within 300 ms: {within} of {len(first)} tries "
              f"({missing} tries without a step)."]
    report = "\n".join(lines)
    print(report)
    if args.write:
        results = HERE / "RESULTS.md"
        results.write_text(results.read_text(encoding="utf-8").rstrip() + "\n\n" + report + "\n",
                           encoding="utf-8")
    return 0 if missing == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
