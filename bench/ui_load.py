"""Load test of the chat UI: 10 logged-in users, 5 messages each, against one real server.

Usage::

    .venv/bin/python bench/ui_load.py                  # start a server, run, print
    .venv/bin/python bench/ui_load.py --write          # ... and add the run to RESULTS.md

Starts ``partnerpilot ui`` on the offline backend (its own data dir, indexed with the sample
partners, ``--users`` accounts), then, in the same run and against the same server:

1. one user alone sends the 5 messages (after one warm-up message);
2. ``--users`` users at once, each in their own chat session, send the same 5 messages.

Each turn is timed from sending the message over Chainlit's socket to the turn's end
(``task_end``), through ``bench/ui_client.py`` (a real login, the page's own socket
protocol). A turn that fails (no answer, an error message, or no end within 180 s) counts as
a failure and is not timed. Passes when nothing failed and p95 with all users is at most
``--max-ratio`` times p95 with one user.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from ui_client import ChatClient, Turn, login_cookie  # noqa: E402
from ui_server import start_ui_server  # noqa: E402

FRAMEWORK = "How does a partner get promoted to the next tier?"
MESSAGES = (
    "Score a partner with ICP overlap 80, market influence 70, practice alignment 60, "
    "partnership appetite 90 and revenue potential 50",
    "Which tier does a partner with $2,500,000 annual pipeline, 12 certified individuals "
    "and a dedicated practice qualify for?",
    "Review the tier of Ashcombe Whitley Advisory",
    "Find systems integrators in EMEA that serve financial services",
    "Summarise the partner portfolio",
)


def p95(values: list[float]) -> float:
    """The 95th percentile (inclusive method; the max for fewer than 20 values' tail)."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def user_run(url: str, name: str, password: str, messages: tuple[str, ...]) -> list[Turn]:
    """One user: log in, open a chat, send ``messages`` one after the other."""
    client = ChatClient(url, login_cookie(url, name, password), name)
    await client.connect()
    try:
        return [await client.send(text) for text in messages]
    finally:
        await client.close()


async def crowd(url: str, users: dict[str, str], messages: tuple[str, ...]) -> list[Turn]:
    """Every user at once, each with their own chat session."""
    runs = await asyncio.gather(*(user_run(url, n, p, messages) for n, p in users.items()))
    return [turn for run in runs for turn in run]


def summary(turns: list[Turn]) -> dict[str, float]:
    """Counts and latency figures of the successful turns."""
    times = sorted(t.seconds for t in turns if t.ok)
    return {"turns": len(turns), "failed": sum(not t.ok for t in turns),
            "p50": statistics.median(times) if times else float("nan"),
            "p95": p95(times), "max": times[-1] if times else float("nan")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--max-ratio", type=float, default=3.0)
    parser.add_argument("--write", action="store_true", help="append the run to RESULTS.md")
    args = parser.parse_args()
    users = {f"user{n:02d}": f"password-{n:02d}" for n in range(args.users)}
    with tempfile.TemporaryDirectory(prefix="ui-load-") as folder:
        started = time.monotonic()
        server = start_ui_server(Path(folder) / "data", users)
        print(f"server ready in {time.monotonic() - started:.0f} s at {server.url}")
        try:
            first, password = next(iter(users.items()))
            [opening] = asyncio.run(user_run(server.url, first, password, (FRAMEWORK,)))
            print(f"first answer after start (a framework question): {opening.seconds:.2f} s, "
                  f"ok {opening.ok}")
            load = os.getloadavg()[0]
            alone = summary(asyncio.run(user_run(server.url, first, password, MESSAGES)))
            many = summary(asyncio.run(crowd(server.url, users, MESSAGES)))
            load_after = os.getloadavg()[0]
        finally:
            server.stop()
    ratio = many["p95"] / alone["p95"]
    ok = alone["failed"] == 0 and many["failed"] == 0 and ratio <= args.max_ratio
    for label, row in (("1 user", alone), (f"{args.users} users", many)):
        print(f"{label}: {row['turns']} turns, {row['failed']} failed, p50 {row['p50']:.2f} s, "
              f"p95 {row['p95']:.2f} s, max {row['max']:.2f} s")
    print(f"p95 ratio {ratio:.2f} (limit {args.max_ratio}): {'PASS' if ok else 'FAIL'}")
    if args.write:
        write_results(args.users, alone, many, ratio, ok, (load, load_after))
    return 0 if ok else 1


def write_results(n_users: int, alone: dict[str, float], many: dict[str, float], ratio: float,
                  ok: bool, load: tuple[float, float]) -> None:
    """Append this run to ``bench/RESULTS.md`` (under its own heading, created once)."""
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    heading = "## Chat UI under load"
    if heading not in text:
        text += (f"\n{heading}\n\n`python bench/ui_load.py --write`: one real `partnerpilot ui` "
                 "(offline backend), users logged in over HTTP and chatting over Chainlit's "
                 "socket (`bench/ui_client.py`), 5 messages each (score, tier check, tier "
                 "review, partner search, portfolio). One user alone, then all users at once, "
                 "in the same run against the same server. Failed turns count as failures and "
                 "are not timed.\n\n| run (UTC) | machine | load (1 min, before/after) | "
                 "1 user p50 / p95 s | users | all users p50 / p95 / max s | failed | p95 ratio "
                 "(limit 3) |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
    machine = f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    row = (f"| {when} | {machine} | {load[0]:.1f} / {load[1]:.1f} | {alone['p50']:.2f} / "
           f"{alone['p95']:.2f} | {n_users} | {many['p50']:.2f} / {many['p95']:.2f} / "
           f"{many['max']:.2f} | {int(alone['failed'] + many['failed'])} | **{ratio:.2f}** "
           f"({'pass' if ok else 'FAIL'}) |\n")
    path.write_text(text.rstrip("\n") + "\n" + row if heading in text else text + row,
                    encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
