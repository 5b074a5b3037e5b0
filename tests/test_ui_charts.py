"""Charts are drawn from tool results: their numbers are the tools' numbers."""

from __future__ import annotations

from tools.scoring import score_partner
from ui import charts


def test_score_breakdown_bars_are_the_tool_contributions() -> None:
    result = score_partner({"icp_overlap": 80, "market_influence": 70, "practice_alignment": 60,
                            "partnership_appetite": 90, "revenue_potential": 50})
    fig = charts.score_breakdown(result.contributions, result.score, result.band.value, "Acme")
    bar = fig.data[0]
    assert list(bar.x) == [float(v) for v in result.contributions.values()]
    assert sum(bar.x) == result.score
    assert fig.layout.title.text == f"Acme: score {result.score:g} ({result.band.value})"


def test_tier_pyramid_puts_platinum_on_top_and_counts_missing_tiers_as_zero() -> None:
    fig = charts.tier_pyramid({"gold": 3, "registered": 10})
    assert list(fig.data[0].y) == ["Platinum", "Gold", "Silver", "Registered"]
    assert list(fig.data[0].x) == [0, 3, 0, 10]
    assert "13 partners" in fig.layout.title.text


def test_band_distribution_shows_the_tool_counts_in_band_order() -> None:
    bars = charts.band_distribution({"secondary": 5, "priority": 2})
    assert list(bars.data[0].x) == ["Priority", "Secondary", "Opportunistic"]
    assert list(bars.data[0].y) == [2, 5, 0]
    assert "7 partners" in bars.layout.title.text


def test_figures_for_tool_only_where_a_chart_helps() -> None:
    result = score_partner({"icp_overlap": 1, "market_influence": 2, "practice_alignment": 3,
                            "partnership_appetite": 4, "revenue_potential": 5})
    scored = {"partner_name": "Zed", "result": result.model_dump(mode="json")}
    assert [n for n, _ in charts.figures_for_tool("score_partner", scored)] == [
        "Score breakdown: Zed"]
    summary = {"by_tier": {"gold": 1}, "by_band": {"priority": 1}}
    assert [n for n, _ in charts.figures_for_tool("portfolio_summary", summary)] == [
        "Tier pyramid", "Bands"]
    assert charts.figures_for_tool("search_framework", {"passages": []}) == []
    assert charts.figures_for_tool("score_partner", "not a dict") == []
