"""Overview: the filtered book at a glance (KPIs, distribution, band migration, movers, renewals at risk)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Output, dcc, html

from components.format import format_count, format_exact_money, format_money
from components.health_charts import band_migration, empty_figure, score_histogram
from components.kpi import make_kpi_card
from components.messages import make_empty_state, make_fx_warnings
from components.tables import make_movers_table, make_renewals_table
from dashapp.explore.registry import ExplorePage, declare
from dashapp.exports.csvfile import write_account_list
from dashapp.extensions import db_session
from dashapp.filters import Filters, describe
from dashapp.queries import overview as q
from dashapp.share.render import overview_sections
from dashapp.ui.page import (
    card,
    filter_ids,
    filter_inputs,
    filter_section,
    graph,
    loading,
    page_header,
    read_controls,
    theme,
)
from dashapp.ui.scaffold import filtered_page, url_state

PAGE = "/"
dash.register_page(__name__, path=PAGE, name="Overview", title="Overview · healthdash", nav_order=0)
EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Overview",
        saveable=True,
        exportable=True,
        shareable=True,
        quick_filters=True,
        sections=overview_sections,
        csv=write_account_list,
    )
)


def _kpi_row(k: q.Kpis) -> dbc.Row:
    red, yellow = k.arr_by_band.get("red", 0), k.arr_by_band.get("yellow", 0)
    change = k.avg_change
    trend = "no 30-day history yet" if change is None else f"{change:+.1f} points over 30 days"
    cards = [
        make_kpi_card(
            "Accounts", format_count(k.accounts), f"{format_count(k.scored)} scored", id="kpi-accounts"
        ),
        make_kpi_card(
            "ARR",
            format_money(k.arr, k.currency),
            f"{format_exact_money(k.arr, k.currency)} annual recurring revenue",
            id="kpi-arr",
        ),
        make_kpi_card(
            "ARR at risk",
            format_money(red + yellow, k.currency),
            f"Red {format_money(red, k.currency)} · Yellow {format_money(yellow, k.currency)}",
            id="kpi-arr-at-risk",
        ),
        make_kpi_card(
            "Average score",
            "-" if k.avg_score is None else f"{k.avg_score:.1f}",
            trend,
            id="kpi-avg-score",
        ),
    ]
    return dbc.Row([dbc.Col(c, xs=12, sm=6, xl=3) for c in cards], className="g-3 mb-3")


def content(filters: Filters, theme_name: str | None) -> list[Any]:
    session = db_session()
    kpis, distribution = q.summary(session, filters)
    if kpis.accounts == 0:
        return [
            make_empty_state(
                "No accounts match these filters",
                f"Filters: {describe(filters)}. Clear some filters, or load data with `healthdash demo seed`.",
                id="overview-empty",
            )
        ]
    movers = q.movers(session, filters)
    start, end = filters.trend_window()
    return [
        make_fx_warnings(kpis.fx_warnings, id="overview-fx-warnings"),
        _kpi_row(kpis),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Score distribution",
                        graph(score_histogram(distribution, theme_name), "ov-dist"),
                        note="accounts per 10 points",
                    ),
                    lg=6,
                ),
                dbc.Col(
                    card(
                        "Band migration",
                        # Filled by its own callback: the history scan is the slow part of this page.
                        dcc.Loading(graph(empty_figure("Loading\u2026", theme_name), "ov-bands"), type="dot"),
                        note=f"{start:%d %b %Y} to {end:%d %b %Y}",
                    ),
                    lg=6,
                ),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(card("Biggest drops (30 days)", make_movers_table(movers["down"], "ov-down")), lg=6),
                dbc.Col(card("Biggest gains (30 days)", make_movers_table(movers["up"], "ov-up")), lg=6),
            ],
            className="g-3 mb-3",
        ),
        card(
            "Renewals at risk",
            make_renewals_table(q.renewals_at_risk(session, filters), "ov-renewals"),
            note="red and yellow accounts renewing in the next 90 days",
        ),
    ]


def layout(**query: Any) -> html.Div:
    state = url_state(query, PAGE)
    return html.Div(
        [
            page_header("Overview", "Your book of business, as filtered.", PAGE),
            *filter_section(state, PAGE),
            loading(content(state.filters, theme()), "overview-content"),
        ]
    )


@dash.callback(Output("ov-bands", "figure"), *filter_inputs(PAGE), filter_ids(PAGE))
def update_trend(values: list, theme_name: str | None, ids: list[dict]) -> Any:
    """Band migration over the trend window, loaded after the rest of the page (the history scan is the
    slow part); it runs when the page opens and on every filter change."""
    filters, _errors = read_controls(values, ids)
    return band_migration(q.band_trend(db_session(), filters), theme_name)


update = filtered_page(PAGE, "overview-content", lambda state, theme_name: content(state.filters, theme_name))
