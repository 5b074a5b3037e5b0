"""Today's NumPy embedding path on the store bench's texts, in a process of its own.

    python bench/numpy_path.py N     # prints [rec/s on one thread, rec/s on all cores]

:func:`numpy_child` runs it from ``bench/store.py`` before and after each import, so the
NumPy model never counts in the import's peak RSS.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def numpy_rates(sample: list[str]) -> tuple[float, float]:
    """Today's NumPy path on the bench's texts, rec/s: (one thread, all cores).

    One thread (one BLAS thread, no tokenizer threads) is how the issue's table measured
    "the product NumPy path"; all cores is the same path left to use both. Measured before
    and after the import and averaged, so that the ratios compare figures taken around the
    same moments on a machine whose load changes.
    """
    from knowledge.embeddings import MiniLMEmbedder, one_blas_thread

    model = MiniLMEmbedder(engine="numpy")
    model.embed_many(sample[:16])
    few = sample[: max(64, len(sample) // 4)]
    rates = []
    for pinned in (True, False):
        previous = os.environ.get("TOKENIZERS_PARALLELISM")
        os.environ["TOKENIZERS_PARALLELISM"] = "false" if pinned else "true"
        try:
            with one_blas_thread() if pinned else contextlib.nullcontext():
                start = time.perf_counter()
                model.embed_many(few)
                rates.append(len(few) / (time.perf_counter() - start))
        finally:
            if previous is None:
                os.environ.pop("TOKENIZERS_PARALLELISM", None)
            else:
                os.environ["TOKENIZERS_PARALLELISM"] = previous
    return rates[0], rates[1]


def numpy_child(raw_sample: int) -> tuple[float, float]:
    """:func:`numpy_rates` in a process of its own (its model stays out of the import's RSS)."""
    proc = subprocess.run([sys.executable, __file__, str(raw_sample)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:  # a failed measurement is a failure, not a figure
        raise RuntimeError(f"NumPy rates failed:\n{proc.stderr[-2000:]}")
    one, every = json.loads(proc.stdout.strip().splitlines()[-1])
    return float(one), float(every)


if __name__ == "__main__":
    from knowledge.records import partner_text
    from knowledge.synth import generate_partners

    texts = [partner_text(p) for p in generate_partners(int(sys.argv[1]), seed=5)]
    print(json.dumps(numpy_rates(texts)))
