"""The account overlap heat map is drawn from the account_overlap result's own numbers."""

from __future__ import annotations

from tools.account_match import account_overlap
from tools.accounts import Account, AccountKind
from ui import charts


def test_overlap_heatmap_shows_the_tool_shares_and_counts() -> None:
    ours = [Account(name="Acme", domain="acme.com"),
            Account(name="Beta", kind=AccountKind.PROSPECT),
            Account(name="Gamma Labs", kind=AccountKind.PROSPECT)]
    result = account_overlap(ours, [Account(name="Acme Inc", domain="www.acme.com"),
                                    Account(name="Gamma Labs GmbH")], "P-1", "Partner One")
    [(title, fig)] = charts.figures_for_tool("account_overlap", result.model_dump(mode="json"))
    heat = fig.data[0]
    assert title == "Account overlap: Partner One"
    assert [row[0] for row in heat.z] == [100.0, 50.0, 0.0]
    assert [row[0] for row in heat.text] == ["1 of 1 (100%)", "1 of 2 (50%)", "0 of 0 (0%)"]
    assert list(heat.y) == ["our customer accounts", "our prospect accounts",
                            "our opportunity accounts"]
