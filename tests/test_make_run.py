"""`make run` (the README's first command) really sets up, indexes and serves the chat UI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.server
def test_make_run_indexes_and_serves_the_ui(tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, PARTNERPILOT_DATA_DIR=str(tmp_path / "data"))
    log = (tmp_path / "make-run.log").open("w")
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=env,
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        body = ""
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    body = resp.read().decode("utf-8", "replace")
                    break
            except OSError:
                time.sleep(0.25)
        output = (tmp_path / "make-run.log").read_text()
        assert body, f"the UI never answered on port {port}:\n{output[-3000:]}"
        assert "<html" in body.lower()
        assert (tmp_path / "data").is_dir(), "make run did not build the index in the data dir"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
