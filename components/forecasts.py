"""Forecast pieces: a chart of history, forecast and 80% band, and its evaluation shown beside it.

Plain data in (`dashapp.queries.forecasts.SeriesView`), no database access. A forecast is never shown
without its evaluation: `make_forecast_block` always puts the backtest verdict next to the chart.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components.charts import themed_dict
from components.health_charts import empty_figure
from dashapp.queries.forecasts import ResultView, SeriesView

Y_LABELS = {
    "avg_score": "Average score (points)",
    "share_red": "Accounts in red (%)",
    "share_yellow": "Accounts in yellow (%)",
    "share_green": "Accounts in green (%)",
    "active_users": "Active users per day",
    "mrr": "MRR",
    "score": "Health score (points)",
}
HISTORY_SHOWN = 180  # days of history drawn before the forecast
METHOD = (
    "MASE: mean absolute error of the forecast over that of a seasonal-naive forecast (the value a week "
    "earlier), both backtested from the same rolling origins on history the model had not seen. Below 1 "
    "the forecast beats naive; at 1 or above, a repeat of last week did as well or better."
)


def forecast_figure(view: SeriesView, result: ResultView, theme: str | None, *, height: int = 300) -> dict:
    """History (last 180 days), the forecast as a dashed line and its 80% band."""
    days = view.history.get("ds", [])[-HISTORY_SHOWN:]
    values = view.history.get("y", [])[-HISTORY_SHOWN:]
    if not result.points:
        return empty_figure("No forecast points stored", theme)
    ds = [p["ds"] for p in result.points]
    fig = go.Figure()
    fig.add_scatter(
        x=ds + ds[::-1],
        y=[p["upper"] for p in result.points] + [p["lower"] for p in result.points][::-1],
        fill="toself",
        fillcolor="rgba(13,110,253,0.15)",
        line={"width": 0},
        name="80% band",
        hoverinfo="skip",
    )
    fig.add_scatter(x=days, y=values, mode="lines", name="History", line={"color": "#495057", "width": 1.8})
    fig.add_scatter(
        x=ds,
        y=[p["yhat"] for p in result.points],
        mode="lines",
        name=f"Forecast ({result.horizon} days)",
        line={"color": "#0d6efd", "width": 2, "dash": "dash"},
        customdata=[[p["lower"], p["upper"]] for p in result.points],
        hovertemplate="%{x|%d %b %Y}<br>%{y:.1f} (80%: %{customdata[0]:.1f} to %{customdata[1]:.1f})"
        "<extra></extra>",
    )
    fig.update_layout(height=height, legend={"orientation": "h", "y": 1.18}, margin={"t": 30})
    fig.update_yaxes(title_text=Y_LABELS.get(view.metric, view.metric), tickformat=",.4~r")
    fig.update_xaxes(title_text="Day")
    return themed_dict(fig, theme)


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "\u2013"
    if value == float("inf"):
        return "\u221e"
    return f"{value:,.{digits}f}"


def verdict_badge(result: ResultView) -> dbc.Badge:
    if result.beats_naive is None:
        return dbc.Badge("Not evaluated", color="secondary", className="forecast-verdict")
    if result.beats_naive:
        return dbc.Badge("Beats naive", color="success", className="forecast-verdict")
    return dbc.Badge("Does not beat naive", color="danger", className="forecast-verdict")


def make_evaluation(result: ResultView, *, id: Any = None) -> html.Div:
    """The backtest of one forecast, in numbers and words."""
    rows = [
        ("MASE vs seasonal naive", _number(result.mase)),
        ("Forecast MAE", _number(result.model_mae)),
        ("Seasonal naive MAE", _number(result.naive_mae)),
        ("Rolling origins", str(len(result.folds))),
    ]
    kwargs = {"id": id} if id is not None else {}
    return html.Div(
        [
            html.Div([verdict_badge(result)], className="mb-2"),
            html.P(result.evaluation_note, className="small mb-2 forecast-note"),
            html.Table(
                html.Tbody(
                    [html.Tr([html.Td(k, className="pe-2 text-body-secondary"), html.Td(v)]) for k, v in rows]
                ),
                className="small mb-2",
            ),
            html.P(METHOD, className="small text-body-secondary mb-0"),
        ],
        className="forecast-evaluation",
        **kwargs,
    )


def make_forecast_block(view: SeriesView, horizon: int, theme: str | None, *, index: str) -> dbc.Card:
    """One series: chart on the left, its evaluation beside it on the right."""
    result = view.result(horizon)
    if view.status != "fitted" or result is None:
        body: Any = html.P(
            f"No forecast: {view.message or 'not fitted yet'}.", className="text-body-secondary mb-0"
        )
    else:
        body = dbc.Row(
            [
                dbc.Col(
                    dcc.Graph(
                        id={"type": "forecast-graph", "index": index},
                        figure=forecast_figure(view, result, theme),
                        config={"displaylogo": False, "responsive": True},
                    ),
                    lg=8,
                ),
                dbc.Col(make_evaluation(result, id={"type": "forecast-evaluation", "index": index}), lg=4),
            ],
            className="g-2",
        )
    note = f"{horizon}-day forecast, history to {view.history_end:%d %b %Y}" if view.history_end else ""
    return dbc.Card(
        [
            dbc.CardHeader(
                [view.label, html.Span(f" · {note}", className="small text-body-secondary fw-normal")]
            ),
            dbc.CardBody(body),
        ],
        className="chart-card mb-3 forecast-card",
        id={"type": "forecast-card", "index": index},
    )


def make_account_forecast(view: SeriesView | None, theme: str | None, horizon: int = 30) -> Any:
    """The account's health forecast for the Account page, or a line saying why there is none."""
    if view is None:
        return html.P(
            "No health forecast for this account: forecasts cover at-risk (red) accounts and the top "
            "accounts by ARR, fitted nightly (or with `healthdash forecasts run`).",
            className="small text-body-secondary mt-3 mb-0",
            id="account-forecast-none",
        )
    return html.Div(
        make_forecast_block(view, horizon, theme, index="account"), className="mt-3", id="account-forecast"
    )
