"""A throwaway PostgreSQL cluster on loopback for the history tests (Debian's ``postgresql``).

``make postgres`` (run by ``make test``) installs the package when no ``initdb`` is found.
The cluster lives in a fresh temp folder, listens on a free 127.0.0.1 port with password
(SCRAM) auth, and is stopped and removed at the end of the session. PostgreSQL refuses to
run as root, so as root the server runs as the ``postgres`` user the package creates
(``setpriv``, which execs, so the process we hold is the server itself).

Import the fixtures into a test module: ``from pg_server import pg_url, postgres``.
"""

from __future__ import annotations

import asyncio
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from chroma_server import free_port

USER = "partnerpilot"


@dataclass
class Postgres:
    """A running cluster: where it listens and the superuser's password."""

    port: int
    password: str
    folder: Path
    proc: subprocess.Popen[bytes]

    def url(self, db: str = "postgres") -> str:
        """A ``postgresql://`` URL for database ``db``."""
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{db}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import asyncpg

        name = f"t_{uuid.uuid4().hex[:12]}"

        async def create() -> None:
            conn = await asyncpg.connect(self.url())
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        asyncio.run(create())
        return self.url(name)


def pg_bin() -> Path | None:
    """The folder of ``initdb`` and ``postgres`` (PATH first, then Debian's versioned dirs)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                  key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return Path(dirs[-1]).parent if dirs else None


def _as_server_user() -> tuple[list[str], int | None, int | None]:
    """The command prefix and uid/gid to run PostgreSQL with (``postgres`` when root)."""
    if os.geteuid() != 0:
        return [], None, None
    user = pwd.getpwnam("postgres")
    return ([shutil.which("setpriv") or "setpriv", f"--reuid={user.pw_uid}",
             f"--regid={user.pw_gid}", "--init-groups", "--"], user.pw_uid, user.pw_gid)


def start_postgres(timeout: float = 60.0) -> Postgres:
    """Initialise and start a cluster in a new temp folder (see the module docstring)."""
    bindir = pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed: run `make postgres`")
    prefix, uid, gid = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="partnerpilot-pg-"))
    password = uuid.uuid4().hex
    (folder / "pw").write_text(password, encoding="utf-8")
    if uid is not None and gid is not None:
        for path in (folder, folder / "pw"):
            os.chown(path, uid, gid)
    init = subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(folder / "data"), "-U", USER,
         f"--pwfile={folder / 'pw'}", "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"],
        capture_output=True, text=True, timeout=120, cwd=folder)
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    port = free_port()
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed in stop_postgres
    proc = subprocess.Popen(
        [*prefix, str(bindir / "postgres"), "-D", str(folder / "data"), "-p", str(port),
         "-k", str(folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
         "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
        stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    proc._log = log  # type: ignore[attr-defined]
    server = Postgres(port, password, folder, proc)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            stop_postgres(server)
            raise RuntimeError(f"postgres exited {proc.returncode}")
        ready = subprocess.run([str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1",
                                "-p", str(port)], timeout=30)
        if ready.returncode == 0:
            return server
        time.sleep(0.2)
    stop_postgres(server)
    raise RuntimeError("postgres did not become ready in time")


def stop_postgres(server: Postgres) -> None:
    """Fast shutdown (SIGINT), then remove the folder."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)
    log = getattr(server.proc, "_log", None)
    if log is not None:
        log.close()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """One real PostgreSQL cluster for the session (per xdist worker)."""
    server = start_postgres()
    try:
        yield server
    finally:
        stop_postgres(server)


@pytest.fixture
def pg_url(postgres: Postgres) -> str:
    """A fresh, empty database on the session's cluster."""
    return postgres.create_database()
