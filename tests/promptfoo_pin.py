"""promptfoo as ``tests/data/promptfoo/package-lock.json`` pins it, installed with ``npm ci``
into ``~/.cache/partnerpilot/promptfoo-<hash>`` once (the hash of the lock and the recipe);
later runs reuse it.

The install is what a fresh machine pays for (measured 2026-12-02: 110 s as a plain
``npm ci``, 45 s as below). The optional packages are other providers (AWS, Azure, Anthropic,
Playwright, ...) that the exported config never loads. The one native module it needs,
better-sqlite3 (promptfoo's result store), has no prebuilt binary reachable from here and is
compiled from source at -O0 (24 s instead of 70 s; the test never leans on SQLite's speed).

:func:`install_in_background` starts that install when a session begins, at low priority, so
the download and the compile overlap the tests that run first; :func:`promptfoo_bin` waits
for it (one lock file), or installs by itself.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
from pathlib import Path

from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
PINNED = ROOT / "tests" / "data" / "promptfoo"
NPM_CI = ["npm", "ci", "--no-audit", "--no-fund", "--omit=optional", "--ignore-scripts"]
NPM_REBUILD = ["npm", "rebuild", "better-sqlite3"]
LOW_PRIORITY = ["nice", "-n", "10"]


def promptfoo_bin() -> Path:
    """promptfoo from the pinned lock, installed once into the cache folder."""
    # a machine without Node fails here, never skips: the README promises this check
    assert shutil.which("npm") and shutil.which("node"), "Node.js and npm are not installed"
    files = [PINNED / "package.json", PINNED / "package-lock.json"]
    recipe = " ".join(NPM_CI + NPM_REBUILD).encode()
    digest = hashlib.sha256(recipe + b"".join(p.read_bytes() for p in files)).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "partnerpilot"
    target = cache / f"promptfoo-{digest}"
    binary = target / "node_modules" / ".bin" / "promptfoo"
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache / f"promptfoo-{digest}.lock")):
        if not binary.exists():
            staging = cache / f"promptfoo-{digest}.partial"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            for path in files:
                shutil.copy2(path, staging / path.name)
            unoptimised = {**os.environ, "CFLAGS": "-O0", "CXXFLAGS": "-O0"}
            for command, env in ((NPM_CI, os.environ), (NPM_REBUILD, unoptimised)):
                proc = subprocess.run([*LOW_PRIORITY, *command], cwd=staging, env=env,
                                      capture_output=True, text=True, timeout=3600)
                assert proc.returncode == 0, proc.stderr[-3000:]
            os.replace(staging, target)
        # promptfoo 0.120.0 looks for its migrations in the package root, not dist/
        link = target / "node_modules" / "promptfoo" / "drizzle"
        if not link.exists():
            link.symlink_to("dist/drizzle")
    return binary


def _quietly() -> None:
    try:
        promptfoo_bin()
    except Exception:  # noqa: BLE001 (the test installs again and reports what failed)
        pass


def install_in_background() -> None:
    """Start :func:`promptfoo_bin` on a daemon thread (a no-op once it is installed)."""
    threading.Thread(target=_quietly, name="promptfoo-install", daemon=True).start()
