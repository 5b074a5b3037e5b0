"""The account-mapping tool the agent calls, and the ICP overlap it offers to scoring."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from agent.tool_runs import resolve_partner
from agent.toolset import Deps
from knowledge.accounts import OURS, AccountBook, overlap_for
from tools.account_match import DEFAULT_LIMIT, AccountOverlap
from tools.errors import FrameworkError
from tools.text import SINGLE_LINE


class AccountOverlapInput(BaseModel):
    """Which partner's customer list to compare with our accounts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner: Annotated[str, Field(min_length=1, max_length=200,
                                  description="Partner id (e.g. P-0026) or company name."),
                       SINGLE_LINE]
    counts_only: bool = Field(default=False, description="Only the counts, not the matched "
                              "accounts.")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=500,
                       description="Most matched accounts listed per row of the matrix.")


def account_overlap(data: AccountOverlapInput, deps: Deps) -> AccountOverlap:
    """Map our accounts against a partner's customers (account mapping).

    The overlap matrix: our customers, prospects and open opportunities x their customers,
    with counts, the matched accounts, and the ICP overlap criterion it gives.
    """
    partner = resolve_partner(data.partner, deps)
    book = AccountBook(deps.store.data_dir)
    result = overlap_for(book, partner.partner_id, partner.name, data.counts_only, data.limit)
    if result is None:
        if book.info(OURS) is None:
            raise FrameworkError("accounts", "our account list is not imported yet; import it "
                                 "with partnerpilot accounts import FILE --ours")
        raise FrameworkError("accounts", f"no account list is stored for {partner.name} "
                             f"({partner.partner_id}); import it with partnerpilot accounts "
                             f"import FILE --partner {partner.partner_id}")
    return result

