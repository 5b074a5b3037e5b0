"""Served vs in-process: what ``partnerpilot serve`` adds to an offline turn, and 20 streams.

Usage::

    .venv/bin/python bench/serve.py                      # 3 rounds, 30 questions
    .venv/bin/python bench/serve.py --rounds 5 --questions 40 --write

The questions are single-turn cases taken in turn from the ``tools`` and ``grounded`` eval
suites (half tool calls, half framework look-ups). The store is ``PARTNERPILOT_DATA_DIR``
(indexed first when empty); the server runs on a copy of it, on a free loopback port,
started as a real ``partnerpilot serve`` process.

Per question and round, the same question is answered in-process (``Agent.run``, fresh
session), then over HTTP with the ``openai`` client (non-streaming, as users call it) and
with a bare keep-alive ``http.client`` POST (the server's cost without a client library's),
then against a hello-world uvicorn app with both clients (the floor of HTTP and of the
client on this machine), interleaved so that load changes hit every path alike; one warm-up
pass of each comes first. A failed run (an error event, an HTTP error) counts as a failure
and is not timed. Then 20 streaming requests are sent at once
and every one must finish with ``[DONE]`` and the expected text.

Target: served p50 no more than 20% above in-process p50. ``--write`` appends the result to
``bench/RESULTS.md`` with the machine, load and date.
"""

from __future__ import annotations

import argparse
import http.client
import json
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


def questions(limit: int) -> list[tuple[str, str]]:
    """Single-turn eval questions, (suite, message), taken in turn from ``tools`` and ``grounded``.

    Alternating keeps the mix fixed whatever ``limit`` is: half tool calls (score, tier,
    draft...), half framework look-ups (retrieval and citations).
    """
    suites = []
    for suite in ("tools", "grounded"):
        data = yaml.safe_load((ROOT / "evals" / "datasets" / f"{suite}.yaml").read_text("utf-8"))
        suites.append([(suite, c["message"]) for c in data["cases"] if "message" in c])
    mixed = [case for pair in zip(*suites, strict=False) for case in pair]
    return mixed[:limit]


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, code: Path | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``partnerpilot serve`` on a copy of the store (from the source tree ``code`` when
    given, e.g. ``git archive main``); waits for /healthz."""
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "PARTNERPILOT_API_KEYS")}
    env["PARTNERPILOT_DATA_DIR"] = str(data_dir)
    if code is not None:
        env["PYTHONPATH"] = str(code.resolve())
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
    """Seconds for one served turn through the ``openai`` client, or None when it failed."""
    start = time.perf_counter()
    try:
        response = api.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": question}])
    except openai.OpenAIError:
        return None
    elapsed = time.perf_counter() - start
    return elapsed if response.choices[0].message.content else None


def timed_raw(conn: http.client.HTTPConnection, question: str) -> float | None:
    """Seconds for one served turn as a bare keep-alive POST (no client library), or None."""
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": question}]})
    start = time.perf_counter()
    try:
        conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        return None
    elapsed = time.perf_counter() - start
    if response.status != 200:
        return None
    return elapsed if json.loads(data)["choices"][0]["message"]["content"] else None


#: The floor: a bare uvicorn app (same loop and HTTP parser) answering a fixed completion.
HELLO = """
import sys, uvicorn
BODY = (b'{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[{"index":0,'
        b'"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}]}')
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def start_hello() -> tuple[subprocess.Popen[bytes], int]:
    """The hello-world uvicorn server on a free port; waits until it answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", HELLO, str(port)], start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the hello-world server did not come up")


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


def p95(values: list[float]) -> float:
    """The 95th percentile, in seconds."""
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else float("nan")


PATHS = (
    ("in-process", "in-process `Agent.run`"),
    ("served", "served, `openai` client"),
    ("served-raw", "served, bare keep-alive POST (`http.client`)"),
    ("baseline", "served by the `--baseline` code, `openai` client"),
    ("baseline-raw", "served by the `--baseline` code, bare POST"),
    ("hello", "floor: hello-world uvicorn, `openai` client"),
    ("hello-raw", "floor: hello-world uvicorn, bare POST"),
)


def cpu_seconds(pid: int | None) -> float:
    """CPU seconds of every thread of process ``pid`` so far (0 for None).

    Summed from ``/proc/PID/task/*/schedstat`` (nanoseconds the scheduler ran each thread),
    not ``/proc/PID/stat`` (whole clock ticks, 10 ms, when a turn costs about 20).
    """
    if pid is None:
        return 0.0
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):  # a thread that ended meanwhile
            continue
    return total / 1e9


def table(asked: list[tuple[str, str]], rounds: int, times: dict[str, list[tuple[str, float]]],
          failures: dict[str, int], loads: tuple[str, str],
          cpu: dict[str, tuple[float, float]]) -> list[str]:
    """The Markdown result: one row per path, p50 by suite, and the two added-latency ratios."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### partnerpilot serve vs Agent.run ({stamp})", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average (1, 5, 15 min) {loads[0]} before, "
        f"{loads[1]} after. {len(asked)} questions (alternately from the `tools` and "
        f"`grounded` eval suites) x {rounds} rounds, every path in turn per question, after one "
        "warm-up pass; `python bench/serve.py`. Failed runs are counted and not timed.", "",
        "| path | ok | failed | p50 ms | p95 ms | p50 ms tools | p50 ms grounded "
        "| CPU ms/turn, caller | CPU ms/turn, server |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, label in PATHS:
        if key not in times:
            continue
        got = times[key]
        every = [t for _, t in got]
        per = [p50([t for s, t in got if s == suite]) * 1000 for suite in ("tools", "grounded")]
        lines.append(f"| {label} | {len(every)} | {failures[key]} | {p50(every) * 1000:.2f} | "
                     f"{p95(every) * 1000:.2f} | {per[0]:.2f} | {per[1]:.2f} | "
                     f"{cpu[key][0] * 1000:.2f} | {cpu[key][1] * 1000:.2f} |")
    def added(key: str, suite: str | None = None) -> float:
        def mid(k: str) -> float:
            return p50([t for s, t in times[k] if suite is None or s == suite])
        return (mid(key) / mid("in-process") - 1) * 100

    for key, what in (("served", "with the `openai` client"),
                      ("served-raw", "with a bare POST (server cost only)"),
                      ("baseline", "by the baseline code, `openai` client"),
                      ("baseline-raw", "by the baseline code, bare POST")):
        if key not in times:
            continue
        verdict = "met" if added(key) <= 20 else "**missed**"
        lines.append(f"\nAdded latency at p50 {what}: {added(key):+.1f}% (target <= 20%: "
                     f"{verdict}); tools only {added(key, 'tools'):+.1f}%, grounded only "
                     f"{added(key, 'grounded'):+.1f}%.")
    local = p50([t for _, t in times["in-process"]])
    tools = p50([t for s, t in times["in-process"] if s == "tools"])
    floor = p50([t for _, t in times["hello"]])
    lines.append(f"\nThe `openai` client's floor alone (hello-world server) is "
                 f"{floor / local * 100:.0f}% of the in-process p50 ({floor / tools * 100:.0f}% "
                 "of the tools-only p50).")
    return lines


def load_text() -> str:
    """``os.getloadavg()`` as text."""
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    """Run the bench and print (and with --write, append) the result table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--baseline", type=Path, help="also serve from this source tree "
                        "(e.g. `git archive main`), interleaved, for a before/after")
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
    hello, hello_port = start_hello()
    running = [proc, hello]
    if args.baseline is not None:
        base_dir = work / "baseline-data"
        shutil.copytree(served_dir, base_dir)
        base_proc, base_url = start_server(base_dir, args.baseline)
        running.append(base_proc)
    api = openai.OpenAI(base_url=url + "/v1", api_key="bench", max_retries=0, timeout=600)
    hello_api = openai.OpenAI(base_url=f"http://127.0.0.1:{hello_port}/v1", api_key="bench",
                              max_retries=0, timeout=60)
    conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1]), timeout=600)
    hello_conn = http.client.HTTPConnection("127.0.0.1", hello_port, timeout=60)
    paths = {"in-process": lambda q: timed_local(agent, q),
             "served": lambda q: timed_served(api, q),
             "served-raw": lambda q: timed_raw(conn, q),
             "hello": lambda q: timed_served(hello_api, q),
             "hello-raw": lambda q: timed_raw(hello_conn, q)}
    if args.baseline is not None:
        base_api = openai.OpenAI(base_url=base_url + "/v1", api_key="bench", max_retries=0,
                                 timeout=600)
        base_conn = http.client.HTTPConnection("127.0.0.1", int(base_url.rsplit(":", 1)[1]),
                                               timeout=600)
        paths["baseline"] = lambda q: timed_served(base_api, q)
        paths["baseline-raw"] = lambda q: timed_raw(base_conn, q)
    asked = questions(args.questions)
    times: dict[str, list[tuple[str, float]]] = {k: [] for k in paths}
    failures = dict.fromkeys(paths, 0)
    servers = {"served": proc.pid, "served-raw": proc.pid, "hello": hello.pid,
               "hello-raw": hello.pid}
    if args.baseline is not None:
        servers.update(baseline=base_proc.pid, **{"baseline-raw": base_proc.pid})
    cpu = {k: [0.0, 0.0] for k in paths}  # CPU seconds: this process, the server process
    before = load_text()
    try:
        for _, question in asked:  # warm-up: models, caches, connections
            for run in paths.values():
                run(question)
        for _ in range(args.rounds):
            for suite, question in asked:
                for key, run in paths.items():
                    server = servers.get(key)
                    used, own = cpu_seconds(server), time.process_time()
                    got = run(question)
                    cpu[key][0] += time.process_time() - own
                    cpu[key][1] += cpu_seconds(server) - used
                    if got is None:
                        failures[key] += 1
                    else:
                        times[key].append((suite, got))
        ok, failed, wall = streams(url)
    finally:
        for started in running:
            started.terminate()
            started.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    lines = table(asked, args.rounds, times, failures, (before, load_text()),
                  {k: (a / args.rounds / len(asked), b / args.rounds / len(asked))
                   for k, (a, b) in cpu.items()})
    lines += [f"{STREAMS} concurrent streams: {ok} finished, {failed} failed, {wall:.1f} s wall.",
              ""]
    text = "\n".join(lines)
    print(text)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)


if __name__ == "__main__":
    main()
