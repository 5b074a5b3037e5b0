"""Start the real ``partnerpilot ui`` on a free loopback port with its own data dir, and stop it.

Used by the browser tests (one server per test module). The store is built with the real
``partnerpilot index``; its embedding cache is kept between runs in the temp folder (vectors
are keyed by model and text, so reuse is exact), which saves most of the indexing time.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
EMBED_CACHE = Path(tempfile.gettempdir()) / f"partnerpilot-ui-tests-{os.getuid()}" / "embeddings"
USERS = {"alice": "alice-password", "bob": "bob-password"}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(data_dir: Path, users: dict[str, str]) -> dict[str, str]:
    """The environment of the server: offline, no model key, its own data dir and users."""
    env = dict(os.environ)
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_HOST", "PARTNERPILOT_BACKEND",
                "CHAINLIT_AUTH_SECRET", "DATABASE_URL", "LITERAL_API_KEY",
                "CHROMA_AUTH_TOKEN", "PARTNERPILOT_USER", "PARTNERPILOT_ROLES"):
        env.pop(key, None)
    env.update({
        "PARTNERPILOT_DATA_DIR": str(data_dir),
        "PARTNERPILOT_USERS": ",".join(f"{n}:{p}" for n, p in users.items()),
        # the browser tests import partners as any of their users: all are admins here
        "PARTNERPILOT_ROLES": ",".join(f"{n}:admin" for n in users),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
    })
    return env


def build_index(data_dir: Path, env: dict[str, str]) -> None:
    """Run the real ``partnerpilot index`` into ``data_dir``, reusing cached vectors."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cached = EMBED_CACHE / "embeddings.sqlite"
    if cached.is_file():
        shutil.copy2(cached, data_dir / "embeddings.sqlite")
    proc = subprocess.run([str(BIN / "partnerpilot"), "index"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"partnerpilot index failed:\n{proc.stdout}\n{proc.stderr}")
    built = data_dir / "embeddings.sqlite"
    if built.is_file():
        EMBED_CACHE.mkdir(parents=True, exist_ok=True)
        shutil.copy2(built, EMBED_CACHE / "embeddings.tmp")
        os.replace(EMBED_CACHE / "embeddings.tmp", cached)


@dataclass
class UIServer:
    """A running ``partnerpilot ui``."""

    url: str
    data_dir: Path
    proc: subprocess.Popen[bytes]
    log_path: Path
    users: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        """What the server printed so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get_json(self, path: str) -> object:
        """GET a JSON route of the server."""
        with urllib.request.urlopen(self.url + path, timeout=10) as response:
            return json.loads(response.read().decode())

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Wait until the server answers and its agent has loaded.

        Raises:
            RuntimeError: When the process exits or the timeout passes (with its log).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"partnerpilot ui exited {self.proc.returncode}:\n{self.log()}")
            try:
                ready = self.get_json("/partnerpilot/ready")
                if isinstance(ready, dict) and ready.get("agent"):
                    return
            except OSError:
                pass
            time.sleep(1.0)
        raise RuntimeError(f"partnerpilot ui not ready after {timeout}s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the server's process group (it is ours: started with a new session)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)


def start_ui_server(data_dir: Path, users: dict[str, str] | None = None, index: bool = True,
                    extra_args: tuple[str, ...] = ()) -> UIServer:
    """Index a fresh store in ``data_dir`` and start ``partnerpilot ui`` on a free port."""
    users = dict(USERS if users is None else users)
    env = server_env(data_dir, users)
    if index:
        build_index(data_dir, env)
    port = free_port()
    log_path = data_dir / "ui-server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "partnerpilot"), "ui", "--host", "127.0.0.1", "--port", str(port),
             *extra_args],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = UIServer(f"http://127.0.0.1:{port}", data_dir, proc, log_path, users)
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server
