"""Figures about health scores (distribution, band migration, history, contributions, cohorts).

Every factory takes plain data (no database access) and a theme, labels its axes with units and returns a
themed plotly figure as a dict (see `components.charts.themed_dict`); an empty input gives a figure that says
there is nothing to show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from components.charts import themed_dict

BAND_COLORS = {"red": "#dc3545", "yellow": "#e0a800", "green": "#198754", "unscored": "#6c757d"}
BAND_ORDER = ("red", "yellow", "green")
SERIES_COLORS = ("#0d6efd", "#d63384", "#20c997", "#fd7e14", "#6f42c1", "#0dcaf0")


def empty_figure(message: str, theme: str | None) -> dict[str, Any]:
    fig = go.Figure()
    fig.add_annotation(
        text=message, showarrow=False, font={"size": 14}, xref="paper", yref="paper", x=0.5, y=0.5
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return themed_dict(fig, theme)


def score_histogram(
    rows: Sequence[Mapping[str, Any]], theme: str | None, *, height: int = 300
) -> dict[str, Any]:
    """Accounts per 10-point score bucket, coloured by band. rows: bucket (0-9), band, accounts."""
    if not rows:
        return empty_figure("No scored accounts match these filters", theme)
    labels = [f"{b * 10}-{b * 10 + 10}" for b in range(10)]
    fig = go.Figure()
    for band in BAND_ORDER:
        counts = [0] * 10
        for r in rows:
            if r["band"] == band:
                counts[int(r["bucket"])] += r["accounts"]
        fig.add_bar(
            x=labels,
            y=counts,
            name=band.capitalize(),
            marker_color=BAND_COLORS[band],
            hovertemplate="Score %{x}<br>%{y:,} accounts<extra>" + band + "</extra>",
        )
    fig.update_layout(barmode="stack", height=height, legend={"orientation": "h", "y": 1.12})
    fig.update_xaxes(title_text="Health score (points)")
    # Counts: whole-number ticks only (never "0.5 accounts").
    fig.update_yaxes(title_text="Accounts", rangemode="tozero", tickformat=",d")
    if max((r["accounts"] for r in rows), default=0) <= 10:
        fig.update_yaxes(dtick=1)
    return themed_dict(fig, theme)


def band_migration(
    rows: Sequence[Mapping[str, Any]], theme: str | None, *, height: int = 300
) -> dict[str, Any]:
    """Share of accounts per band over time (stacked area) with the average score on a second axis."""
    if not rows:
        return empty_figure("No score history in this period yet", theme)
    days = sorted({r["day"] for r in rows})
    totals = {d: sum(r["accounts"] for r in rows if r["day"] == d) for d in days}
    fig = go.Figure()
    for band in BAND_ORDER:
        counts = {r["day"]: r["accounts"] for r in rows if r["band"] == band}
        fig.add_scatter(
            x=days,
            y=[100 * counts.get(d, 0) / totals[d] if totals[d] else 0 for d in days],
            customdata=[counts.get(d, 0) for d in days],
            name=band.capitalize(),
            stackgroup="bands",
            mode="lines",
            line={"width": 0.5, "color": BAND_COLORS[band]},
            hovertemplate="%{x|%d %b %Y}<br>%{y:.1f}% (%{customdata:,} accounts)<extra>" + band + "</extra>",
        )
    avg = {}
    for d in days:
        n = totals[d]
        avg[d] = sum(r["avg_score"] * r["accounts"] for r in rows if r["day"] == d) / n if n else None
    fig.add_scatter(
        x=days,
        y=[avg[d] for d in days],
        name="Average score",
        yaxis="y2",
        mode="lines+markers",
        line={"color": "#0d6efd", "width": 2},
        hovertemplate="%{x|%d %b %Y}<br>Average score %{y:.1f}<extra></extra>",
    )
    fig.update_layout(
        height=height,
        legend={"orientation": "h", "y": 1.14},
        yaxis={"title": {"text": "Share of accounts (%)"}, "range": [0, 100]},
        yaxis2={
            "title": {"text": "Average score (points)"},
            "overlaying": "y",
            "side": "right",
            "range": [0, 100],
        },
    )
    fig.update_xaxes(title_text="Day")
    return themed_dict(fig, theme)


def score_history(
    days: Sequence[date],
    scores: Sequence[float],
    theme: str | None,
    *,
    annotations: Sequence[Mapping[str, Any]] = (),
    overridden: Sequence[bool] = (),
    thresholds: tuple[float, float] = (40.0, 70.0),
    height: int = 320,
) -> dict[str, Any]:
    """An account's score over time on red/yellow/green band backgrounds, with event markers."""
    if not days:
        return empty_figure("No score history yet: scores appear after the next recompute", theme)
    fig = go.Figure()
    low, high = thresholds
    for y0, y1, band in ((0, low, "red"), (low, high, "yellow"), (high, 100, "green")):
        fig.add_hrect(y0=y0, y1=y1, fillcolor=BAND_COLORS[band], opacity=0.08, line_width=0, layer="below")
    fig.add_scatter(
        x=list(days),
        y=list(scores),
        mode="lines",
        name="Score",
        line={"color": "#0d6efd", "width": 2},
        hovertemplate="%{x|%d %b %Y}<br>Score %{y:.1f}<extra></extra>",
    )
    if overridden and any(overridden):
        fig.add_scatter(
            x=[d for d, o in zip(days, overridden, strict=False) if o],
            y=[s for s, o in zip(scores, overridden, strict=False) if o],
            mode="markers",
            name="Overridden",
            marker={"symbol": "diamond", "size": 7, "color": "#6f42c1"},
            hovertemplate="%{x|%d %b %Y}<br>Manual override %{y:.1f}<extra></extra>",
        )
    kinds: dict[str, list[Mapping[str, Any]]] = {}
    for a in annotations:
        kinds.setdefault(a["kind"], []).append(a)
    symbols = {
        "ticket": ("triangle-up", "#fd7e14"),
        "payment": ("x", "#dc3545"),
        "override": ("diamond", "#6f42c1"),
    }
    for kind, items in kinds.items():
        symbol, color = symbols.get(kind, ("circle", "#6c757d"))
        fig.add_scatter(
            x=[a["day"] for a in items],
            y=[2] * len(items),
            mode="markers",
            name={"ticket": "Tickets", "payment": "Failed payments", "override": "Overrides"}.get(kind, kind),
            marker={"symbol": symbol, "size": 10, "color": color},
            text=[a["label"] for a in items],
            hovertemplate="%{x|%d %b %Y}<br>%{text}<extra></extra>",
        )
    fig.update_layout(height=height, legend={"orientation": "h", "y": 1.15})
    fig.update_yaxes(title_text="Health score (points)", range=[0, 100])
    fig.update_xaxes(title_text="Day")
    return themed_dict(fig, theme)


def contribution_waterfall(
    measures: Sequence[Mapping[str, Any]], score: float | None, theme: str | None
) -> dict[str, Any]:
    """How each measure adds up to the score (points), from `health_snapshots.measures`."""
    rows = [m for m in measures if m.get("contribution") is not None]
    if not rows:
        return empty_figure("No measure breakdown for this account yet", theme)
    labels = [str(m.get("label") or m.get("key")) + (" (missing)" if m.get("missing") else "") for m in rows]
    values = [float(m["contribution"]) for m in rows]
    total = score if score is not None else sum(values)
    fig = go.Figure(
        go.Waterfall(
            x=[*labels, "Score"],
            y=[*values, total],
            measure=["relative"] * len(values) + ["total"],
            text=[f"{v:+.1f}" for v in values] + [f"{total:.1f}"],
            textposition="outside",
            connector={"line": {"color": "#adb5bd"}},
            increasing={"marker": {"color": "#198754"}},
            decreasing={"marker": {"color": "#dc3545"}},
            totals={"marker": {"color": "#0d6efd"}},
            hovertemplate="%{x}<br>%{y:.2f} points<extra></extra>",
        )
    )
    fig.update_layout(height=320, showlegend=False)
    fig.update_yaxes(title_text="Contribution (points)", rangemode="tozero")
    return themed_dict(fig, theme)


def heatmap(
    matrix: Sequence[Sequence[float | None]],
    rows: Sequence[str],
    columns: Sequence[int],
    theme: str | None,
    *,
    value_label: str,
    height: int = 360,
) -> dict[str, Any]:
    """A cohort heatmap: cohorts down, months since start across, values in percent."""
    if not rows:
        return empty_figure("No cohorts: accounts need a contract start date", theme)
    fig = go.Figure(
        go.Heatmap(
            z=[list(r) for r in matrix],
            x=list(columns),
            y=list(rows),
            colorscale="RdYlGn",
            zmin=0,
            zmax=100 if "NRR" not in value_label else 150,
            colorbar={"title": {"text": "%"}},
            texttemplate="%{z:.0f}",
            hovertemplate="Cohort %{y}<br>Month %{x}<br>" + value_label + " %{z:.1f}%<extra></extra>",
        )
    )
    fig.update_layout(height=height)
    fig.update_xaxes(title_text="Months since start", dtick=1 if len(columns) <= 24 else 3)
    fig.update_yaxes(title_text="Cohort (start month)", autorange="reversed", type="category")
    return themed_dict(fig, theme)


def curves(
    series: Mapping[str, tuple[Sequence[Any], Sequence[float | None]]],
    theme: str | None,
    *,
    x_label: str,
    y_label: str,
    y_range: tuple[float, float] | None = None,
    height: int = 320,
    hover_format: str = ".1f",
) -> dict[str, Any]:
    """Lines, one per named series: {name: (x values, y values)}."""
    if not series:
        return empty_figure("Nothing to show for these filters", theme)
    fig = go.Figure()
    for i, (name, (xs, ys)) in enumerate(series.items()):
        fig.add_scatter(
            x=list(xs),
            y=list(ys),
            name=name,
            mode="lines+markers",
            line={"color": SERIES_COLORS[i % len(SERIES_COLORS)]},
            hovertemplate=f"{name}<br>%{{x}}: %{{y:{hover_format}}}<extra></extra>",
        )
    fig.update_layout(height=height, legend={"orientation": "h", "y": 1.15})
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(title_text=y_label, range=list(y_range) if y_range else None)
    return themed_dict(fig, theme)


def grouped_bars(
    categories: Sequence[str],
    series: Mapping[str, Sequence[float]],
    theme: str | None,
    *,
    x_label: str,
    y_label: str,
    stacked: bool = False,
    colors: Mapping[str, str] | None = None,
    height: int = 300,
    hover_format: str = ",.1f",
) -> dict[str, Any]:
    if not categories:
        return empty_figure("Nothing to show for these filters", theme)
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        fig.add_bar(
            x=list(categories),
            y=list(values),
            name=name,
            marker_color=(colors or {}).get(name, SERIES_COLORS[i % len(SERIES_COLORS)]),
            hovertemplate=f"%{{x}}<br>{name}: %{{y:{hover_format}}}<extra></extra>",
        )
    fig.update_layout(
        barmode="stack" if stacked else "group", height=height, legend={"orientation": "h", "y": 1.15}
    )
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(title_text=y_label, rangemode="tozero")
    return themed_dict(fig, theme)
