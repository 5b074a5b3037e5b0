"""Markdown the browser may render without calling out: data as text, no remote images.

Two tools, used on everything the UI shows:

- :func:`escape_text` for values that come from data (a partner's name in a table cell, a
  bad value in an import report): every Markdown character is escaped, so the value is
  shown as typed and can never become an image, a link or a heading.
- :func:`safe_markdown` for Markdown that is meant as Markdown (answers, drafted documents,
  cited passages): remote images are dropped (their alt text is kept), links and bare URLs to
  hosts not on the allow-list are shown as text, not made clickable, and the server's own
  folders are shown as file names only. Code spans and blocks are left as they are (they
  render as text anyway).

The page's Content-Security-Policy (see ``ui/guard.py``) also forbids remote images, in
case something slips past this.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|<>~@:/$])")
_CODE = re.compile(r"(```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`)", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_REF_IMAGE = re.compile(r"!\[([^\]]*)\]\[([^\]]*)\]")
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
_REF_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.M)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto|file|data|javascript):[^>\s]*)>", re.I)
_URL_TAIL = r"[^\s<>`)\]]*[^\s<>`)\].,;:!?'\"]"
_LINKABLE = re.compile(r"((?:[a-z][a-z0-9+.\-]*:)?//[^\s`]+|www\.[^\s`]+"
                       r"|(?:https?|ftp|mailto|xmpp|file|javascript|data|vbscript):[^\s`]*"
                       r"|[\w.+\-]+@[\w\-]+\.[\w.\-]+)", re.I)
_BARE = re.compile(rf"(?<![\w/`])((?:https?|ftp)://{_URL_TAIL}|www\.{_URL_TAIL})", re.I)


def escape_text(value: object) -> str:
    """``value`` as literal Markdown text, one line: every Markdown character escaped.

    URLs and e-mail addresses become code spans: the chat's Markdown makes links of them even
    when their characters are escaped, and a code span is never a link.
    """
    text = " ".join(str(value).split())
    out = []
    for n, piece in enumerate(_LINKABLE.split(text)):
        out.append(_as_code(piece.replace("|", "%7C")) if n % 2 else _SPECIAL.sub(r"\\\1", piece))
    return "".join(out)


def code_text(value: object) -> str:
    """``value`` as an inline code span (shown as typed): one line, backticks replaced."""
    return "`" + " ".join(str(value).replace("`", "'").split()) + "`"


def _host(url: str) -> str | None:
    """The host a URL points to (None for a relative URL on this server)."""
    if url.startswith("//"):
        url = "http:" + url
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return (parts.hostname or parts.scheme or "").lower()
    return None


def _allowed(url: str, hosts: frozenset[str]) -> bool:
    host = _host(url)
    if host is None:
        return not url.lower().startswith(("javascript:", "data:", "vbscript:"))
    return host in hosts or any(host.endswith("." + h) for h in hosts)


def _as_code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`" if text else ""


def _hide_paths(text: str, roots: tuple[str, ...]) -> str:
    """Paths under the server's folders, shown as the file name only."""
    for root in roots:
        if root not in text:  # most text names no folder: skip building the pattern
            continue
        text = re.sub(re.escape(root) + r"(?:/[^\s`'\"<>)\]|,;]*)?",
                      lambda m: PurePosixPath(m.group(0)).name or "file", text)
    return text


def _prose(text: str, hosts: frozenset[str], roots: tuple[str, ...]) -> str:
    text = _hide_paths(text, roots)
    refs = {m.group(1).lower(): m.group(2) for m in _REF_DEF.finditer(text)}
    text = _REF_DEF.sub(lambda m: escape_text(m.group(0)), text)

    def image_text(alt: str, url: str, original: str) -> str:
        if url and _host(url) is None and _allowed(url, hosts):
            return original  # an image served by the app itself
        return f"{escape_text(alt)} (image not shown)" if alt.strip() else "(image not shown)"

    def link(m: re.Match[str]) -> str:
        label, url = m.group(1), m.group(2)
        if _allowed(url, hosts):
            return m.group(0)
        return f"{label} ({_as_code(url)})" if label.strip() else _as_code(url)

    def bare(m: re.Match[str]) -> str:
        url = m.group(1)
        return url if _allowed(url if "://" in url else "http://" + url, hosts) else _as_code(url)

    text = _IMAGE.sub(lambda m: image_text(m.group(1), m.group(2), m.group(0)), text)
    text = _REF_IMAGE.sub(lambda m: image_text(m.group(1), refs.get(
        (m.group(2) or m.group(1)).lower(), ""), m.group(0)), text)
    text = _LINK.sub(link, text)
    text = _AUTOLINK.sub(lambda m: m.group(0) if _allowed(m.group(1), hosts)
                         else _as_code(m.group(1)), text)
    parts = re.split(r"(`[^`\n]*`)", text)  # links turned to code above stay as they are
    return "".join(p if p.startswith("`") else _BARE.sub(bare, p) for p in parts)


def safe_markdown(text: str, link_hosts: Iterable[str] = (),
                  roots: Iterable[str] = ()) -> str:
    """``text`` with remote images dropped, foreign links shown as text, server paths hidden.

    Args:
        text: Markdown from an answer, a drafted document or a cited passage.
        link_hosts: Hosts links may point to (and their subdomains).
        roots: Server folders whose paths are shown as file names (e.g. the data dir).
    """
    hosts = frozenset(h.strip().lower() for h in link_hosts if h.strip())
    folders = tuple(sorted({r.rstrip("/") for r in roots if r and r != "/"}, key=len,
                           reverse=True))
    pieces = _CODE.split(text)
    out = []
    for n, piece in enumerate(pieces):
        if n % 2:  # code: rendered as text; only the server's paths are hidden
            out.append(_hide_paths(piece, folders))
        else:
            out.append(_prose(piece, hosts, folders))
    return "".join(out)
