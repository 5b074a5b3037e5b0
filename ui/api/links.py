"""Signed, expiring download links, so a chat client can open a draft without the bearer key.

A link names the key (by an opaque id derived from the secret, so no part of the key's hash
is shown: a weak key set in ``PARTNERPILOT_API_KEYS`` cannot be guessed offline from its
links), the document and an expiry time, and carries an HMAC-SHA256 of the three under a
server secret: ``/v1/documents/ID.md?key_id=OWNER&expires=T
&sig=SIG``. Changing any of them breaks the signature; a link past its time, or of a key
that was removed, opens nothing. The secret is 32 random bytes kept in
``<data_dir>/api-link-secret`` (mode 0600), made on first use, so links survive a restart and
every server on the same data folder accepts them. Deleting the file revokes every link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from pathlib import Path
from urllib.parse import urlencode

from tools.errors import FrameworkError
from ui.api.errors import APIError

SECRET_FILE = "api-link-secret"
DEFAULT_LINK_TTL = 7 * 24 * 3600  # seconds; `partnerpilot serve --link-ttl` changes it
_SECRET_RE = re.compile(r"^[0-9a-f]{64}$")


def load_secret(data_dir: Path) -> bytes:
    """The link secret of ``data_dir``, created (0600) when there is none yet.

    Raises:
        FrameworkError: Naming the file when it holds something else than 64 hex digits.
    """
    path = Path(data_dir) / SECRET_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        text = path.read_text(encoding="utf-8").strip()
        if not _SECRET_RE.match(text):
            raise FrameworkError(str(path), "is not a link secret (64 hex digits); delete it "
                                 "to make a new one") from None
        return bytes.fromhex(text)
    secret = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret.hex())
    return secret


class LinkSigner:
    """Signs and checks document links for one server secret."""

    def __init__(self, secret: bytes, ttl: int = DEFAULT_LINK_TTL) -> None:
        self._secret = secret
        self.ttl = ttl

    def _mac(self, *parts: str) -> str:
        message = "\n".join(("v1", *parts)).encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def key_id(self, owner: str) -> str:
        """The id a link shows for the key whose folder is ``owner`` (opaque, 96 bits)."""
        return self._mac("key-id", owner)[:16]

    def query(self, owner: str, doc_id: str, now: float | None = None) -> str:
        """The query string that opens ``doc_id`` of ``owner`` until ``ttl`` from now."""
        expires = str(int(now if now is not None else time.time()) + self.ttl)
        return urlencode({"key_id": self.key_id(owner), "expires": expires,
                          "sig": self._mac(owner, doc_id, expires)})

    def check(self, owner: str, doc_id: str, expires: str, sig: str,
              now: float | None = None) -> None:
        """Raise a 403 unless ``sig`` signs this owner, document and expiry, still valid."""
        expected = self._mac(owner, doc_id, expires)
        if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
            raise APIError(403, "sig: the download link's signature does not match",
                           "invalid_link_signature", "sig")
        if int(expires) < (now if now is not None else time.time()):
            raise APIError(403, "expires: the download link has expired; ask again for a "
                           "fresh one", "link_expired", "expires")
