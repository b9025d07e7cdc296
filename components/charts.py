"""Plotly figure factories that follow the light/dark theme and label their axes with units."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

TEMPLATES = {"light": "plotly_white", "dark": "plotly_dark"}


def themed(fig: go.Figure, theme: str | None) -> go.Figure:
    fig.update_layout(
        template=TEMPLATES.get(theme or "light", "plotly_white"),
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"size": 13},
    )
    return fig


_TEMPLATE_JSON: dict[str, dict] = {}


def themed_dict(fig: go.Figure, theme: str | None) -> dict:
    """`themed`, returned as a plain figure dict (what dcc.Graph takes). Setting a template on a go.Figure
    makes plotly copy and validate the whole template, tens of milliseconds per figure; here the
    template's JSON is built once per theme and attached to the dict instead."""
    name = TEMPLATES.get(theme or "light", "plotly_white")
    if name not in _TEMPLATE_JSON:
        _TEMPLATE_JSON[name] = pio.templates[name].to_plotly_json()
    fig.update_layout(
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"size": 13},
    )
    out = fig.to_plotly_json()
    out["layout"]["template"] = _TEMPLATE_JSON[name]
    return out


def make_bar_chart(
    categories: Sequence[str],
    values: Sequence[float],
    *,
    value_label: str,
    category_label: str,
    theme: str | None = None,
    hover_format: str = ",.0f",
    text: Sequence[str] | None = None,
    integer: bool = False,
) -> go.Figure:
    """A bar per category. `integer=True` for counts: ticks at whole numbers only (no "0.5 accounts")."""
    fig = go.Figure(
        go.Bar(
            x=list(categories),
            y=list(values),
            text=list(text) if text is not None else None,
            textposition="auto",
            hovertemplate=f"%{{x}}<br>{value_label}: %{{y:{hover_format}}}<extra></extra>",
            marker_color="#0d6efd",
        )
    )
    fig.update_xaxes(title_text=category_label)
    fig.update_yaxes(title_text=value_label, rangemode="tozero")
    if integer:
        fig.update_yaxes(tickformat=",d")
        if max(values, default=0) <= 10:
            fig.update_yaxes(dtick=1)
    return themed(fig, theme)
