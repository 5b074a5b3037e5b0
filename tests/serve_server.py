"""Start the real ``partnerpilot serve`` / ``partnerpilot mcp --http`` on a free loopback port.

One process per test module: the data folder is a copy of the session's indexed store
(``tests/conftest.py``'s ``indexed_dir``), so the server only checks the index at start.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ui_server import BIN, ROOT, free_port


def serve_env(data_dir: Path, api_keys: str | None = None) -> dict[str, str]:
    """Offline, no model key, its own data folder; ``api_keys`` as PARTNERPILOT_API_KEYS."""
    env = dict(os.environ)
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "PARTNERPILOT_BACKEND",
                "PARTNERPILOT_API_KEYS", "PARTNERPILOT_GGUF"):
        env.pop(key, None)
    env.update({"PARTNERPILOT_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"})
    if api_keys is not None:
        env["PARTNERPILOT_API_KEYS"] = api_keys
    return env


def copy_store(indexed_dir: Path, target: Path) -> Path:
    """A private copy of the indexed data folder."""
    shutil.copytree(indexed_dir, target)
    return target


@dataclass
class Running:
    """A running server process and where it listens."""

    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """What the process printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_http(self, path: str, timeout: float = 300.0) -> None:
        """Wait until ``GET path`` answers (any status) or fail with the log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + path, timeout=5).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"server not up after {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the process group we started (SIGINT first, as Ctrl-C would)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start(args: list[str], env: dict[str, str], log_path: Path, ready_path: str) -> Running:
    """Start ``partnerpilot ARGS --port N`` on a free port and wait for ``ready_path``."""
    port = free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen([str(BIN / "partnerpilot"), *args, "--port", str(port)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    running = Running(f"http://127.0.0.1:{port}", proc, log_path)
    try:
        running.wait_http(ready_path)
    except BaseException:
        running.stop()
        raise
    return running
