"""Account mapping: match our accounts to a partner's, the overlap matrix, and ICP overlap.

Pure functions over :class:`tools.accounts.Account` lists (no I/O). One of our accounts is
matched to at most one of the partner's customers, tried in this order:

1. **Domain**: the same registrable domain (the account family, see :mod:`tools.accounts`).
2. **Name**: the same name key (the normalised name without spaces).
3. **Fuzzy name**: the best rapidfuzz ``ratio`` of the name keys, at least
   :data:`NAME_THRESHOLD`, among the partner accounts whose first word shares its first or
   its last :data:`BLOCK_CHARS` characters (blocking: a name is compared with a few dozen
   candidates, not with the whole list, so 50,000 x 50,000 takes seconds; a typo in both
   ends of a short first word is missed). Keys
   shorter than :data:`MIN_FUZZY_CHARS` match only exactly, and two accounts whose
   registrable domains differ never match on a fuzzy name (a domain outranks a spelling).

**ICP overlap** (the attractiveness criterion weighted 30%): the share of our target
accounts (distinct account families among our customers, prospects and open
opportunities) that are among the partner's customers, as a percentage rounded half up to
a whole number: ``round(100 x matched / targets)``. 31 of 50 gives 62.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from tools.accounts import OUR_KINDS, Account, AccountKind, name_tokens, registrable_domain
from tools.errors import FrameworkError

#: Lowest rapidfuzz ``ratio`` (0-100) of two name keys that counts as the same company.
NAME_THRESHOLD = 90.0
#: Name keys shorter than this match only exactly ("abc" vs "abd" are different firms).
MIN_FUZZY_CHARS = 5
#: Candidates share the first or the last this many characters of the name key.
BLOCK_CHARS = 4
#: Best fuzzy candidates looked at per block (the first whose domain does not conflict wins).
FUZZY_CANDIDATES = 5
#: The kinds of our accounts that count as ICP target accounts.
ICP_TARGET_KINDS: tuple[AccountKind, ...] = OUR_KINDS
#: Matched accounts listed per cell of the matrix unless a limit is given.
DEFAULT_LIMIT = 25


class MatchMethod(StrEnum):
    """How two accounts were matched."""

    DOMAIN = "domain"
    NAME = "name"
    FUZZY = "fuzzy"


class AccountMatch(BaseModel):
    """One of our accounts and the partner account it matched.

    Args:
        ours: Our account.
        theirs: The partner's account.
        method: domain, name or fuzzy.
        score: Name similarity 0-100 (100 for domain and exact-name matches).
    """

    ours: Account
    theirs: Account
    method: MatchMethod
    score: float


@dataclass
class _Index:
    """The partner side, prepared once: families, name keys and blocks."""

    accounts: list[Account]
    families: list[str | None] = field(default_factory=list)
    by_family: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, int] = field(default_factory=dict)
    blocks: dict[str, tuple[list[str], list[int]]] = field(default_factory=dict)


def _family(account: Account) -> str | None:
    return registrable_domain(account.domain) if account.domain else None


def _blocks(first: str) -> tuple[str, str]:
    """The two blocks of a name: the start and the end of its first word."""
    return f"<{first[:BLOCK_CHARS]}", f">{first[-BLOCK_CHARS:]}"


def _prepare(theirs: list[Account]) -> _Index:
    index = _Index(theirs)
    for n, account in enumerate(theirs):
        family = _family(account)
        index.families.append(family)
        if family is not None:
            index.by_family.setdefault(family, n)
        tokens = name_tokens(account.name)
        key = "".join(tokens)
        index.by_key.setdefault(key, n)
        if len(key) >= MIN_FUZZY_CHARS:
            for block in _blocks(tokens[0]):
                keys, positions = index.blocks.setdefault(block, ([], []))
                keys.append(key)
                positions.append(n)
    return index


def _fuzzy(key: str, first: str, family: str | None, index: _Index, threshold: float
           ) -> tuple[int, float] | None:
    best: tuple[int, float] | None = None
    for block in _blocks(first):
        if block not in index.blocks:
            continue
        keys, positions = index.blocks[block]
        for _, score, at in process.extract(key, keys, scorer=fuzz.ratio, limit=FUZZY_CANDIDATES,
                                            score_cutoff=threshold):
            n = positions[at]
            other = index.families[n]
            if family is not None and other is not None and other != family:
                continue
            if best is None or score > best[1] or (score == best[1] and n < best[0]):
                best = (n, float(score))
            break
    return best


def _best(account: Account, index: _Index, threshold: float) -> AccountMatch | None:
    family = _family(account)
    if family is not None and family in index.by_family:
        return AccountMatch(ours=account, theirs=index.accounts[index.by_family[family]],
                            method=MatchMethod.DOMAIN, score=100.0)
    tokens = name_tokens(account.name)
    key = "".join(tokens)
    if key in index.by_key:
        return AccountMatch(ours=account, theirs=index.accounts[index.by_key[key]],
                            method=MatchMethod.NAME, score=100.0)
    if len(key) < MIN_FUZZY_CHARS:
        return None
    found = _fuzzy(key, tokens[0], family, index, threshold)
    if found is None:
        return None
    return AccountMatch(ours=account, theirs=index.accounts[found[0]], method=MatchMethod.FUZZY,
                        score=round(found[1], 1))


def match_accounts(ours: list[Account], theirs: list[Account],
                   threshold: float = NAME_THRESHOLD) -> list[AccountMatch]:
    """Match each of our accounts to at most one of ``theirs`` (see the module docstring).

    Args:
        ours: Our accounts.
        theirs: The partner's accounts.
        threshold: Lowest fuzzy name similarity (0-100) that counts as a match.

    Returns:
        One match per matched account of ours, in the order of ``ours``.
    """
    index = _prepare(theirs)
    return [m for m in (_best(a, index, threshold) for a in ours) if m is not None]


class MatchedPair(BaseModel):
    """A matched pair as the matrix lists it."""

    ours: str
    ours_id: str
    theirs: str
    theirs_id: str
    domain: str | None
    method: MatchMethod
    score: float


class OverlapCell(BaseModel):
    """One cell of the overlap matrix: our accounts of one kind x their customers.

    Args:
        kind: Our account kind (the row).
        accounts: Our accounts of that kind.
        matched: How many of them are among the partner's customers.
        share_pct: matched / accounts, percent, one decimal.
        matches: The matched pairs (empty in counts-only mode; at most the limit).
        more: Matched pairs not listed because of the limit.
    """

    kind: AccountKind
    accounts: int
    matched: int
    share_pct: float
    matches: list[MatchedPair] = []
    more: int = 0


class IcpOverlap(BaseModel):
    """The ICP client overlap criterion computed from the account map, with its provenance.

    Args:
        value: The criterion, 0-100: round(100 x matched / targets), half up.
        matched: Target accounts (account families) found among the partner's customers.
        targets: Our target accounts: distinct families among the target kinds.
        kinds: Which of our kinds count as targets.
        formula: The formula, in words.
        provenance: One line saying where the number came from.
    """

    value: Annotated[int, Field(ge=0, le=100)]
    matched: int
    targets: int
    kinds: list[AccountKind]
    formula: str
    provenance: str


class AccountOverlap(BaseModel):
    """The overlap of our accounts with one partner's customers."""

    partner_id: str
    partner_name: str
    their_customers: int
    our_accounts: int
    counts_only: bool
    threshold: float
    rows: list[OverlapCell]
    icp: IcpOverlap


def _round_pct(part: int, whole: int, places: str = "1") -> Decimal:
    if whole == 0:
        return Decimal(0)
    return (Decimal(100) * part / whole).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def icp_overlap(ours: list[Account], matches: list[AccountMatch], partner_name: str,
                their_customers: int) -> IcpOverlap:
    """The ICP overlap criterion from the matches (formula in the module docstring).

    Raises:
        FrameworkError: Naming ``accounts`` when we have no target accounts.
    """
    targets = {a.family for a in ours if a.kind in ICP_TARGET_KINDS}
    if not targets:
        raise FrameworkError("accounts", "our account list has no customers, prospects or open "
                             "opportunities; import it first (partnerpilot accounts import "
                             "FILE --ours)")
    matched = {m.ours.family for m in matches if m.ours.kind in ICP_TARGET_KINDS}
    value = int(_round_pct(len(matched), len(targets), "1"))
    return IcpOverlap(
        value=value, matched=len(matched), targets=len(targets), kinds=list(ICP_TARGET_KINDS),
        formula="round(100 x target accounts among the partner's customers / target accounts)",
        provenance=(f"ICP overlap {value}, from {len(matched)} of {len(targets)} target "
                    f"accounts matched among the {their_customers} customers of {partner_name}"))


def _pair(match: AccountMatch) -> MatchedPair:
    return MatchedPair(ours=match.ours.name, ours_id=match.ours.account_id,
                       theirs=match.theirs.name, theirs_id=match.theirs.account_id,
                       domain=match.ours.domain or match.theirs.domain, method=match.method,
                       score=match.score)


def account_overlap(ours: list[Account], theirs: list[Account], partner_id: str,
                    partner_name: str, counts_only: bool = False,
                    limit: int | None = DEFAULT_LIMIT,
                    threshold: float = NAME_THRESHOLD) -> AccountOverlap:
    """The overlap matrix of our customers, prospects and open opportunities x their customers.

    Args:
        ours: Our accounts.
        theirs: The partner's accounts (only their customers are matched).
        partner_id: The partner's id.
        partner_name: The partner's name.
        counts_only: Give the counts without the matched accounts.
        limit: Most matched pairs listed per cell (None: all).
        threshold: Lowest fuzzy name similarity that counts as a match.

    Raises:
        FrameworkError: When we have no target accounts (nothing to compute overlap of).
    """
    customers = [a for a in theirs if a.kind == AccountKind.CUSTOMER]
    matches = match_accounts(ours, customers, threshold)
    rows: list[OverlapCell] = []
    for kind in OUR_KINDS:
        total = sum(1 for a in ours if a.kind == kind)
        mine = [m for m in matches if m.ours.kind == kind]
        shown = [] if counts_only else [_pair(m) for m in mine[:limit]]
        rows.append(OverlapCell(
            kind=kind, accounts=total, matched=len(mine),
            share_pct=float(_round_pct(len(mine), total, "0.1")), matches=shown,
            more=0 if counts_only else len(mine) - len(shown)))
    return AccountOverlap(
        partner_id=partner_id, partner_name=partner_name, their_customers=len(customers),
        our_accounts=len(ours), counts_only=counts_only, threshold=threshold, rows=rows,
        icp=icp_overlap(ours, matches, partner_name, len(customers)))
