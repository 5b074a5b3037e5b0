"""The account map: our account list and each partner's, in one SQLite file beside the store.

``<data_dir>/accounts.sqlite3`` holds one list per owner: ``ours`` (customers, prospects,
open opportunities) and one per partner id (their customers). Importing a list replaces
that owner's list in one transaction, so a failed or killed import leaves the file exactly
as it was (SQLite rolls back an unfinished transaction on the next open), and a reader
never sees half a list. The file is created readable by its owner only.
"""

from __future__ import annotations

import os
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from knowledge.settings import private_dir
from tools.account_match import DEFAULT_LIMIT, AccountOverlap, IcpOverlap, account_overlap
from tools.accounts import Account, AccountKind

ACCOUNTS_FILE = "accounts.sqlite3"
OURS = "ours"
#: The fictional sample lists shipped in ``knowledge/data/``: owner -> (file, label).
SAMPLE_LISTS: dict[str, tuple[str, str]] = {
    OURS: ("accounts_ours.csv", "our accounts"),
    "P-0026": ("accounts_P-0026.csv", "Baltica Integrators"),
    "P-0053": ("accounts_P-0053.csv", "Great Lakes Distribution"),
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS account_lists (
    owner TEXT PRIMARY KEY, label TEXT NOT NULL, source TEXT NOT NULL,
    imported_at TEXT NOT NULL, rows INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    owner TEXT NOT NULL, position INTEGER NOT NULL, account_id TEXT NOT NULL,
    name TEXT NOT NULL, domain TEXT, kind TEXT NOT NULL, PRIMARY KEY (owner, position));
"""


class ListInfo(BaseModel):
    """One stored list: whose it is, where it came from and its counts by kind."""

    owner: str
    label: str
    source: str
    imported_at: str
    rows: int
    by_kind: dict[str, int] = {}


class ReplaceReport(BaseModel):
    """What replacing a list changed (rows compared as id, name, domain and kind)."""

    added: int
    removed: int
    unchanged: int


def accounts_path(data_dir: Path) -> Path:
    """Where the account map lives under a data folder."""
    return Path(data_dir) / ACCOUNTS_FILE


def _key(a: Account) -> tuple[str, str, str, str]:
    return (a.account_id, a.name, a.domain or "", str(a.kind))


class AccountBook:
    """The account lists of one data folder.

    Args:
        data_dir: The data folder (created owner-only if missing).
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = accounts_path(data_dir)
        private_dir(Path(data_dir))
        if not self.path.exists():
            self.path.touch(mode=0o600)
        os.chmod(self.path, 0o600)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            with db:  # one transaction: committed on success, rolled back on any error
                yield db

    def lists(self) -> list[ListInfo]:
        """Every stored list, ours first, then by owner."""
        with self._connect() as db:
            rows = db.execute("SELECT owner, label, source, imported_at, rows "
                              "FROM account_lists").fetchall()
            kinds = db.execute("SELECT owner, kind, COUNT(*) FROM accounts "
                               "GROUP BY owner, kind").fetchall()
        by_kind: dict[str, dict[str, int]] = {}
        for owner, kind, count in kinds:
            by_kind.setdefault(owner, {})[kind] = count
        out = [ListInfo(owner=o, label=lb, source=s, imported_at=t, rows=n,
                        by_kind=by_kind.get(o, {})) for o, lb, s, t, n in rows]
        return sorted(out, key=lambda i: (i.owner != OURS, i.owner))

    def info(self, owner: str) -> ListInfo | None:
        """The stored list of ``owner``, or None."""
        return next((i for i in self.lists() if i.owner == owner), None)

    def accounts(self, owner: str) -> list[Account]:
        """The accounts of ``owner``'s list in file order (empty when there is none)."""
        with self._connect() as db:
            rows = db.execute("SELECT account_id, name, domain, kind FROM accounts "
                              "WHERE owner = ? ORDER BY position", (owner,)).fetchall()
        return [Account.model_construct(account_id=i, name=n, domain=d, kind=AccountKind(k))
                for i, n, d, k in rows]

    def replace(self, owner: str, label: str, source: str, accounts: list[Account]
                ) -> ReplaceReport:
        """Replace ``owner``'s list with ``accounts`` in one transaction."""
        before = Counter(_key(a) for a in self.accounts(owner))
        after = Counter(_key(a) for a in accounts)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._connect() as db:
            db.execute("DELETE FROM accounts WHERE owner = ?", (owner,))
            db.executemany(
                "INSERT INTO accounts (owner, position, account_id, name, domain, kind) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(owner, n, a.account_id, a.name, a.domain, str(a.kind))
                 for n, a in enumerate(accounts)])
            db.execute("INSERT OR REPLACE INTO account_lists (owner, label, source, "
                       "imported_at, rows) VALUES (?, ?, ?, ?, ?)",
                       (owner, label, source, stamp, len(accounts)))
        unchanged = sum((before & after).values())
        return ReplaceReport(added=sum(after.values()) - unchanged,
                             removed=sum(before.values()) - unchanged, unchanged=unchanged)

    @classmethod
    def existing(cls, data_dir: Path) -> AccountBook | None:
        """The account map of ``data_dir`` if one was ever written (reading creates none)."""
        return cls(data_dir) if accounts_path(data_dir).exists() else None

    def is_empty(self) -> bool:
        """Whether no list is stored."""
        return not self.lists()


def overlap_for(book: AccountBook, partner_id: str, partner_name: str,
                counts_only: bool = False, limit: int | None = DEFAULT_LIMIT
                ) -> AccountOverlap | None:
    """The overlap of our list with ``partner_id``'s, or None when either list is missing.

    Raises:
        FrameworkError: When our list has no target accounts.
    """
    if book.info(OURS) is None or book.info(partner_id) is None:
        return None
    return account_overlap(book.accounts(OURS), book.accounts(partner_id), partner_id,
                           partner_name, counts_only=counts_only, limit=limit)


def mapped_icp(data_dir: Path, partner_id: str, partner_name: str) -> IcpOverlap | None:
    """The ICP overlap the account map gives ``partner_id``, or None without both lists."""
    book = AccountBook.existing(data_dir)
    found = None if book is None else overlap_for(book, partner_id, partner_name, True)
    return None if found is None else found.icp
