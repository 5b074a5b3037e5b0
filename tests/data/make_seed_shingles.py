"""Regenerate tests/data/seed_shingles.txt from the framework's source documents.

The file holds the sha1 of every normalised 12-word window of the seed texts, one per line,
so the verbatim-copy test can run where the seeds themselves are not available.

Usage: .venv/bin/python tests/data/make_seed_shingles.py [SEEDS_DIR]
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

WINDOW = 12
HERE = Path(__file__).resolve().parent
DEFAULT_SEEDS = HERE.parents[1].parent / "shared" / "seeds"
OUTPUT = HERE / "seed_shingles.txt"
_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> list[str]:
    """Lower-case word tokens: letters and digits only, punctuation and markup dropped."""
    return _WORD.findall(text.lower())


def shingles(text: str, window: int = WINDOW) -> Iterator[tuple[str, str]]:
    """Yield (window text, sha1 hex) for every run of ``window`` consecutive words."""
    tokens = words(text)
    for start in range(len(tokens) - window + 1):
        joined = " ".join(tokens[start : start + window])
        yield joined, hashlib.sha1(joined.encode()).hexdigest()


def fingerprint(texts: Iterable[str]) -> set[str]:
    """The set of shingle hashes over all texts."""
    return {digest for text in texts for _, digest in shingles(text)}


def main(argv: list[str]) -> int:
    seeds = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEEDS
    files = sorted(seeds.glob("*.txt"))
    if not files:
        print(f"no seed files in {seeds}", file=sys.stderr)
        return 2
    digests = fingerprint(p.read_text(encoding="utf-8") for p in files)
    OUTPUT.write_text("".join(f"{d}\n" for d in sorted(digests)), encoding="utf-8")
    print(f"{len(digests)} shingles from {len(files)} files -> {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
