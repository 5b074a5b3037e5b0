"""Small text helpers shared by every layer, and the text types every input field uses.

Text from files, flags and models reaches Markdown, DOCX (XML), Chroma and terminals, so
the text types below hold the rules once:

* :data:`SingleLine` (names, ids, short labels): line breaks and other whitespace runs
  become one space, so a name cannot start a Markdown heading or a fake section.
* :data:`MultiLine` (descriptions, free notes): line breaks are kept as line feeds
  (CR LF, CR and the Unicode line separators are normalised to it).

Both reject the characters no document can hold: NUL and the other C0/C1 control
characters, lone surrogates and the non-characters U+FFFE/U+FFFF (XML 1.0 forbids them,
python-docx raises on them, and a terminal may act on them), and the bidirectional
overrides U+202A-U+202E; they drop byte order marks and zero-width spaces. Tabs, form
feeds and vertical tabs count as whitespace. They run before the type's bounds, which then apply
to the cleaned text; write them after the bounds, so the length messages stay pydantic's
own: ``Annotated[str, Field(max_length=200), SINGLE_LINE]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BeforeValidator

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
#: Line breaks (``str.splitlines`` breaks on all of these) and the other whitespace controls.
_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_SPACES = re.compile(r"[\s\x1f]+")
#: What no text field may hold (tab, line feed and carriage return are handled above), and
#: the bidirectional embeddings and overrides that make text read other than it is stored.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u202a-\u202e\ud800-\udfff"
                        r"\ufffe\uffff]")
#: Invisible characters a CRM export leaves behind (a byte order mark mid-file, zero-width
#: spaces): dropped.
_INVISIBLE = re.compile(r"[\u200b\ufeff]")


#: What XML 1.0 (so DOCX) cannot hold at all.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 forbids replaced by U+FFFD (the last net)."""
    return _NOT_XML.sub("\ufffd", text)


def check_characters(value: str) -> str:
    """``value`` unchanged, or ValueError naming its first control character.

    Raises:
        ValueError: When the text holds a character no text field may hold.
    """
    _check_characters(value)
    return value


def _check_characters(value: str) -> None:
    found = _FORBIDDEN.search(value)
    if found is not None:
        raise ValueError(f"contains the control character U+{ord(found.group()):04X} at "
                         f"position {found.start() + 1}; remove it")


def single_line(value: str) -> str:
    """One line of text: control characters refused, whitespace runs made one space.

    Raises:
        ValueError: When the text holds a control character (named by code point).
    """
    _check_characters(value)
    return _SPACES.sub(" ", _INVISIBLE.sub("", value)).strip()


def multi_line(value: str) -> str:
    """Free text: control characters refused, every line break made a line feed.

    Raises:
        ValueError: When the text holds a control character (named by code point).
    """
    _check_characters(value)
    return _BREAKS.sub("\n", _INVISIBLE.sub("", value).replace("\x1f", " ")).strip()


def _text_only(clean: Callable[[str], str]) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        return clean(value) if isinstance(value, str) else value  # the str schema says why
    return check


# Before the bounds, so they apply to the cleaned text: "\ufeff" is empty, not one character.
SINGLE_LINE = BeforeValidator(_text_only(single_line))
MULTI_LINE = BeforeValidator(_text_only(multi_line))
SingleLine = Annotated[str, SINGLE_LINE]
MultiLine = Annotated[str, MULTI_LINE]


def slugify(text: str, max_length: int | None = None, default: str = "document") -> str:
    """Lowercase words joined by hyphens: ``Tiers > Gold`` -> ``tiers-gold``.

    Args:
        text: Any text (a title, a section heading, a company name).
        max_length: Cut the slug to this many characters.
        default: What an empty slug becomes.
    """
    slug = _NOT_SLUG.sub("-", text.lower()).strip("-")[:max_length]
    return slug or default
