"""Red team for the account map: killed imports, hostile cells and hostile domains."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from knowledge.account_import import AccountImportRejected, import_accounts, parse_accounts
from knowledge.accounts import AccountBook
from tools.accounts import Account, normalise_domain, normalise_name
from tools.errors import FrameworkError

ROOT = Path(__file__).resolve().parents[2]

#: Replaces a list in a child process that stops, inside the transaction (the old rows
#: already deleted, the new ones not yet written), until it is killed.
KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from knowledge.accounts import AccountBook
    from tools.accounts import Account

    class Stalling(list):
        reads = 0

        def __iter__(self):
            Stalling.reads += 1
            if Stalling.reads == 2:  # the first read counts the rows; the second writes them
                print("writing", flush=True)
                time.sleep(600)
            return super().__iter__()

    book = AccountBook(sys.argv[1])
    book.replace("P-1", "One", "new.csv", Stalling([Account(name="Zeta")]))
""")


def test_an_import_killed_mid_write_leaves_the_list_as_it_was(tmp_path: Path) -> None:
    data = tmp_path / "data"
    book = AccountBook(data)
    old = [Account(name="Acme", domain="acme.com"), Account(name="Beta")]
    book.replace("P-1", "One", "old.csv", old)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(data)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "writing"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    reopened = AccountBook(data)
    assert [a.name for a in reopened.accounts("P-1")] == ["Acme", "Beta"]
    info = reopened.info("P-1")
    assert info is not None and info.source == "old.csv"


@pytest.mark.parametrize(("cell", "problem"), [
    ("Acme\x07Corp", "control character U+0007"),
    ("Acme\u202eproC", "control character U+202E"),
    ("   ", "is required"),
    ("x" * 201, "at most 200 characters"),
])
def test_hostile_names_are_row_issues_and_nothing_is_written(tmp_path: Path, cell: str,
                                                               problem: str) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(f"Name,Website\nFine Co,fine.com\n\"{cell}\",x.com\n", encoding="utf-8")
    book = AccountBook(tmp_path / "data")
    with pytest.raises(AccountImportRejected) as info:
        import_accounts(book, path, "P-1", "One")
    assert "row 3, name:" in str(info.value) and problem in str(info.value)
    assert book.accounts("P-1") == [] and book.lists() == []


def test_a_multi_line_name_becomes_one_line(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text('Name\n"Acme\n# Injected heading"\n', encoding="utf-8")
    [account], _ = parse_accounts(path, ours=False)
    assert account.name == "Acme # Injected heading"


@pytest.mark.parametrize("content", [b"\x00\x01\x02binary" * 50, b"PK\x03\x04not a zip"])
def test_binary_and_broken_files_are_one_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / ("list.xlsx" if content.startswith(b"PK") else "list.csv")
    path.write_bytes(content)
    with pytest.raises(FrameworkError, match=r"^file: list\.(csv|xlsx) "):
        parse_accounts(path, ours=False)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_as_a_domain_is_a_value_error_or_a_host(text: str) -> None:
    try:
        host = normalise_domain(text)
    except ValueError as exc:
        assert "is not a web domain" in str(exc)
        return
    assert host == host.lower() and "." in host and len(host) <= 253
    assert normalise_domain(host) == host


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120), st.text(max_size=120))
def test_any_row_validates_or_names_its_field(name: str, domain: str) -> None:
    try:
        account = Account(name=name, domain=domain)
    except ValidationError as exc:
        assert {str(e["loc"][0]) for e in exc.errors()} <= {"name", "domain"}
        return
    assert normalise_name(account.name)
