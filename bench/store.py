"""Store benchmark: cold import throughput, peak RSS, re-import, and search latency.

    python bench/store.py --records 10000 100000 [--engine auto|onnx|numpy|bf16]

For each size the parent writes the synthetic CSVs (streamed, ``knowledge.synth``), then a
child process measures, with a fresh data folder and a fresh (cold) embedding cache:
raw = the engine alone on partner texts (records/s through ``embed_many``, the bulk path,
in the same run), and NumPy raw = today's NumPy path on a quarter of the same sample;
import = the first import end to end (CSV parse, validation, scoring, embedding, cache
writes, Chroma writes), its ratio to raw and to NumPy raw; re-import = the same file again
(all unchanged); disk = data folder size; peak RSS = the child's, at the end of the import
and at the end of the run (search loads the in-memory index); query embed = one query
through the one-thread path; then partner search p50/p95/p99 over distinct queries,
including the query embedding, without and with a metadata filter, and Chroma's own
``where`` query for comparison. A size whose child fails ends the run: no figure is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # last: bench/agent.py must not hide the agent package
from numpy_path import numpy_child  # noqa: E402 (bench/, after sys.path)

ADJ = ["trusted", "large", "small", "regional", "global", "specialist", "fast-growing",
       "certified", "experienced", "new"]
WHAT = ["cloud migration", "security", "data analytics", "ERP rollout", "customer experience",
        "identity", "payments", "supply chain", "AI adoption", "compliance"]
WHO = ["banks", "hospitals", "retailers", "factories", "city governments", "insurers",
       "telecom operators", "universities", "energy companies", "logistics firms"]
FILTERS = [{"tier": "gold"}, {"region": "EMEA"}, {"band": "priority"},
           {"partner_type": "gsi"}, {"tier": "platinum", "region": "NA"}]


def queries(n: int) -> list[str]:
    out = [f"{a} {w} partner for {who}" for a in ADJ for w in WHAT for who in WHO]
    rng = np.random.default_rng(7)
    return [out[i] for i in rng.permutation(len(out))[:n]]


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values) * 1000, p))


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def make_files(n: int, work: Path) -> None:
    """The synthetic partner and quarter CSVs, streamed (never all records in memory)."""
    from knowledge.synth import iter_partners, write_csv, write_quarters_csv

    write_csv(iter_partners(n, seed=11), work / "partners.csv")
    write_quarters_csv(iter_partners(n, seed=11), work / "quarters.csv")


class StandIn:
    """The real MiniLM embedder for queries, seeded random unit vectors for bulk work.

    ``--stand-in``: measures the import's memory and the search at a size the machine
    cannot embed in the time there is; the real engine stays loaded (its memory counts)
    and embeds every query. Never quote its import rate as the engine's.
    """

    def __init__(self, real: object) -> None:
        self.real = real
        self.name = real.name  # type: ignore[attr-defined]
        self.dimension = real.dimension  # type: ignore[attr-defined]
        self.family = real.family  # type: ignore[attr-defined]

    def embed(self, texts: list[str]) -> np.ndarray:
        if len(texts) <= 4:
            return self.real.embed(texts)  # type: ignore[attr-defined,no-any-return]
        return self.embed_many(texts)

    def embed_many(self, texts: list[str]) -> np.ndarray:
        import hashlib

        seed = int.from_bytes(hashlib.sha256("".join(texts).encode()).digest()[:8], "little")
        out = np.random.default_rng(seed).normal(size=(len(texts), self.dimension))
        return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def measure(n: int, work: Path, n_queries: int, raw_sample: int, engine: str,
            stand_in: bool = False) -> dict[str, object]:
    """One size in this (child) process: raw rate, cold import, re-import, RSS, search."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import psutil

    from knowledge.embeddings import CachedEmbedder, EmbeddingCache, MiniLMEmbedder
    from knowledge.importer import import_file
    from knowledge.records import partner_text
    from knowledge.settings import Settings
    from knowledge.store import Store
    from knowledge.synth import generate_partners
    from knowledge.tables import Limits

    limits = Limits(max_rows=10 * n)  # the product caps a file at 50,000 rows
    settings = Settings(data_dir=work / "data", embed_engine=engine)  # type: ignore[arg-type]
    model = MiniLMEmbedder(engine=settings.embed_engine, threads=settings.embed_threads,
                           cache_dir=work / "data" / "models")
    sample = [partner_text(p) for p in generate_partners(raw_sample, seed=5)]
    model.embed_many(sample[:64])  # load (and export) the engine outside the timings
    start, cpu0 = time.perf_counter(), time.process_time()
    model.embed_many(sample)
    raw = len(sample) / (time.perf_counter() - start)
    raw_cpu = len(sample) / (time.process_time() - cpu0)
    rss_before = psutil.Process().memory_info().rss / 2**20
    numpy_before = numpy_child(raw_sample) if engine != "numpy" else (0.0, 0.0)

    embed_cache = EmbeddingCache(work / "data" / "embeddings.sqlite")  # cold: a new cache
    bulk: Any = StandIn(model) if stand_in else model
    store = Store.open(settings, embedder=CachedEmbedder(bulk, embed_cache))
    start, cpu0 = time.perf_counter(), time.process_time()
    first_report = import_file(store, work / "partners.csv", history=work / "quarters.csv",
                               max_bytes=None, limits=limits)
    first_s = time.perf_counter() - start
    assert first_report.added == n, first_report
    first = n / first_s
    first_cpu = n / (time.process_time() - cpu0)
    import_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    second = first
    if not stand_in:  # the stand-in run measures memory and search only
        start = time.perf_counter()
        again = import_file(store, work / "partners.csv", history=work / "quarters.csv",
                            max_bytes=None, limits=limits)
        second = n / (time.perf_counter() - start)
        assert again.unchanged == n, again

    store = Store.open(settings, embedder=CachedEmbedder(bulk, embed_cache))
    start = time.perf_counter()
    store.partner_index()
    load_s = time.perf_counter() - start
    qs = queries(n_queries)
    index = store.partner_index()
    if index._basis is None:
        index._fit_projection()
    two_pass = latency(store, qs)
    basis, index._basis = index._basis, None
    exact = latency(store, qs)
    index._basis = basis
    recall = np.mean([len(set(a) & set(b)) / max(len(set(b)), 1)
                      for a, b in zip(two_pass[2], exact[2], strict=True)])
    plain, filtered, _, cpu = exact if n < index.project_from else two_pass
    query_only = []
    for q in qs[:300]:
        t0 = time.perf_counter()
        model.embed([q + " ?"])
        query_only.append(time.perf_counter() - t0)
    chroma = []
    for i, q in enumerate(qs[:100]):
        t0 = time.perf_counter()
        vec = store.embed_query(q + "  ")
        store.partners.query(query_embeddings=[vec], n_results=5,
                             where={"tier": FILTERS[0]["tier"]} if i % 2 else {"region": "EMEA"})
        chroma.append(time.perf_counter() - t0)
        store._queries.clear()
    disk_mb = folder_size(work / "data") / 2**20
    run_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    numpy_after = numpy_child(raw_sample) if engine != "numpy" else (0.0, 0.0)
    numpy_1, numpy_all = ((a + b) / 2 for a, b in zip(numpy_before, numpy_after, strict=True))
    return {
        "records": n, "engine": model.loaded(model.threads).kind + (
            " + stand-in bulk vectors" if stand_in else ""), "threads": model.threads,
        "cached": 0, "raw": raw, "numpy_1": numpy_1, "numpy_all": numpy_all, "import": first,
        "import_s": first_s, "ratio": first / raw,
        "vs_numpy_1": first / numpy_1 if numpy_1 else 0.0,
        "vs_numpy_all": first / numpy_all if numpy_all else 0.0,
        "raw_cpu": raw_cpu, "import_cpu": first_cpu, "cpu_ratio": first_cpu / raw_cpu,
        "reimport": second, "speedup": second / first,
        "disk_mb": disk_mb, "rss_before_mb": rss_before, "import_rss_mb": import_rss,
        "rss_mb": run_rss,
        "index_load_s": load_s, "q50": pct(query_only, 50), "q95": pct(query_only, 95),
        "p50": pct(plain, 50), "p95": pct(plain, 95), "p99": pct(plain, 99),
        "fp50": pct(filtered, 50), "fp95": pct(filtered, 95), "fp99": pct(filtered, 99),
        "chroma_p50": pct(chroma, 50), "chroma_p95": pct(chroma, 95),
        "exact_p95": pct(exact[0], 95), "exact_fp95": pct(exact[1], 95),
        "two_pass_p95": pct(two_pass[0], 95), "two_pass_fp95": pct(two_pass[1], 95),
        "cpu_p50": pct(cpu, 50), "cpu_p95": pct(cpu, 95),
        "recall": float(recall), "mode": "exact" if n < index.project_from else "two-pass",
    }


def latency(store: object, qs: list[str]
            ) -> tuple[list[float], list[float], list[list[str]], list[float]]:
    """Plain and filtered search timings (each with its query embedding) and the hit ids."""
    plain, filtered, ids, cpu = [], [], [], []
    for i, q in enumerate(qs):
        store._queries.clear()  # type: ignore[attr-defined]
        t0, c0 = time.perf_counter(), time.process_time()
        hits = store.search_partners(q, k=5)  # type: ignore[attr-defined]
        plain.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        store._queries.clear()  # type: ignore[attr-defined]
        t0, c0 = time.perf_counter(), time.process_time()
        fhits = store.search_partners(q, k=5, **FILTERS[i % len(FILTERS)])  # type: ignore
        filtered.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        ids.append([h.partner.partner_id for h in hits + fhits])
    return plain, filtered, ids, cpu


def search_only(n: int, cache: Path, n_queries: int) -> dict[str, object]:
    """Search latency at ``n`` rows built from cached real vectors (each tiled with noise).

    A stand-in when the ``n`` records are not embedded yet: the vectors are real MiniLM
    partner vectors from the cache, repeated with small noise to reach ``n`` rows, and the
    queries are really embedded. Label it as such wherever it is quoted.
    """
    import sqlite3

    from knowledge.embeddings import MiniLMEmbedder
    from knowledge.partner_index import PartnerIndex

    rows = sqlite3.connect(cache).execute("SELECT v FROM vectors LIMIT ?", (n,)).fetchall()
    base = np.vstack([np.frombuffer(r[0], dtype=np.float32) for r in rows])
    rng = np.random.default_rng(3)
    reps = -(-n // len(base))
    vectors = np.tile(base, (reps, 1))[:n] + rng.normal(scale=0.02, size=(n, base.shape[1]))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    tiers, regions = ["registered", "silver", "gold", "platinum"], ["NA", "EMEA", "APAC", "LATAM"]
    metas = [{"tier": tiers[i % 4], "region": regions[i % 7 % 4], "partner_type": "gsi",
              "band": "priority" if i % 3 == 0 else "secondary", "industry": "retail",
              "name": f"P{i}", "json": ""} for i in range(n)]
    index = PartnerIndex(base.shape[1])
    index.upsert([f"S-{i}" for i in range(n)], vectors, metas)
    if index._basis is None:
        index._fit_projection()
    model = MiniLMEmbedder()
    model.embed(["warm up"])
    out: dict[str, object] = {"records": n, "distinct_base_vectors": len(base)}
    times = []
    for q in queries(n_queries):
        t0 = time.perf_counter()
        model.embed([q])
        times.append(time.perf_counter() - t0)
    out["query embedding alone"] = (pct(times, 50), pct(times, 95), pct(times, 99))
    hits: dict[str, list[list[int]]] = {}
    for mode in ("two-pass", "exact"):
        basis = index._basis
        if mode == "exact":
            index._basis = None
        for label, filt in (("plain", False), ("filtered", True)):
            times, found = [], []
            for i, q in enumerate(queries(n_queries)):
                t0 = time.perf_counter()
                vec = model.embed([q])[0]
                got = index.search(vec, 5, FILTERS[i % len(FILTERS)] if filt else None)
                times.append(time.perf_counter() - t0)
                found.append([row for row, _ in got])
            out[f"{mode} {label}"] = (pct(times, 50), pct(times, 95), pct(times, 99))
            hits[f"{mode} {label}"] = found
        index._basis = basis
    out["recall"] = float(np.mean([
        len(set(a) & set(b)) / 5 for lab in ("plain", "filtered")
        for a, b in zip(hits[f"two-pass {lab}"], hits[f"exact {lab}"], strict=True)]))
    return out


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB RAM, load average {load:.1f} at "
            f"start, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")


def table(rows: list[dict[str, object]]) -> str:
    head = ("| records | engine (threads) | raw rec/s (per CPU s) | NumPy raw rec/s, 1 thread / "
            "all cores | cold import rec/s (per CPU s; x raw) | x NumPy raw, 1 thread / all "
            "cores | import time | "
            "re-import rec/s (x) | disk MB | peak RSS MB import / run | query embed p50/p95 "
            "ms | search p50/p95/p99 ms | filtered p50/p95/p99 ms | chroma where p50/p95 ms |")
    lines = [head, "| " + " | ".join("---" for _ in range(head.count("|") - 1)) + " |"]
    for r in rows:
        lines.append(
            f"| {r['records']:,} | {r['engine']} ({r['threads']}) | {r['raw']:.1f} "
            f"({r['raw_cpu']:.1f}) | {r['numpy_1']:.1f} / {r['numpy_all']:.1f} | "
            f"{r['import']:.1f} ({r['import_cpu']:.1f}; {r['ratio']:.2f} wall, "
            f"{r['cpu_ratio']:.2f} CPU) | {r['vs_numpy_1']:.2f} / {r['vs_numpy_all']:.2f} | "
            f"{r['import_s'] / 60:.1f} min | {r['reimport']:.0f} "
            f"({r['speedup']:.0f}x) | {r['disk_mb']:.0f} | {r['import_rss_mb']:.0f} / "
            f"{r['rss_mb']:.0f} | {r['q50']:.1f} / {r['q95']:.1f} | "
            f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} | "
            f"{r['fp50']:.1f} / {r['fp95']:.1f} / {r['fp99']:.1f} | "
            f"{r['chroma_p50']:.1f} / {r['chroma_p95']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--raw-sample", type=int, default=512)
    parser.add_argument("--engine", default="auto", choices=["auto", "onnx", "numpy", "bf16"])
    parser.add_argument("--cache", type=Path, default=ROOT / ".partnerpilot" / "bench-cache.sqlite",
                        help="embedding cache of --search-only")
    parser.add_argument("--stand-in", action="store_true",
                        help="bulk vectors from a seeded stand-in (memory and search only)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--search-only", type=int, metavar="N",
                        help="only search latency at N rows tiled from cached vectors")
    args = parser.parse_args()
    if args.search_only:
        print(machine())
        print(json.dumps(search_only(args.search_only, args.cache, args.queries), indent=1))
        return
    if args.one:
        print(json.dumps(measure(args.one, args.work, args.queries, args.raw_sample,
                                 args.engine, args.stand_in)))
        return
    print(machine())
    rows = []
    for n in args.records:
        work = Path(tempfile.mkdtemp(prefix=f"bench-store-{n}-"))
        try:
            make_files(n, work)  # in this process: the child's peak RSS is the import's
            proc = subprocess.run(
                [sys.executable, __file__, "--one", str(n), "--work", str(work), "--queries",
                 str(args.queries), "--raw-sample", str(args.raw_sample), "--engine",
                 args.engine, *(["--stand-in"] if args.stand_in else [])],
                capture_output=True, text=True, check=False)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        if proc.returncode != 0:  # a failed run is a failure, not a figure
            sys.exit(f"size {n} failed:\n{proc.stderr[-3000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"done {n} (load average {os.getloadavg()[0]:.1f})", file=sys.stderr)
    print(table(rows))
    for r in rows:
        print(f"{r['records']:,}: search mode {r['mode']}; p95 plain/filtered ms: exact "
              f"{r['exact_p95']:.1f}/{r['exact_fp95']:.1f}, two-pass "
              f"{r['two_pass_p95']:.1f}/{r['two_pass_fp95']:.1f} (top-5 recall "
              f"vs exact {r['recall']:.3f}); in-memory index loaded from Chroma in "
              f"{r['index_load_s']:.1f} s; RSS before the import {r['rss_before_mb']:.0f} MB")
    print(f"load average at the end {os.getloadavg()[0]:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
