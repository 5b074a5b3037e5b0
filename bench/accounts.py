"""Account mapping benchmark: 50,000 of our accounts against 50,000 of a partner's.

    python bench/accounts.py --ours 50000 --theirs 50000 --runs 3 [--write]

Generates two lists with ``knowledge.account_synth.matching_set`` (fixed seed; 40% of our
accounts are on the partner's list as variants: suffixes, punctuation, case, accents,
typos, www/scheme/path, subdomains; 30% of rows without a domain), writes them as CSV and
imports them into a fresh account map (timed once: CSV parse, validation, SQLite write).
Each run then happens in a child process, so its peak memory is its own: open the account
map, read both lists, match and build the overlap matrix with the matched accounts and the
ICP overlap (what ``partnerpilot accounts overlap`` does after resolving the partner).
A run that raises or exits non-zero counts as a failure; only successful runs are timed.
CPU seconds of the child (user + system, start-up included) are reported beside the wall
time, because the build machine is shared and wall time grows with its load. Precision and
recall against the generated truth are reported too. The benchmark set does
not keep invented names apart (``distinct=False``; that check is quadratic), so it holds
near-twin companies one or two letters apart that no name matcher can tell from a typo:
its precision is lower than the quality set's (``tests/test_accounts.py``), by design.
``--write`` appends the row to ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.account_import import import_accounts  # noqa: E402
from knowledge.account_synth import matching_set  # noqa: E402
from knowledge.accounts import OURS, AccountBook  # noqa: E402
from tools.account_match import account_overlap  # noqa: E402
from tools.accounts import Account  # noqa: E402


def _write(path: Path, accounts: list[Account]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["Account ID", "Account Name", "Website", "Type"])
        for a in accounts:
            out.writerow([a.account_id, a.name, a.domain or "", str(a.kind)])


def child(data_dir: Path, truth_file: Path) -> None:
    """One timed run: read both lists from the account map, match, build the matrix."""
    start = time.perf_counter()
    book = AccountBook(data_dir)
    ours, theirs = book.accounts(OURS), book.accounts("P-BENCH")
    loaded = time.perf_counter()
    result = account_overlap(ours, theirs, "P-BENCH", "Bench Partner", limit=None)
    done = time.perf_counter()
    truth = json.loads(truth_file.read_text())
    found = {m.ours_id: m.theirs_id for row in result.rows for m in row.matches}
    right = sum(1 for o, t in found.items() if truth.get(o) == t)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "seconds": done - start, "cpu_s": usage.ru_utime + usage.ru_stime,
        "load_s": loaded - start, "match_s": done - loaded, "rss_mb": usage.ru_maxrss / 1024,
        "precision": right / len(found) if found else 1.0,
        "recall": right / len(truth) if truth else 1.0, "icp": result.icp.provenance}))


def main() -> None:
    """Prepare the lists, import them, run the timed children, print (and write) the row."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ours", type=int, default=50_000)
    parser.add_argument("--theirs", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--child", nargs=2, metavar=("DATA_DIR", "TRUTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return
    folder = Path(tempfile.mkdtemp(prefix="partnerpilot-bench-accounts-"))
    data = matching_set(seed=args.seed, ours=args.ours, theirs=args.theirs, distinct=False)
    _write(folder / "ours.csv", data.ours)
    _write(folder / "theirs.csv", data.theirs)
    (folder / "truth.json").write_text(json.dumps(data.truth))
    book = AccountBook(folder / "data")
    start = time.perf_counter()
    import_accounts(book, folder / "ours.csv", OURS, "ours", max_bytes=None)
    import_accounts(book, folder / "theirs.csv", "P-BENCH", "Bench Partner", max_bytes=None)
    import_s = time.perf_counter() - start
    runs, failures = [], 0
    for _ in range(args.runs):
        proc = subprocess.run([sys.executable, __file__, "--child", str(folder / "data"),
                               str(folder / "truth.json")], capture_output=True, text=True,
                              check=False)
        if proc.returncode != 0:
            failures += 1
            sys.stderr.write(proc.stderr[-2000:])
            continue
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    if not runs:
        sys.exit(f"all {args.runs} runs failed")
    seconds = [r["seconds"] for r in runs]
    row = (f"| {datetime.now(UTC):%Y-%m-%d %H:%M}, load {os.getloadavg()[0]:.1f} | "
           f"{args.ours:,} x {args.theirs:,} | {import_s:.1f} | "
           f"{statistics.median(seconds):.1f} (min {min(seconds):.1f}, max {max(seconds):.1f})"
           f" | {statistics.median(r['cpu_s'] for r in runs):.1f} | "
           f"{statistics.median(r['load_s'] for r in runs):.1f} | "
           f"{statistics.median(r['match_s'] for r in runs):.1f} | "
           f"{max(r['rss_mb'] for r in runs):.0f} | {runs[0]['precision']:.4f} / "
           f"{runs[0]['recall']:.4f} | {len(runs)} ok, {failures} failed |")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {runs[0]['icp']}")
    print(row)
    if args.write:
        with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as handle:
            handle.write(row + "\n")


if __name__ == "__main__":
    main()
