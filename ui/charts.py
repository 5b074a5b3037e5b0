"""Plotly figures for what an executive would rather look at than read.

Each figure is drawn from a tool result (the numbers are the tools'; nothing is computed
here): the portfolio's tier pyramid, the attractiveness bands, one partner's score
breakdown, the landscape as a grouped bar chart and the board dashboard's KPIs as bullets.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

from tools.partners import Tier

TIER_ORDER = [t.value for t in reversed(list(Tier))]  # platinum first: the top of the pyramid
BAND_ORDER = ["priority", "secondary", "opportunistic"]
BAND_COLOURS = {"priority": "#1b7f3b", "secondary": "#d98c00", "opportunistic": "#9aa0a6"}
TIER_COLOURS = {"platinum": "#5b6b7a", "gold": "#c9a227", "silver": "#a7b1bb",
                "registered": "#d7dde3"}
LAYOUT: dict[str, Any] = {"height": 320, "margin": {"l": 10, "r": 10, "t": 48, "b": 10},
                          "template": "plotly_white"}


def _label(name: str) -> str:
    return name.replace("_", " ")


def tier_pyramid(by_tier: Mapping[str, int]) -> go.Figure:
    """Partners per tier as a centred pyramid, platinum at the top.

    Args:
        by_tier: Count of partners per tier value (missing tiers count as 0).
    """
    counts = [int(by_tier.get(tier, 0)) for tier in TIER_ORDER]
    fig = go.Figure(go.Funnel(
        y=[t.title() for t in TIER_ORDER], x=counts, textinfo="value",
        marker={"color": [TIER_COLOURS[t] for t in TIER_ORDER]},
    ))
    fig.update_layout(title=f"Tier pyramid ({sum(counts)} partners)", **LAYOUT)
    return fig


def band_distribution(by_band: Mapping[str, int]) -> go.Figure:
    """Partners per attractiveness band, as the portfolio tool counted them.

    Args:
        by_band: Count of partners per band.
    """
    fig = go.Figure(go.Bar(
        x=[b.title() for b in BAND_ORDER], y=[int(by_band.get(b, 0)) for b in BAND_ORDER],
        marker_color=[BAND_COLOURS[b] for b in BAND_ORDER], text=[
            int(by_band.get(b, 0)) for b in BAND_ORDER], textposition="auto",
    ))
    total = sum(int(v) for v in by_band.values())
    fig.update_layout(title=f"Attractiveness by band ({total} partners)", **LAYOUT)
    return fig


def score_breakdown(contributions: Mapping[str, float], score: float, band: str,
                    title: str = "") -> go.Figure:
    """One partner's weighted points per criterion, adding up to its score.

    Args:
        contributions: Weighted points per criterion, as the scoring tool returned them.
        score: The total score the tool returned.
        band: The band the tool returned.
        title: Who was scored (shown in the title).
    """
    names = list(contributions)
    fig = go.Figure(go.Bar(
        x=[float(contributions[n]) for n in names], y=[_label(n) for n in names],
        orientation="h", text=[f"{float(contributions[n]):g}" for n in names],
        textposition="auto", marker_color=BAND_COLOURS.get(band, "#4a6fa5"),
    ))
    heading = f"{title}: " if title else ""
    fig.update_layout(title=f"{heading}score {score:g} ({band})",
                      yaxis={"autorange": "reversed"}, xaxis={"title": "weighted points"},
                      **LAYOUT)
    return fig


STATUS_COLOURS = {"on_track": "#1b7f3b", "at_risk": "#d98c00", "off_track": "#c5221f",
                  "no_data": "#9aa0a6"}


def landscape_grouped(tiers: list[Mapping[str, Any]]) -> go.Figure:
    """Partners per landscape tier (A, B, C), one bar per program tier in each group.

    Args:
        tiers: The landscape tool's tiers, each with ``key``, ``name`` and
            ``by_program_tier`` (count of partners per program tier).
    """
    groups = [f"{t['key']}: {t['name']}" for t in tiers]
    fig = go.Figure([go.Bar(
        name=tier.title(), x=groups, marker_color=TIER_COLOURS[tier],
        y=[int(t["by_program_tier"].get(tier, 0)) for t in tiers],
        text=[int(t["by_program_tier"].get(tier, 0)) for t in tiers], textposition="auto",
    ) for tier in TIER_ORDER])
    fig.update_layout(title="Partner landscape by program tier", barmode="group", **LAYOUT)
    return fig


def kpi_bullets(kpis: list[Mapping[str, Any]]) -> go.Figure:
    """Each reported KPI as a bullet gauge: actual as the bar, target as the line.

    Args:
        kpis: The dashboard tool's KPI rows (``name``, ``actual``, ``target``, ``status``);
            rows without an actual are left out.
    """
    rows = [k for k in kpis if k.get("actual") is not None]
    fig = go.Figure()
    for n, k in enumerate(rows):
        top = max(float(k["target"]), float(k["actual"])) * 1.25 or 1.0
        span = 1 / max(len(rows), 1)
        fig.add_trace(go.Indicator(
            mode="number+gauge", value=float(k["actual"]),
            domain={"x": [0.3, 1], "y": [n * span + 0.02, (n + 1) * span - 0.02]},
            title={"text": str(k["name"]), "font": {"size": 12}},
            number={"font": {"size": 14}},
            gauge={"shape": "bullet", "axis": {"range": [0, top]},
                   "threshold": {"line": {"color": "#202124", "width": 2},
                                 "thickness": 0.9, "value": float(k["target"])},
                   "bar": {"color": STATUS_COLOURS.get(str(k["status"]), "#4a6fa5")}}))
    fig.update_layout(title="KPIs against targets", **{**LAYOUT, "height": 60 * len(rows)
                                                      + 80})
    return fig


def comparison(scores: list[tuple[str, Mapping[str, float], float]]) -> go.Figure:
    """Several partners' weighted points per criterion as grouped bars (one colour each).

    Args:
        scores: (partner name, contributions, total score) per partner, as scored.
    """
    fig = go.Figure([go.Bar(name=f"{name} ({score:g})", x=[_label(n) for n in parts],
                            y=[float(v) for v in parts.values()],
                            text=[f"{float(v):g}" for v in parts.values()], textposition="auto")
                     for name, parts, score in scores])
    fig.update_layout(title="Comparison: weighted points per criterion", barmode="group",
                      yaxis={"title": "weighted points"},
                      legend={"orientation": "h", "y": -0.25}, **LAYOUT)
    return fig


def overlap_heatmap(rows: list[Mapping[str, Any]], partner_name: str) -> go.Figure:
    """The account overlap matrix as a heat map: our kinds x their customers, share in colour.

    Args:
        rows: The ``rows`` of an account_overlap result (kind, accounts, matched, share_pct).
        partner_name: Whose customers the column is.
    """
    fig = go.Figure(go.Heatmap(
        z=[[float(r["share_pct"])] for r in rows], x=[f"{partner_name} customers"],
        y=[f"our {r['kind']} accounts" for r in rows], zmin=0, zmax=100, colorscale="Greens",
        text=[[f"{r['matched']} of {r['accounts']} ({float(r['share_pct']):g}%)"] for r in rows],
        texttemplate="%{text}", colorbar={"title": "% matched"}))
    fig.update_layout(title=f"Account overlap with {partner_name}", **LAYOUT)
    return fig


def figures_for_tool(name: str, output: Any) -> list[tuple[str, go.Figure]]:
    """The charts worth showing for one tool result (none for most tools)."""
    if not isinstance(output, Mapping):
        return []
    if name == "score_partner" and isinstance(output.get("result"), Mapping):
        result = output["result"]
        if isinstance(result.get("contributions"), Mapping):
            who = output.get("partner_name") or "New partner"
            return [(f"Score breakdown: {who}", score_breakdown(
                result["contributions"], float(result["score"]), str(result["band"]), who))]
    document = output.get("document")
    if name == "landscape_map" and isinstance(document, Mapping):
        return [("Landscape", landscape_grouped(document["tiers"]))]
    if name == "board_dashboard" and isinstance(document, Mapping):
        return [("KPI status", kpi_bullets(document["kpis"]))]
    if name == "portfolio_summary" and isinstance(output.get("by_tier"), Mapping):
        figures = [("Tier pyramid", tier_pyramid(output["by_tier"]))]
        if isinstance(output.get("by_band"), Mapping):
            figures.append(("Bands", band_distribution(output["by_band"])))
        return figures
    if name == "account_overlap" and isinstance(output.get("rows"), list):
        who = str(output.get("partner_name") or "the partner")
        return [(f"Account overlap: {who}", overlap_heatmap(output["rows"], who))]
    return []
