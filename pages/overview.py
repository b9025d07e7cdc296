"""Overview: the book of business at a glance."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html
from flask_login import current_user

from components.alerts import make_empty_state
from components.charts import make_bar_chart
from components.format import format_count, format_money
from components.kpi import make_kpi_card
from dashapp.extensions import db_session
from dashapp.queries.book import accounts_by_segment, book_summary

dash.register_page(__name__, path="/", name="Overview", title="Overview · healthdash", nav_order=0)


def _segment_figures(theme: str | None) -> tuple:
    rows = accounts_by_segment(db_session())
    segments = [r["segment"] for r in rows]
    accounts = make_bar_chart(
        segments,
        [r["accounts"] for r in rows],
        value_label="Active accounts",
        category_label="Segment",
        theme=theme,
        integer=True,
    )
    arr = make_bar_chart(
        segments,
        [r["arr"] for r in rows],
        value_label="ARR (USD)",
        category_label="Segment",
        theme=theme,
        hover_format="$,.0f",
    )
    return accounts, arr


def layout(**_query: str) -> html.Div:
    summary = book_summary(db_session())
    header = [
        html.H1("Overview", className="page-title"),
        html.P("Your book of business today.", className="page-subtitle"),
    ]
    if summary.accounts == 0:
        return html.Div(
            [
                *header,
                make_empty_state(
                    "No accounts yet",
                    "Load the demo book with `healthdash demo seed`, or import your accounts from CSV.",
                ),
            ]
        )
    theme = getattr(current_user, "theme", "light")
    by_accounts, by_arr = _segment_figures(theme)
    last_day = summary.last_activity_day.isoformat() if summary.last_activity_day else "none yet"
    kpis = dbc.Row(
        [
            dbc.Col(
                make_kpi_card(
                    "Active accounts",
                    format_count(summary.active_accounts),
                    f"{format_count(summary.accounts)} in total",
                    id="kpi-active-accounts",
                ),
                xs=12,
                sm=6,
                lg=3,
            ),
            dbc.Col(
                make_kpi_card(
                    "ARR",
                    format_money(summary.arr, summary.currency),
                    "Annual recurring revenue of active accounts",
                    id="kpi-arr",
                ),
                xs=12,
                sm=6,
                lg=3,
            ),
            dbc.Col(
                make_kpi_card(
                    "Churned accounts",
                    format_count(summary.churned_accounts),
                    "Accounts with a churn date",
                    id="kpi-churned",
                ),
                xs=12,
                sm=6,
                lg=3,
            ),
            dbc.Col(
                make_kpi_card(
                    "Latest activity", last_day, "Most recent day of usage data", id="kpi-last-activity"
                ),
                xs=12,
                sm=6,
                lg=3,
            ),
        ],
        className="g-3 mb-3",
    )
    charts = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    [
                        dbc.CardHeader("Active accounts by segment"),
                        dbc.CardBody(
                            dcc.Graph(
                                id="overview-segment-accounts",
                                figure=by_accounts,
                                config={"displaylogo": False},
                            )
                        ),
                    ],
                    className="chart-card",
                ),
                md=6,
            ),
            dbc.Col(
                dbc.Card(
                    [
                        dbc.CardHeader("ARR by segment"),
                        dbc.CardBody(
                            dcc.Graph(id="overview-segment-arr", figure=by_arr, config={"displaylogo": False})
                        ),
                    ],
                    className="chart-card",
                ),
                md=6,
            ),
        ],
        className="g-3",
    )
    return html.Div([*header, kpis, charts])


@dash.callback(
    Output("overview-segment-accounts", "figure"),
    Output("overview-segment-arr", "figure"),
    Input("theme-store", "data"),
    prevent_initial_call=True,
)
def retheme(theme: str) -> tuple:
    return _segment_figures(theme)
