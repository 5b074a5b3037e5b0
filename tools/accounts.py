"""Account records and the normalisers account mapping matches on (pure: no I/O, no download).

An account is one company on a list: ours (customers, prospects, open opportunities) or a
partner's (their customers). Two lists are matched on what survives of a company's name
and web address once the noise a CRM export carries is taken out:

* :func:`normalise_name`: accents, case, punctuation, ``&``/``+``/``and``, a leading
  "The" and trailing legal forms (Inc., LLC, GmbH, Ltd, S.A., AG, ...) are dropped, so
  "The Müller-Schmidt GmbH & Co. KG" and "Muller Schmidt" read the same.
* :func:`normalise_domain`: scheme, user, port, path, query, a trailing dot and ``www.``
  are dropped from a web address or an e-mail address, leaving the host name.
* :func:`registrable_domain`: the host cut to the name a company registers: the last two
  labels, or three under a multi-part public suffix. The suffixes are the short built-in
  list :data:`MULTI_PART_SUFFIXES` (no download of the public suffix list), so a rarer
  suffix such as ``.gov.bc.ca`` is cut one label too short; add it there when it matters.

**Account family** (the subsidiary rule): accounts with the same registrable domain are one
family ("emea.acme.com" and "acme.com" are the same customer); without a domain, the
family is the normalised name. Different registrable domains are different families, even
for a subsidiary named after its parent ("Acme Deutschland GmbH" at acme.de is not
"Acme Inc" at acme.com), unless the names normalise to exactly the same text.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.text import SINGLE_LINE


class AccountKind(StrEnum):
    """Where an account stands with its owner."""

    CUSTOMER = "customer"
    PROSPECT = "prospect"
    OPPORTUNITY = "opportunity"


#: Our kinds, in the order the overlap matrix shows them.
OUR_KINDS: tuple[AccountKind, ...] = (AccountKind.CUSTOMER, AccountKind.PROSPECT,
                                      AccountKind.OPPORTUNITY)

#: Legal forms dropped from the end of a name (compared after punctuation is removed and
#: runs of single letters are joined, so "S.A." and "S. A." are both ``sa``).
LEGAL_SUFFIXES = frozenset("""
inc incorporated corp corporation co company cos llc llp lp plc pllc pc ltd limited lda
gmbh ag kg kgaa ug se sa sas sasu sarl cv spa srl sl slu bv nv oy oyj ab as asa aps
pty pte bhd sdn kk nl sro zrt kft
""".split())
#: Multi-part public suffixes known without a download: a host under one of these keeps
#: three labels as its registrable domain (``shop.acme.co.uk`` -> ``acme.co.uk``).
MULTI_PART_SUFFIXES = frozenset("""
co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk net.uk com.au net.au org.au edu.au gov.au
co.nz org.nz net.nz co.jp ne.jp or.jp ac.jp co.kr or.kr com.br net.br org.br com.mx org.mx
com.ar com.co com.pe com.cn net.cn org.cn com.hk com.sg com.my com.tw com.tr co.in net.in
org.in co.za org.za co.il co.id co.th com.ph com.pk com.eg com.sa com.ua com.pl co.at
""".split())
#: Characters with no decomposition that NFKD leaves alone.
_FOLD = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d",
                       "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "ı": "i"})
_DROP = re.compile(r"['’`´.]")  # joined, not split: "O'Neil" -> "oneil", "S.A." -> "sa"
_AND = re.compile(r"[&+]")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_WWW = re.compile(r"^www\d*\.")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
MAX_NAME_CHARS = 200
MAX_DOMAIN_CHARS = 253


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _join_initials(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run = ""
    for token in tokens:
        if len(token) == 1 and token.isalpha():
            run += token
            continue
        if run:
            out.append(run)
            run = ""
        out.append(token)
    if run:
        out.append(run)
    return out


@lru_cache(maxsize=1 << 18)
def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a company name that matching compares (see :func:`normalise_name`).

    Cached: a list is read several times (family, blocks, matching) and names repeat.
    """
    text = _AND.sub(" and ", _DROP.sub("", _fold(name)))
    tokens = _join_initials(_NON_WORD.sub(" ", text).split())
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    removed = False  # an "and" goes only with a legal form after it ("Smith & Co")
    while len(tokens) > 1 and (tokens[-1] in LEGAL_SUFFIXES or (
            removed and tokens[-1] == "and")):
        tokens.pop()
        removed = True
    return tuple(tokens)


def normalise_name(name: str) -> str:
    """A company name as matching reads it: ``"The Müller & Sons, Inc."`` -> ``"muller and sons"``.

    Accents are folded, case and punctuation dropped (apostrophes and full stops join their
    neighbours), ``&`` and ``+`` read as "and", runs of single letters are joined ("I B M"
    -> "ibm"), and a leading "The" and trailing legal forms (:data:`LEGAL_SUFFIXES`) are
    removed while a word remains.
    """
    return " ".join(name_tokens(name))


def name_key(name: str) -> str:
    """The normalised name without spaces: "JP Morgan" and "J.P. Morgan" both ``jpmorgan``."""
    return "".join(name_tokens(name))


def normalise_domain(value: str) -> str:
    """The host of a web or e-mail address: ``"https://WWW.Acme.com:443/about"`` -> ``acme.com``.

    Raises:
        ValueError: When what is left is not a host name (labels of letters, digits and
            hyphens, at least two, the last one not all digits).
    """
    text = value.strip().lower()
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]  # an e-mail address: its domain
    text = _SCHEME.sub("", text)
    text = re.split(r"[/?#\\]", text, maxsplit=1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].rstrip(".")
    try:
        text = text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        raise ValueError("is not a web domain (like acme.com)") from None
    while _WWW.match(text) and text.count(".") > 1:
        text = _WWW.sub("", text, count=1)
    labels = text.split(".")
    if (len(text) > MAX_DOMAIN_CHARS or len(labels) < 2 or labels[-1].isdigit()
            or not all(_LABEL.match(label) for label in labels)):
        raise ValueError("is not a web domain (like acme.com)")
    return text


def registrable_domain(host: str) -> str:
    """The registered name of a host: ``eu.shop.acme.co.uk`` -> ``acme.co.uk`` (see module)."""
    labels = host.split(".")
    keep = 3 if ".".join(labels[-2:]) in MULTI_PART_SUFFIXES else 2
    return ".".join(labels[-keep:])


def _domain(value: object) -> object:
    if isinstance(value, str):
        return normalise_domain(value) if value.strip() else None
    return value


class Account(BaseModel):
    """One company on an account list.

    Args:
        account_id: The CRM's id for the account (optional).
        name: The company name as the list spells it.
        domain: Its web domain or website (normalised to the host; optional).
        kind: customer, prospect or opportunity (an open opportunity).
    """

    model_config = ConfigDict(extra="forbid")

    account_id: Annotated[str, Field(max_length=100), SINGLE_LINE] = ""
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS), SINGLE_LINE]
    domain: str | None = None
    kind: AccountKind = AccountKind.CUSTOMER

    @field_validator("domain", mode="before")
    @classmethod
    def _normalise_domain(cls, value: object) -> object:
        return _domain(value)

    @field_validator("name")
    @classmethod
    def _has_letters(cls, value: str) -> str:
        if not name_key(value):
            raise ValueError("must contain a letter or digit")
        return value

    @property
    def family(self) -> str:
        """The account family key: the registrable domain, else ``name:`` + the name key."""
        if self.domain:
            return registrable_domain(self.domain)
        return f"name:{name_key(self.name)}"


__all__ = [
    "LEGAL_SUFFIXES",
    "MULTI_PART_SUFFIXES",
    "OUR_KINDS",
    "Account",
    "AccountKind",
    "name_key",
    "name_tokens",
    "normalise_domain",
    "normalise_name",
    "registrable_domain",
]
