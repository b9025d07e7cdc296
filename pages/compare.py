"""Compare: two to four sets of filters side by side (score distribution, trend, band mix, churn)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html

from components.a11y import hidden_label
from components.filter_bar import PERIODS, fid, make_page_query_store
from components.format import format_count, format_money
from components.health_charts import BAND_COLORS, BAND_ORDER, curves, grouped_bars
from dashapp.explore.registry import ExplorePage, UrlKey, declare
from dashapp.exports.csvfile import compare_rows, rows_writer
from dashapp.extensions import db_session
from dashapp.filters import BAND_CHOICES, DEFAULT_TREND_DAYS, Filters, describe, parse, to_query
from dashapp.queries.comparison import Comparison, compare_sets
from dashapp.queries.options import filter_options
from dashapp.share.render import compare_sections
from dashapp.ui.page import card, graph, loading, page_header, theme, theme_id, theme_store

PAGE = "/compare"
MAX_SETS = 4
DEFAULT_SETS = ["segment=enterprise", "segment=smb"]
SET_KEYS = ("segment", "plan", "region", "band")
dash.register_page(__name__, path=PAGE, name="Compare", title="Compare · healthdash", nav_order=40)
EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Compare",
        # Each set is a filter query of its own; its problems are shown on the page, set by set.
        keys=(UrlKey("set", lambda sets: (list(sets), None), multi=True),),
        saveable=True,
        exportable=True,
        shareable=True,
        sections=compare_sections,
        csv=rows_writer(compare_rows),
        words=lambda _target: "Sets compared side by side",
        filters_line=False,
    )
)


def sid(index: int, key: str) -> dict[str, Any]:
    return {"type": "cmp", "set": index, "key": key}


def parse_sets(raw: Any) -> tuple[list[Filters], list[str]]:
    values = raw if isinstance(raw, list) else ([raw] if raw else list(DEFAULT_SETS))
    sets: list[Filters] = []
    errors: list[str] = []
    for i, value in enumerate(values[:MAX_SETS]):
        filters, errs = parse(str(value))
        sets.append(filters)
        errors += [f"Set {i + 1}: {e}" for e in errs]
    if len(values) > MAX_SETS:
        errors.append(f"At most {MAX_SETS} sets are compared; the rest were left out.")
    while len(sets) < 2:
        sets.append(Filters())
    return sets, errors


def page_query(sets: list[Filters], period: int | None) -> str:
    pairs = [("set", to_query(f)) for f in sets]
    if period:
        pairs.append(("period", str(period)))
    return urlencode(pairs)


def _set_editor(index: int, filters: Filters, options: dict[str, list[Any]], count: int) -> dbc.Col:
    def dropdown(key: str, choices: list[Any]) -> dcc.Dropdown:
        value = [str(v) for v in getattr(filters, key)]
        opts = [{"label": str(c), "value": str(c)} for c in choices]
        opts += [{"label": v, "value": v} for v in value if v not in {o["value"] for o in opts}]
        return dcc.Dropdown(
            id=sid(index, key),
            options=opts,
            value=value,
            multi=True,
            placeholder=key.capitalize(),
            className="mb-1",
        )

    rest = filters.model_copy(update={k: () for k in SET_KEYS})
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H6(f"Set {index + 1}", className="card-title"),
                    dropdown("segment", options.get("segment", [])),
                    dropdown("plan", options.get("plan", [])),
                    dropdown("region", options.get("region", [])),
                    dropdown("band", list(BAND_CHOICES)),
                    dbc.Input(
                        id=sid(index, "more"),
                        value=to_query(rest),
                        placeholder="More filters, e.g. arr_min=10000&change30_max=-10",
                        size="sm",
                        debounce=True,
                    ),
                ]
            ),
            className="h-100",
        ),
        xs=12,
        md=6,
        xl=12 // count,
    )


def read_sets(values: list, ids: list[dict]) -> tuple[list[Filters], list[str]]:
    per_set: dict[int, dict[str, Any]] = {}
    for cid, value in zip(ids, values, strict=False):
        per_set.setdefault(cid["set"], {})[cid["key"]] = value
    sets: list[Filters] = []
    errors: list[str] = []
    for index in sorted(per_set)[:MAX_SETS]:
        fields = per_set[index]
        more, more_errors = parse(str(fields.get("more") or ""))
        picked, errs = parse({k: v for k, v in fields.items() if k in SET_KEYS and v})
        # The dropdowns own segment/plan/region/band; the text field adds any other filter.
        extra = {k: v for k, v in more.model_dump().items() if k not in SET_KEYS}
        sets.append(picked.model_copy(update=extra))
        errors += [f"Set {index + 1}: {e}" for e in errs + more_errors]
    return sets, errors


def _table(sets: list[Filters], data: Comparison) -> dbc.Table:
    rows = []
    for name, f, k, c in zip(data.names, sets, data.kpis, data.churns, strict=False):
        rows.append(
            html.Tr(
                [
                    html.Td(
                        [html.Strong(name), html.Div(describe(f), className="small text-body-secondary")]
                    ),
                    html.Td(format_count(k.accounts), className="text-end"),
                    html.Td(format_money(k.arr, k.currency), className="text-end"),
                    html.Td("-" if k.avg_score is None else f"{k.avg_score:.1f}", className="text-end"),
                    html.Td(
                        format_money(
                            k.arr_by_band.get("red", 0) + k.arr_by_band.get("yellow", 0), k.currency
                        ),
                        className="text-end",
                    ),
                    html.Td(
                        "-" if c["rate"] is None else f"{c['rate']:.1f}% ({c['churned']})",
                        className="text-end",
                    ),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Set"),
                *(
                    html.Th(h, className="text-end")
                    for h in ("Accounts", "ARR", "Avg score", "ARR at risk", "Churn, 12 months")
                ),
            ]
        )
    )
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", responsive=True, className="mb-0", id="compare-table"
    )


def content(sets: list[Filters], period: int | None, theme_name: str | None) -> list[Any]:
    data = compare_sets(db_session(), sets, period)
    names, churns, dist, trend = data.names, data.churns, data.distribution, data.trend
    table = _table(sets, data)
    mix = {band.capitalize(): data.band_mix[band] for band in BAND_ORDER}
    colors = {b.capitalize(): BAND_COLORS[b] for b in BAND_ORDER}
    return [
        card("Side by side", table, note="churn counts accounts that churned in the last 365 days"),
        html.Div(className="mb-3"),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Score distribution",
                        graph(
                            curves(
                                dist,
                                theme_name,
                                x_label="Health score (points)",
                                y_label="Share of accounts (%)",
                            ),
                            "compare-dist",
                        ),
                    ),
                    lg=6,
                ),
                dbc.Col(
                    card(
                        "Average score over time",
                        graph(
                            curves(
                                trend,
                                theme_name,
                                x_label="Day",
                                y_label="Average score (points)",
                                y_range=(0, 100),
                            ),
                            "compare-trend",
                        ),
                    ),
                    lg=6,
                ),
                dbc.Col(
                    card(
                        "Band mix",
                        graph(
                            grouped_bars(
                                names,
                                mix,
                                theme_name,
                                x_label="Set",
                                y_label="Share of scored accounts (%)",
                                stacked=True,
                                colors=colors,
                            ),
                            "compare-mix",
                        ),
                    ),
                    lg=6,
                ),
                dbc.Col(
                    card(
                        "Churn, last 12 months",
                        graph(
                            grouped_bars(
                                names,
                                {"Churn rate": [c["rate"] or 0 for c in churns]},
                                theme_name,
                                x_label="Set",
                                y_label="Churned accounts (%)",
                            ),
                            "compare-churn",
                        ),
                    ),
                    lg=6,
                ),
            ],
            className="g-3",
        ),
    ]


def layout(**query: Any) -> html.Div:
    sets, errors = parse_sets(query.get("set"))
    period_filters, period_errors = parse({"period": query["period"]} if query.get("period") else {})
    period = period_filters.period
    options = filter_options(db_session())
    more_sets = [*(to_query(f) for f in sets), "status=active"]
    add_link = (
        f"{PAGE}?{page_query([parse(s)[0] for s in more_sets], period)}" if len(sets) < MAX_SETS else None
    )
    return html.Div(
        [
            page_header("Compare", "Two or more groups of accounts side by side.", PAGE),
            html.Div(id="filter-bar", hidden=True),
            dbc.Row(
                [_set_editor(i, f, options, len(sets)) for i, f in enumerate(sets)], className="g-2 mb-2"
            ),
            html.Div(
                [
                    hidden_label("Trend period", fid("period", PAGE)),
                    dbc.Select(
                        id=fid("period", PAGE),
                        options=[{"label": lab, "value": val} for lab, val in PERIODS],
                        value=str(period or DEFAULT_TREND_DAYS),
                        size="sm",
                        style={"maxWidth": "14rem"},
                    ),
                    html.A("Add a set", href=add_link, className="small") if add_link else None,
                ],
                className="d-flex gap-3 align-items-center mb-3",
            ),
            html.Div(
                dbc.Alert(
                    [
                        html.Strong("Some filters were not applied: "),
                        html.Ul([html.Li(e) for e in errors + period_errors], className="mb-0"),
                    ],
                    color="warning",
                    className="py-2 small",
                )
                if errors or period_errors
                else None,
                id="fb-errors",
            ),
            make_page_query_store(PAGE, page_query(sets, period)),
            theme_store(PAGE),
            loading(content(sets, period, theme()), "compare-content"),
        ]
    )


@dash.callback(
    Output("compare-content", "children"),
    Output({"type": "page-query", "page": PAGE}, "data"),
    Output("fb-errors", "children", allow_duplicate=True),
    Input({"type": "cmp", "set": ALL, "key": ALL}, "value"),
    Input(fid("period", PAGE), "value"),
    Input(theme_id(PAGE), "data"),
    State({"type": "cmp", "set": ALL, "key": ALL}, "id"),
    prevent_initial_call=True,
)
def update(values: list, period_value: str | None, theme_name: str | None, ids: list[dict]) -> tuple:
    sets, errors = read_sets(values, ids)
    period = (
        int(period_value)
        if period_value and period_value.isdigit() and int(period_value) != DEFAULT_TREND_DAYS
        else None
    )
    alert = (
        dbc.Alert(
            [
                html.Strong("Some filters were not applied: "),
                html.Ul([html.Li(e) for e in errors], className="mb-0"),
            ],
            color="warning",
            className="py-2 small",
        )
        if errors
        else None
    )
    return (
        content(sets, period, theme_name),
        {"path": PAGE, "q": page_query(sets, period), "replace": False},
        alert,
    )
