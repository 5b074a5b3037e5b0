"""Served vs in-process: what ``partnerpilot serve`` adds to an offline turn, and 20 streams.

Usage::

    .venv/bin/python bench/serve.py                      # 3 rounds, 30 questions
    .venv/bin/python bench/serve.py --rounds 5 --questions 40 --write

The questions are the first single-turn cases of the ``tools`` and ``grounded`` eval suites.
The store is ``PARTNERPILOT_DATA_DIR`` (indexed first when empty); the server runs on a copy
of it, on a free loopback port, started as a real ``partnerpilot serve`` process.

Per question and round, the same question is answered in-process (``Agent.run``, fresh
session) and then over HTTP (the ``openai`` client, non-streaming), interleaved so that load
changes hit both alike; one warm-up pass of each comes first. A failed run (an error event, an
HTTP error) counts as a failure and is not timed. Then 20 streaming requests are sent at once
and every one must finish with ``[DONE]`` and the expected text.

Target: served p50 no more than 20% above in-process p50. ``--write`` appends the result to
``bench/RESULTS.md`` with the machine, load and date.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import openai
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from agent.core import Agent  # noqa: E402
from agent.session import Session  # noqa: E402
from knowledge.indexing import ensure_index  # noqa: E402
from knowledge.settings import Settings  # noqa: E402
from knowledge.store import Store  # noqa: E402

MODEL = "partnerpilot-offline"
STREAMS = 20
STREAM_QUESTION = ("Score a prospect: ICP overlap 82, market influence 68, practice alignment "
                   "74, partnership appetite 55, revenue potential 61.")


def questions(limit: int) -> list[str]:
    """Single-turn eval questions (tools, then grounded)."""
    found: list[str] = []
    for suite in ("tools", "grounded"):
        data = yaml.safe_load((ROOT / "evals" / "datasets" / f"{suite}.yaml").read_text("utf-8"))
        found.extend(c["message"] for c in data["cases"] if "message" in c)
    return found[:limit]


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``partnerpilot serve`` on a copy of the store; waits for /healthz."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTNERPILOT_API_KEYS")}
    env["PARTNERPILOT_DATA_DIR"] = str(data_dir)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "partnerpilot"), "serve",
                             "--port", str(port)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"partnerpilot serve exited {proc.returncode}")
        try:
            urllib.request.urlopen(url + "/healthz", timeout=5).close()
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("partnerpilot serve did not come up")


def timed_local(agent: Agent, question: str) -> float | None:
    """Seconds for one in-process turn, or None when it failed."""
    start = time.perf_counter()
    result = agent.run(question, Session())
    elapsed = time.perf_counter() - start
    return None if result.error is not None or not result.answer else elapsed


def timed_served(api: openai.OpenAI, question: str) -> float | None:
    """Seconds for one served turn, or None when it failed."""
    start = time.perf_counter()
    try:
        response = api.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": question}])
    except openai.OpenAIError:
        return None
    elapsed = time.perf_counter() - start
    return elapsed if response.choices[0].message.content else None


def streams(url: str) -> tuple[int, int, float]:
    """20 concurrent streams: (finished with the expected text, failed, wall seconds)."""
    api = openai.OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0, timeout=600)

    def one(_: int) -> bool:
        try:
            chunks = api.chat.completions.create(
                model=MODEL, stream=True, messages=[{"role": "user", "content": STREAM_QUESTION}])
            return "70.8" in "".join(c.choices[0].delta.content or "" for c in chunks
                                     if c.choices)
        except openai.OpenAIError:
            return False

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=STREAMS) as pool:
        results = list(pool.map(one, range(STREAMS)))
    return sum(results), STREAMS - sum(results), time.perf_counter() - start


def p50(values: list[float]) -> float:
    """The median, in seconds."""
    return statistics.median(values) if values else float("nan")


def main() -> None:
    """Run the bench and print (and with --write, append) the result table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    settings = Settings(backend="offline")
    store = Store.open(settings)
    ensure_index(store)
    agent = Agent.from_settings(settings, store=store)
    work = Path(tempfile.mkdtemp(prefix="pp-bench-serve-"))
    served_dir = work / "data"
    shutil.copytree(Path(settings.data_dir), served_dir,
                    ignore=shutil.ignore_patterns("*.lock", "api-documents", "documents"))
    proc, url = start_server(served_dir)
    api = openai.OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0, timeout=600)
    asked = questions(args.questions)
    local: list[float] = []
    served: list[float] = []
    failures = {"in-process": 0, "served": 0}
    try:
        for question in asked:  # warm-up: models, caches, connections
            timed_local(agent, question)
            timed_served(api, question)
        for _ in range(args.rounds):
            for question in asked:
                for name, got, sink in (("in-process", timed_local(agent, question), local),
                                        ("served", timed_served(api, question), served)):
                    if got is None:
                        failures[name] += 1
                    else:
                        sink.append(got)
        ok, failed, wall = streams(url)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    added = (p50(served) / p50(local) - 1) * 100
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        f"### partnerpilot serve vs Agent.run ({stamp})", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load:.1f} at the end. "
        f"{len(asked)} questions x {args.rounds} rounds, interleaved, after one warm-up pass; "
        "`python bench/serve.py`.", "",
        "| path | ok | failed | p50 ms | p95 ms |", "| --- | --- | --- | --- | --- |",
    ]
    for name, values in (("in-process `Agent.run`", local), ("served (openai client, HTTP)",
                                                               served)):
        key = "in-process" if name.startswith("in") else "served"
        p95 = statistics.quantiles(values, n=20)[-1] if len(values) > 1 else float("nan")
        lines.append(f"| {name} | {len(values)} | {failures[key]} | {p50(values) * 1000:.1f} | "
                     f"{p95 * 1000:.1f} |")
    verdict = "met" if added <= 20 else "**missed**"
    lines += ["", f"Added latency at p50: {added:+.1f}% (target <= 20%: {verdict}). "
              f"{STREAMS} concurrent streams: {ok} finished, {failed} failed, {wall:.1f} s wall.",
              ""]
    text = "\n".join(lines)
    print(text)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
