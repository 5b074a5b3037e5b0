"""A real Chroma server on loopback for server-mode tests (``chroma run`` from the venv).

Import the fixture into a test module: ``from tests.chroma_server import chroma_server``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMA = Path(sys.executable).parent / "chroma"


@dataclass
class ChromaServer:
    """Where the server listens."""

    host: str
    port: int
    path: Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _alive(port: int) -> bool:
    for route in ("/api/v2/heartbeat", "/api/v1/heartbeat"):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{route}", timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            continue
    return False


def start_server(path: Path, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``chroma run`` on a free loopback port and wait for its heartbeat."""
    port = free_port()
    env = dict(os.environ, ANONYMIZED_TELEMETRY="False")
    log = open(path.parent / f"chroma-{port}.log", "wb")  # noqa: SIM115 - closed with process
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    proc._log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        if _alive(port):
            return proc, port
        time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("chroma run did not answer its heartbeat in time")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server (kill it if it does not stop) and close its log."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    log = getattr(proc, "_log", None)
    if log is not None:
        log.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One real Chroma server for the session, stopped at the end."""
    path = tmp_path_factory.mktemp("chroma-server") / "db"
    path.mkdir()
    proc, port = start_server(path)
    try:
        yield ChromaServer("127.0.0.1", port, path)
    finally:
        stop_server(proc)


@dataclass
class TokenChroma:
    """``chroma run`` behind ``partnerpilot chroma-proxy``: clients need ``token``."""

    host: str
    port: int
    token: str
    upstream: ChromaServer


def start_proxy(upstream_port: int, token: str, log_dir: Path,
                timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], int]:
    """Start the real ``partnerpilot chroma-proxy`` on a free port in front of ``upstream``."""
    port = free_port()
    env = dict(os.environ, CHROMA_AUTH_TOKEN=token, ANONYMIZED_TELEMETRY="False")
    log = open(log_dir / f"proxy-{port}.log", "wb")  # noqa: SIM115 - closed with process
    proc = subprocess.Popen(
        [str(CHROMA.parent / "partnerpilot"), "chroma-proxy", "--upstream",
         f"http://127.0.0.1:{upstream_port}", "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    proc._log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            raise RuntimeError(f"chroma-proxy exited with {proc.returncode}")
        try:  # any HTTP answer (401 without the token) means it listens
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
            return proc, port
        except urllib.error.HTTPError:
            return proc, port
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("chroma-proxy did not answer in time")


@pytest.fixture(scope="session")
def chroma_token_server(chroma_server: ChromaServer,
                        tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenChroma]:
    """The session's Chroma server behind the token proxy (one proxy per session)."""
    token = "test-token-" + os.urandom(12).hex()
    proc, port = start_proxy(chroma_server.port, token, tmp_path_factory.mktemp("proxy"))
    try:
        yield TokenChroma("127.0.0.1", port, token, chroma_server)
    finally:
        stop_server(proc)
