"""Partner files uploaded in a conversation: the one function the UI (or an API) calls.

:func:`import_upload` hands the file to the store's importer and returns an
:class:`UploadResult` to render: imported, rejected with the row report (the importer
rejects a file with bad rows whole, so nothing changed), or refused for a file-level
problem (wrong type, empty, unreadable). It never raises for a bad file.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from agent.access import acting
from knowledge.importer import ImportRejected, ImportReport, import_file
from knowledge.store import Store
from tools.errors import FrameworkError

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
    if not name.lower().endswith(ACCEPTED):
        return UploadResult(name=name, outcome="refused",
                            error="this is not a partner file: drop a CSV or an Excel "
                                  "workbook (.xlsx) with one partner per row")
    if upload_path.is_file() and upload_path.stat().st_size == 0:
        return UploadResult(name=shown, outcome="refused",
                            error="the file is empty: there are no partners in it to import")
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
