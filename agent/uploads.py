"""Files uploaded in a conversation: the functions the UI (or an API) calls.

:func:`import_dropped` decides what a dropped file is (:func:`upload_kind`: a partner file,
our account list, or a partner's customer list, from the message's words and the file's
headers) and imports it: partner files through :func:`import_upload` (the store's importer),
account lists through :func:`import_account_upload` (``knowledge.account_import``, the
function ``partnerpilot accounts import`` calls), followed by the overlap with our accounts
(the ``account_overlap`` tool). Each returns an :class:`UploadResult` to render: imported,
rejected with the row report (bad rows reject the file whole, so nothing changed), or
refused for a file-level problem (wrong type, empty, unreadable, whose list unknown). None
raises for a bad file.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from agent.access import acting
from knowledge.account_import import (
    AccountImportRejected,
    AccountImportReport,
    import_accounts,
    map_account_headers,
)
from knowledge.accounts import OURS, AccountBook
from knowledge.importer import ImportRejected, ImportReport, import_file, map_headers
from knowledge.store import Store
from knowledge.tables import read_table
from tools.errors import FrameworkError
from tools.vocab import CRITERIA

if TYPE_CHECKING:
    from agent.toolset import Deps, ExecutedTool

ACCEPTED = (".csv", ".xlsx")


class UploadResult(BaseModel):
    """What became of one uploaded file.

    Args:
        name: The file's (safe) name, as the user sees it.
        outcome: ``imported``, ``rejected`` (bad rows: nothing changed) or ``refused``
            (a file-level problem: nothing changed).
        report: The importer's report (absent when refused).
        error: Why the file was refused.
    """

    name: str
    outcome: Literal["imported", "rejected", "refused"]
    report: ImportReport | None = None
    error: str | None = None
    accounts: AccountImportReport | None = None  # an account list's report instead


UploadKind = Literal["partners", "our_accounts", "partner_accounts"]
#: Partner-file columns an account list does not have: the five scores and the tier.
PARTNER_ONLY = (*CRITERIA, "tier")
_NAME = r"[A-Z0-9][\w&.\-]*(?:\s+(?:&|and|of|[A-Z0-9][\w&.\-]*))*"  # capitalised words
_OURS = re.compile(r"\b(?:our|my|we|us)\b[\w\s'-]{0,24}?\b(?:accounts?|customers?|clients?|"
                   r"prospects?|opportunit(?:y|ies)|pipeline|crm)\b", re.I)
_THEIRS = (
    re.compile(rf"(?:^|\b(?:are|is|from|with)\s+)(?P<who>{_NAME}?)(?:['’]s?)?\s+"
               r"(?:customers?|clients?|accounts?|customer list|account list)\b"),
    re.compile(rf"\b(?:customers?|clients?|accounts?) (?:of|from) (?P<who>{_NAME}?)"
               r"\s*(?:[,;!?]|\.?$)"),
)


def upload_kind(headers: list[str], message: str) -> tuple[UploadKind, str | None]:
    """What a dropped table is, and whose list (a partner's name as written) if theirs.

    The message's words decide first ("these are Northwind's customers", "our accounts");
    otherwise the headers: a partner's scores or type make a partner file, account columns
    (a name, a domain or an account type) without them an account list, ours when it has an
    account type column (customers, prospects, opportunities), else a partner's.
    """
    for pattern in _THEIRS:
        found = pattern.search(message)
        if found and not re.fullmatch(r"(?i)(?:our|my|these|the|this|those)",
                                      found["who"].strip()):
            return "partner_accounts", found["who"].strip().rstrip(".")
    if _OURS.search(message):
        return "our_accounts", None
    partner_columns = map_headers(headers, {}, PARTNER_ONLY)
    account_columns = map_account_headers(headers, {})
    if partner_columns or not account_columns or "partners" in message.lower():
        return "partners", None
    if "kind" in account_columns.values():
        return "our_accounts", None
    return "partner_accounts", None


@contextmanager
def named_copy(upload_path: Path, name: str) -> Iterator[Path]:
    """The upload under its own (safe) name, in a temp folder, for readers that go by suffix."""
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / safe_name(name)
        shutil.copyfile(upload_path, path)
        yield path


def import_dropped(upload_path: Path, name: str, deps: Deps, message: str = ""
                   ) -> tuple[UploadResult, list[ExecutedTool]]:
    """Import a dropped file as whatever it is (see :func:`upload_kind`).

    Returns:
        The result, and for an imported account list the overlap tool's runs to show.
    """
    refused = _refused_file(upload_path, name)
    if refused is not None:
        return refused, []
    try:
        with named_copy(upload_path, name) as path:
            headers = read_table(path, None).headers
    except (FrameworkError, OSError) as exc:
        return UploadResult(name=safe_name(name), outcome="refused", error=str(exc)), []
    kind, who = upload_kind(headers, message)
    if kind == "partners":
        return import_upload(upload_path, name, deps.store), []
    return import_account_upload(upload_path, name, deps, kind, who)


def import_account_upload(upload_path: Path, name: str, deps: Deps, kind: UploadKind,
                          who: str | None) -> tuple[UploadResult, list[ExecutedTool]]:
    """Make the file our account list or a partner's (all rows or none), then the overlap."""
    from agent.registry import execute  # the overlap tool, as the agent runs it
    from agent.tool_runs import resolve_partner

    shown = safe_name(name)
    book = AccountBook(Path(deps.settings.data_dir))
    if kind == "partner_accounts" and who is None:
        return UploadResult(name=shown, outcome="refused", error=(
            "this looks like an account list, but whose? Send it again with \"these are our "
            "accounts\" or \"these are <partner>'s customers\"")), []
    try:
        if kind == "our_accounts":
            owner, label = OURS, "our accounts"
        else:
            partner = resolve_partner(str(who), deps)
            owner, label = partner.partner_id, partner.name
        with named_copy(upload_path, name) as path:
            report = import_accounts(book, path, owner, label)
    except AccountImportRejected as exc:
        return UploadResult(name=shown, outcome="rejected", accounts=exc.report), []
    except (FrameworkError, OSError) as exc:
        return UploadResult(name=shown, outcome="refused", error=str(exc)), []
    stored = [info.owner for info in book.lists()]
    others = ([owner] if OURS in stored else []) if owner != OURS else [
        o for o in stored if o != OURS][:5]  # overlaps need our list and a partner's
    runs = [execute("account_overlap", {"partner": pid}, deps) for pid in others]
    return UploadResult(name=shown, outcome="imported", accounts=report), runs


def _refused_file(upload_path: Path, name: str) -> UploadResult | None:
    if not name.lower().endswith(ACCEPTED):
        return UploadResult(name=name, outcome="refused",
                            error="this is not a partner file: drop a CSV or an Excel "
                                  "workbook (.xlsx) with one partner per row")
    if upload_path.is_file() and upload_path.stat().st_size == 0:
        return UploadResult(name=safe_name(name), outcome="refused",
                            error="the file is empty: there are no partners in it to import")
    return None


def safe_name(name: str) -> str:
    """The uploaded file's base name, made safe for a path (keeps the extension)."""
    base = Path(name).name
    return re.sub(r"[^A-Za-z0-9._\-]+", "_", base).strip("._") or "partners.csv"


def import_upload(upload_path: Path, name: str, store: Store) -> UploadResult:
    """Import one uploaded partner file (CSV or XLSX) into ``store``.

    The upload is copied under its own name first: upload folders (Chainlit's) keep files
    without their extension, and the importer reads the format from it.

    Args:
        upload_path: Where the uploaded bytes are.
        name: The name the user gave the file.
        store: The store to import into.
    """
    shown = safe_name(name)
    refused = _refused_file(upload_path, name)
    if refused is not None:
        return refused
    with tempfile.TemporaryDirectory(prefix="upload-") as folder:
        path = Path(folder) / shown
        try:
            shutil.copyfile(upload_path, path)
            report = import_file(store, path, actor=acting())  # who, for the audit trail
        except ImportRejected as exc:
            return UploadResult(name=shown, outcome="rejected", report=exc.report)
        except (FrameworkError, OSError) as exc:
            return UploadResult(name=shown, outcome="refused", error=str(exc))
    return UploadResult(name=shown, outcome="imported", report=report)
