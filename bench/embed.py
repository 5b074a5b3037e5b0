"""Embedding engines side by side: texts/s, query latency, and ranking agreement.

    python bench/embed.py [--texts 2000] [--queries 300] [--synthetic 10000]

Every engine of :mod:`knowledge.engines` embeds the same partner-like texts (synthetic
partners' embedding texts, about 96 tokens) and the same distinct queries, all in one run.
Columns: texts/s (wall, and per CPU second, which a busy shared machine distorts less),
query p50/p95 (one query, one thread), the lowest cosine to the shipped reference vectors,
and top-5 agreement with the fp32 reference (sentence-transformers on torch fp32, the
product's own vectors): for each query, the share of the reference's top 5 that the
engine's top 5 also holds, over the 72 sample partners and over ``--synthetic`` synthetic
records. An engine that fails (or that this CPU lacks) is reported as failed, not timed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from store import machine, pct, queries  # noqa: E402 (bench helpers, after sys.path)

ENGINES = [("numpy", 1), ("onnx", 1), ("onnx", 2), ("bf16", 1), ("bf16", 2)]


def top5(docs: np.ndarray, qs: np.ndarray) -> np.ndarray:
    return np.argsort(-(qs @ docs.T), axis=1)[:, :5]


def agreement(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / 5 for a, b in zip(ours, ref, strict=True)]))


def reference_vectors(texts: list[str]) -> np.ndarray:
    from knowledge.engines import load_sentence_transformer

    model = load_sentence_transformer()
    out = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True,
                       show_progress_bar=False)
    return np.asarray(out, dtype=np.float32)


def run_engine(kind: str, threads: int, texts: list[str], qs: list[str],
               corpora: dict[str, tuple[list[str], np.ndarray, np.ndarray]]) -> dict[str, Any]:
    from knowledge.embeddings import one_blas_thread
    from knowledge.engines import check_engine, load_engine

    engine = load_engine(kind, threads)  # type: ignore[arg-type]
    if engine.kind != kind:
        raise RuntimeError(f"fell back to {engine.kind}")
    cosine = check_engine(engine)
    engine.encode(texts[:32])
    start, cpu0 = time.perf_counter(), time.process_time()
    engine.encode(texts)
    wall = len(texts) / (time.perf_counter() - start)
    cpu = len(texts) / (time.process_time() - cpu0)
    times = []
    with one_blas_thread():
        for q in qs:
            t0 = time.perf_counter()
            engine.encode([q])
            times.append(time.perf_counter() - t0)
    out: dict[str, Any] = {"engine": f"{kind}, {threads} thread(s)", "texts_s": wall,
                           "texts_cpu_s": cpu, "q50": pct(times, 50), "q95": pct(times, 95),
                           "cosine": cosine}
    query_vectors = engine.encode(qs)
    for name, (docs, ref_docs, ref_qs) in corpora.items():
        ours = engine.encode(docs)
        out[name] = agreement(top5(ours, query_vectors), top5(ref_docs, ref_qs))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--synthetic", type=int, default=10000)
    parser.add_argument("--engines", nargs="+", metavar="KIND:THREADS",
                        default=[f"{kind}:{threads}" for kind, threads in ENGINES],
                        help="engines to run (default: all), e.g. onnx:2 bf16:2")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.records import partner_text
    from knowledge.sample import load_sample_partners
    from knowledge.synth import generate_partners

    print(machine())
    texts = [partner_text(p) for p in generate_partners(args.texts, seed=5)]
    qs = queries(args.queries)
    sample = [partner_text(p) for p in load_sample_partners()]
    synthetic = [partner_text(p) for p in generate_partners(args.synthetic, seed=23)]
    ref_qs = reference_vectors(qs)
    corpora = {"sample": (sample, reference_vectors(sample), ref_qs),
               "synthetic": (synthetic, reference_vectors(synthetic), ref_qs)}
    print(f"| engine | texts/s (per CPU s) | query p50 / p95 ms | reference cosine | "
          f"top-5 agreement: {len(sample)} sample partners | {len(synthetic):,} synthetic |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind, threads in [(e.split(":")[0], int(e.split(":")[1])) for e in args.engines]:
        try:
            r = run_engine(kind, threads, texts, qs, corpora)
        except Exception as exc:  # a failed engine is reported, not timed
            print(f"| {kind}, {threads} thread(s) | failed: {' '.join(str(exc).split())[:120]}"
                  " | | | | |", flush=True)
            continue
        print(f"| {r['engine']} | {r['texts_s']:.1f} ({r['texts_cpu_s']:.1f}) | "
              f"{r['q50']:.1f} / {r['q95']:.1f} | {r['cosine']:.5f} | {r['sample']:.3f} | "
              f"{r['synthetic']:.3f} |", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
