"""docs/deploy.md, run as written: every ``sh`` block in order (PostgreSQL, Chroma behind the
token proxy, users, index, doctor, the UI on loopback), then two people in Chromium: the admin
imports a file, the member sees the partner, and the audit trail says who did it.

Only the settings block is the test's own (a temp home, free ports, fresh secrets); the test
checks it sets the same variables as the guide's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chroma_server import free_port
from pg_server import _as_server_user, pg_bin
from ui_server import CHROMIUM, EMBED_CACHE, FLAGS, attach, browser_context, send, sign_in

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "deploy.md"
BIN = Path(sys.executable).parent
PASSWORD = "deploy-guide-password"
# the guide indexes and starts four servers: minutes on a loaded 2-core machine
pytestmark = [pytest.mark.server, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(900)]


def sh_blocks(text: str) -> list[str]:
    """The guide's ``sh`` code blocks, in order."""
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def exported(block: str) -> list[str]:
    """The variable names a block exports."""
    names: list[str] = []
    for line in block.splitlines():
        if line.startswith("export "):
            names += re.findall(r"(\w+)=", line)
    return names


@pytest.fixture(scope="module")
def deployment() -> Iterator[dict[str, str]]:
    blocks = sh_blocks(GUIDE.read_text(encoding="utf-8"))
    assert blocks[0].startswith("# settings") and "pg_ctl" in blocks[-1]
    home = Path(tempfile.mkdtemp(prefix="partnerpilot-deploy-"))
    pg_parent = Path(tempfile.mkdtemp(prefix="partnerpilot-deploy-pg-"))
    prefix, uid, gid = _as_server_user()
    if uid is not None and gid is not None:
        os.chown(pg_parent, uid, gid)
    ports = {name: str(free_port()) for name in ("PG_PORT", "CHROMA_UPSTREAM_PORT",
                                                 "CHROMA_PORT", "UI_PORT")}
    settings = {"PP_HOME": str(home / "srv"), "PG_BIN": str(pg_bin()),
                "PG_HOME": str(pg_parent / "cluster"),
                "AS_POSTGRES": " ".join(prefix), **ports,
                "PG_PASSWORD": uuid.uuid4().hex, "CHROMA_AUTH_TOKEN": uuid.uuid4().hex}
    assert exported(blocks[0]) == list(settings)  # the guide's settings, our values
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNERPILOT_", "CHROMA_"))}
    env.pop("DATABASE_URL", None)
    env.update(settings, PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", PARTNERPILOT_NEW_PASSWORD=PASSWORD)
    data = home / "srv" / "data"
    data.mkdir(parents=True, mode=0o700)
    (home / "srv").chmod(0o700)
    if (EMBED_CACHE / "embeddings.sqlite").is_file():  # vectors by model and text: exact
        shutil.copy2(EMBED_CACHE / "embeddings.sqlite", data / "embeddings.sqlite")
    script = "\n".join(["set -euo pipefail", *blocks[1:-1],
                        f'env > "{home}/deployed.env"'])
    stop = blocks[-1]
    try:
        proc = subprocess.run(["bash", "-c", script], env=env, cwd=home, capture_output=True,
                              text=True, timeout=900)
        assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
        deployed = dict(line.split("=", 1) for line in
                        (home / "deployed.env").read_text().splitlines() if "=" in line)
        wait_ready(f"http://127.0.0.1:{ports['UI_PORT']}", home / "srv" / "ui.log")
        yield deployed
    finally:
        subprocess.run(["bash", "-c", stop], env=env, cwd=home, capture_output=True,
                       timeout=120)
        for pid_file in (home / "srv").glob("*.pid"):  # in case the stop block did not run
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(pg_parent, ignore_errors=True)


def wait_ready(url: str, log: Path, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/partnerpilot/ready", timeout=5) as resp:
                if json.loads(resp.read()).get("agent"):
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the UI did not get ready:\n{log.read_text()[-3000:]}")


def login(browser: Any, url: str, user: str) -> Any:
    page = browser_context(browser, url, {"width": 1200, "height": 900}).new_page()
    return sign_in(page, url, user, PASSWORD, timeout_ms=120_000)


def say(page: Any, text: str, expect: str) -> str:
    send(page, text)
    page.locator(f".ai-message:has-text('{expect}')").last.wait_for(timeout=180_000)
    return str(page.locator("body").inner_text())


def upload(page: Any, csv: Path) -> str:
    attach(page, csv)  # the app holds the file until the chat session exists: no retry
    return say(page, "Import these partners", "Import of")


def test_the_guide_deploys_and_two_people_share_one_store(deployment: dict[str, str],
                                                          tmp_path: Path) -> None:
    import playwright.sync_api as playwright_api

    url = f"http://127.0.0.1:{deployment['UI_PORT']}"
    csv = tmp_path / "team-partners.csv"
    csv.write_text("partner_id,name,partner_type,tier,region,industry,description,icp_overlap,"
                   "market_influence,practice_alignment,partnership_appetite,revenue_potential\n"
                   "D-9001,Zephyrine Deploy Advisory,gsi,gold,EMEA,healthcare,"
                   "Hospital cloud moves,80,70,60,90,50\n")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pages: list[Any] = []
        try:
            pages.append(login(browser, url, "ada"))
            assert "done" in upload(pages[0], csv).split("Import of")[-1][:200]
            pages.append(login(browser, url, "ben"))
            seen = say(pages[1], "Show partner Zephyrine Deploy Advisory", "Answered by:")
            refused = say(pages[1], "/audit", "Not allowed")
        except Exception as exc:  # what the people saw, and the server's side of it
            texts = [p.locator("body").inner_text()[-1500:] for p in pages]
            log = (Path(deployment["PP_HOME"]) / "ui.log").read_text()[-4000:]
            raise AssertionError(f"{exc}\n--- pages ---\n{texts}\n--- ui.log ---\n{log}"
                                 ) from exc
        finally:
            browser.close()
    assert "Zephyrine Deploy Advisory" in seen  # the member sees what the admin imported
    assert "a member may not read the audit trail" in refused
    env = {**deployment, "PARTNERPILOT_USER": "ada"}
    proc = subprocess.run([str(BIN / "partnerpilot"), "audit", "--partner", "D-9001", "--json"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    events = json.loads(proc.stdout)["events"]
    assert [(e["actor"], e["role"], e["action"]) for e in events] == [("ada", "admin", "added")]
    assert events[0]["source"] == csv.name
