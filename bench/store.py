"""Store benchmark: import throughput, cache speed-up, size, memory and search latency.

    python bench/store.py --records 10000 100000

Each size runs in its own child process (so peak RSS is per size) with a fresh store, and
prints one row of a table. The embedding cache (``--cache``) is shared across runs on
purpose: a 100k first import embeds for about an hour on two cores, so a later run may
reuse cached vectors; the ``cached`` column says how many records were already cached when
the first import started (0 = a truly cold import).

Columns: raw = the model alone embedding partner texts (records/s, measured in the same
run on a sample, through the bare embedder, no cache); import = first import end to end
(CSV parse, validation, scoring, embedding, cache writes, Chroma writes) with its ratio to
raw; re-import = the same file again (everything unchanged) and its speed-up; disk = data
folder size; RSS = peak resident memory of the child; then partner search latency
p50/p95/p99 over distinct queries, including the query embedding, without and with a
metadata filter, and Chroma's own ``where`` query at p50/p95 for comparison.
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

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


def measure(n: int, cache: Path, n_queries: int, raw_sample: int) -> dict[str, object]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.embeddings import CachedEmbedder, EmbeddingCache, MiniLMEmbedder, cache_key
    from knowledge.importer import import_file
    from knowledge.records import partner_text
    from knowledge.settings import Settings
    from knowledge.store import Store
    from knowledge.synth import generate_partners, write_csv, write_quarters_csv

    work = Path(tempfile.mkdtemp(prefix=f"bench-store-{n}-"))
    partners = generate_partners(n, seed=11)
    write_csv(partners, work / "partners.csv")
    write_quarters_csv(partners, work / "quarters.csv")
    texts = [partner_text(p) for p in partners]

    model = MiniLMEmbedder()
    model.embed(texts[:256])  # load the model outside the timings
    sample = texts[:raw_sample]
    start, cpu0 = time.perf_counter(), time.process_time()
    model.embed(sample)
    raw = len(sample) / (time.perf_counter() - start)
    raw_cpu = len(sample) / (time.process_time() - cpu0)

    embed_cache = EmbeddingCache(cache)
    cached = len(embed_cache.get_many([cache_key(model.name, t) for t in texts]))
    settings = Settings(data_dir=work / "data")
    store = Store.open(settings, embedder=CachedEmbedder(model, embed_cache))
    start, cpu0 = time.perf_counter(), time.process_time()
    import_file(store, work / "partners.csv", history=work / "quarters.csv", max_bytes=None)
    first = n / (time.perf_counter() - start)
    first_cpu = n / (time.process_time() - cpu0)
    start = time.perf_counter()
    again = import_file(store, work / "partners.csv", history=work / "quarters.csv",
                        max_bytes=None)
    second = n / (time.perf_counter() - start)
    assert again.unchanged == n, again

    store = Store.open(settings, embedder=CachedEmbedder(model, embed_cache))
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
    chroma = []
    for i, q in enumerate(qs[:100]):
        t0 = time.perf_counter()
        vec = store.embed_query(q + "  ")
        store.partners.query(query_embeddings=[vec], n_results=5,
                             where={"tier": FILTERS[0]["tier"]} if i % 2 else {"region": "EMEA"})
        chroma.append(time.perf_counter() - t0)
        store._queries.clear()
    disk_mb = folder_size(work / "data") / 2**20
    shutil.rmtree(work, ignore_errors=True)
    return {
        "records": n, "cached": cached, "raw": raw, "import": first, "ratio": first / raw,
        "raw_cpu": raw_cpu, "import_cpu": first_cpu, "cpu_ratio": first_cpu / raw_cpu,
        "reimport": second, "speedup": second / first,
        "disk_mb": disk_mb,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "index_load_s": load_s,
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
    head = ("| records | cached | raw rec/s (per CPU s) | import rec/s (per CPU s; x raw) | "
            "re-import rec/s (x) | disk MB | peak RSS MB | p50/p95/p99 ms | "
            "filtered p50/p95/p99 ms | CPU ms/query p50/p95 | chroma where p50/p95 ms |")
    lines = [head, "| " + " | ".join("---" for _ in range(head.count("|") - 1)) + " |"]
    for r in rows:
        lines.append(
            f"| {r['records']:,} | {r['cached']:,} | {r['raw']:.1f} ({r['raw_cpu']:.1f}) | "
            f"{r['import']:.1f} ({r['import_cpu']:.1f}; {r['ratio']:.2f} wall, "
            f"{r['cpu_ratio']:.2f} CPU) | {r['reimport']:.0f} ({r['speedup']:.0f}x) | "
            f"{r['disk_mb']:.0f} | {r['rss_mb']:.0f} | {r['p50']:.1f} / {r['p95']:.1f} / "
            f"{r['p99']:.1f} | {r['fp50']:.1f} / {r['fp95']:.1f} / {r['fp99']:.1f} | "
            f"{r['cpu_p50']:.1f} / {r['cpu_p95']:.1f} | "
            f"{r['chroma_p50']:.1f} / {r['chroma_p95']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, nargs="+", default=[10000])
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--raw-sample", type=int, default=1000)  # >= 256: the torch path
    parser.add_argument("--cache", type=Path, default=ROOT / ".partnerpilot" / "bench-cache.sqlite")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--search-only", type=int, metavar="N",
                        help="only search latency at N rows tiled from cached vectors")
    args = parser.parse_args()
    if args.search_only:
        print(machine())
        print(json.dumps(search_only(args.search_only, args.cache, args.queries), indent=1))
        return
    if args.one:
        print(json.dumps(measure(args.one, args.cache, args.queries, args.raw_sample)))
        return
    print(machine())
    rows = []
    for n in args.records:
        proc = subprocess.run(
            [sys.executable, __file__, "--one", str(n), "--queries", str(args.queries),
             "--raw-sample", str(args.raw_sample), "--cache", str(args.cache)],
            capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.exit(f"size {n} failed:\n{proc.stderr[-3000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"done {n}", file=sys.stderr)
    print(table(rows))
    for r in rows:
        print(f"{r['records']:,}: search mode {r['mode']}; p95 plain/filtered ms: exact "
              f"{r['exact_p95']:.1f}/{r['exact_fp95']:.1f}, two-pass {r['two_pass_p95']:.1f}/"
              f"{r['two_pass_fp95']:.1f} (top-5 recall vs exact {r['recall']:.3f}); in-memory "
              f"index loaded from Chroma in {r['index_load_s']:.1f} s")


if __name__ == "__main__":
    main()
