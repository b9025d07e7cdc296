"""Figures for the segments and revenue-impact pages (themed, axes with units; no database access)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from components.charts import themed_dict
from components.health_charts import empty_figure

OUTCOME_COLORS = {"churned": "#dc3545", "contracted": "#fd7e14", "expanded": "#198754"}
OUTCOME_LABELS = {"churned": "Churned", "contracted": "Contracted", "expanded": "Expanded"}


def _pct(value: float | None) -> float | None:
    return None if value is None or value != value else value * 100


def impact_bars(
    groups: Sequence[Mapping[str, Any]], theme: str | None, *, x_label: str, height: int = 340
) -> dict[str, Any]:
    """Share of starting ARR churned, contracted and expanded per group, with interval error bars."""
    if not groups:
        return empty_figure("No accounts to show", theme)
    labels = [g["label"] for g in groups]
    fig = go.Figure()
    for outcome, color in OUTCOME_COLORS.items():
        shares = [g["arr_share"][outcome] for g in groups]
        values = [_pct(s["value"]) or 0.0 for s in shares]
        high = [max(0.0, (_pct(s["high"]) or 0.0) - v) for s, v in zip(shares, values, strict=True)]
        low = [max(0.0, v - (_pct(s["low"]) or 0.0)) for s, v in zip(shares, values, strict=True)]
        fig.add_bar(
            x=labels,
            y=values,
            name=OUTCOME_LABELS[outcome],
            marker_color=color,
            error_y={"type": "data", "array": high, "arrayminus": low, "visible": True, "thickness": 1.2},
            customdata=[[g["counts"][outcome], g["accounts"]] for g in groups],
            hovertemplate=(
                f"%{{x}}<br>{OUTCOME_LABELS[outcome]}: %{{y:.1f}}% of ARR"
                "<br>%{customdata[0]} of %{customdata[1]} accounts<extra></extra>"
            ),
        )
    fig.update_layout(barmode="group", height=height, legend={"orientation": "h", "y": 1.15})
    fig.update_xaxes(title_text=x_label, type="category")
    fig.update_yaxes(title_text="Share of starting ARR (%)", rangemode="tozero")
    return themed_dict(fig, theme)


def profile_heatmap(
    clusters: Sequence[Mapping[str, Any]], theme: str | None, *, height: int | None = None
) -> dict[str, Any]:
    """Each segment's features against the book, in book standard deviations (0 = like the book)."""
    if not clusters:
        return empty_figure("No segments yet", theme)
    order = [f["key"] for f in clusters[0]["features"]]
    names = {f["key"]: f["label"] for f in clusters[0]["features"]}
    order.sort()
    z = []
    for c in clusters:
        by_key = {f["key"]: f["z"] for f in c["features"]}
        z.append([by_key.get(k) for k in order])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[names[k] for k in order],
            y=[f"#{c['cluster']} {c['name']}" for c in clusters],
            colorscale="RdBu",
            reversescale=True,
            zmid=0,
            zmin=-2.5,
            zmax=2.5,
            colorbar={"title": {"text": "SD"}},
            texttemplate="%{z:.1f}",
            hovertemplate="%{y}<br>%{x}: %{z:.2f} SD from the book<extra></extra>",
        )
    )
    fig.update_layout(height=height or max(260, 48 * len(clusters) + 120))
    fig.update_xaxes(title_text="Feature (segment mean vs book, in standard deviations)")
    fig.update_yaxes(autorange="reversed", type="category")
    return themed_dict(fig, theme)
