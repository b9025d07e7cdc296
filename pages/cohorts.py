"""Cohorts: logo and revenue retention (GRR, NRR) by start month, split by segment/plan/region, and health
by cohort age. Definitions are in `analytics.cohorts` and shown on the page."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.a11y import dom_id, select
from components.filter_bar import fid
from components.health_charts import curves, grouped_bars, heatmap
from components.messages import make_empty_state, make_fx_warnings
from dashapp.analytics.cohorts import cohort_tables, weighted_curve
from dashapp.explore.registry import ExplorePage, UrlKey, declare
from dashapp.exports.csvfile import cohort_rows, rows_writer
from dashapp.extensions import db_session
from dashapp.filters import Filters
from dashapp.queries import cohorts as q
from dashapp.share.render import cohort_sections
from dashapp.ui.page import (
    card,
    filter_section,
    graph,
    loading,
    page_header,
    theme,
)
from dashapp.ui.scaffold import UrlState, filtered_page, url_state

PAGE = "/cohorts"
MAX_MONTHS = 24
dash.register_page(__name__, path=PAGE, name="Cohorts", title="Cohorts · healthdash", nav_order=30)


def _choice(name: str, choices: Any) -> Any:
    def read(value: Any) -> tuple[Any, str | None]:
        if value in choices:
            return value, None
        return None, f"{name}: {str(value)[:40]!r} is not one of {', '.join(c for c in choices if c)}"

    return read


EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Cohorts",
        keys=(
            UrlKey("date", _choice("date", q.DATE_FIELDS), default="contract_start"),
            UrlKey("split", _choice("split", q.SPLITS), default=""),
        ),
        saveable=True,
        exportable=True,
        shareable=True,
        sections=cohort_sections,
        csv=rows_writer(cohort_rows),
    )
)

DEFINITIONS = (
    "Cohort: the month of the start date. Logo retention: share of the cohort's accounts not yet churned. "
    "MRR in a month: net paid invoice amounts issued that month, in the reporting currency at each invoice's "
    "day rate. GRR: sum of min(MRR, starting MRR) over starting MRR (expansion not counted). NRR: MRR over "
    "starting MRR (expansion counted). Only elapsed months are shown."
)
ACTIVITY_DEFINITION = (
    "Cohort: the month of the first activity (first purchase or first event). Retention in month k: share of the "
    "cohort with any purchase or event in the k-th month after it. The window ends with the data's last complete "
    "month ({last:%b %Y}); a month the data only partly covers is left out. Row labels give each cohort's size."
)


def _since(today: date) -> date:
    month = today.month - MAX_MONTHS
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def content(filters: Filters, date_field: str, split: str, theme_name: str | None) -> list[Any]:
    session = db_session()
    today = date.today()
    rows = q.cohort_rows(session, filters, date_field=date_field, split=split, since=_since(today))
    tables = cohort_tables(rows["sizes"], rows["churns"], rows["revenue"], today=today, max_months=MAX_MONTHS)
    activity = q.as_activity_cohorts(
        q.activity_retention(session, filters, split=split, max_months=MAX_MONTHS)
    )
    if tables.logos.empty and activity.retention.empty:
        return [
            make_empty_state(
                "No cohorts to show",
                f"No account matching these filters has a {q.DATE_FIELDS[date_field].lower()} date in the last "
                f"{MAX_MONTHS} months, or any activity. Widen the filters or pick another date.",
                id="cohorts-empty",
            )
        ]

    def labels(matrix: Any, sizes: Any) -> list[str]:
        named = [f"{s} · {c}" if split else c for s, c in matrix.index]
        return [f"{name} ({int(n):,})" for name, n in zip(named, sizes.reindex(matrix.index), strict=True)]

    def heat(matrix: Any, name: str, gid: str, sizes: Any = tables.sizes) -> Any:
        return graph(
            heatmap(
                matrix.to_numpy().tolist(),
                labels(matrix, sizes),
                list(matrix.columns),
                theme_name,
                value_label=name,
                height=max(320, 22 * len(matrix) + 120),
            ),
            gid,
        )

    def curve(matrix: Any, name: str, gid: str, sizes: Any = tables.sizes) -> Any:
        months = list(matrix.columns)
        series = {str(k): (months, v) for k, v in weighted_curve(matrix, sizes).items()}
        return graph(
            curves(
                series, theme_name, x_label="Months since start", y_label=f"{name} (%)", hover_format=".1f"
            ),
            gid,
        )

    ages = q.health_by_age(session, filters, date_field=date_field, split=split)
    buckets = [b[2] for b in q.AGE_BUCKETS if any(a["bucket"] == b[2] for a in ages)]
    age_series = {
        s: [
            next((a["avg_score"] for a in ages if a["split"] == s and a["bucket"] == b), None)
            for b in buckets
        ]
        for s in dict.fromkeys(a["split"] for a in ages)
    }
    active_tab = []
    if not activity.retention.empty:
        active_tab = [
            dbc.Tab(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                heat(activity.retention, "Active", "cohort-active-heat", activity.sizes), lg=7
                            ),
                            dbc.Col(
                                curve(activity.retention, "Active", "cohort-active-curve", activity.sizes),
                                lg=5,
                            ),
                        ]
                    ),
                    html.P(
                        ACTIVITY_DEFINITION.format(last=activity.last_month),
                        className="small text-body-secondary mb-0",
                        id="cohort-active-definition",
                    ),
                ],
                label="Active in month k (by first activity)",
                tab_id="active",
            )
        ]
    contract_tabs = (
        []
        if tables.logos.empty
        else [
            dbc.Tab(
                dbc.Row(
                    [
                        dbc.Col(heat(tables.logos, "Logo retention", "cohort-logo-heat"), lg=7),
                        dbc.Col(curve(tables.logos, "Logo retention", "cohort-logo-curve"), lg=5),
                    ]
                ),
                label="Logo retention",
                tab_id="logo",
            ),
            dbc.Tab(
                dbc.Row(
                    [
                        dbc.Col(heat(tables.grr, "GRR", "cohort-grr-heat"), lg=7),
                        dbc.Col(curve(tables.grr, "GRR", "cohort-grr-curve"), lg=5),
                    ]
                ),
                label="Gross revenue retention",
                tab_id="grr",
            ),
            dbc.Tab(
                dbc.Row(
                    [
                        dbc.Col(heat(tables.nrr, "NRR", "cohort-nrr-heat"), lg=7),
                        dbc.Col(curve(tables.nrr, "NRR", "cohort-nrr-curve"), lg=5),
                    ]
                ),
                label="Net revenue retention",
                tab_id="nrr",
            ),
        ]
    )
    tabs = dbc.Tabs(
        contract_tabs + active_tab, id="cohort-tabs", active_tab="logo" if contract_tabs else "active"
    )
    return [
        make_fx_warnings(rows["fx_warnings"], id="cohorts-fx-warnings"),
        card(
            "Retention by cohort",
            [
                tabs,
                html.P(DEFINITIONS, className="small text-body-secondary mt-2 mb-0", id="cohort-definitions"),
            ],
            note=f"cohorts of the last {MAX_MONTHS} months",
        ),
        html.Div(className="mb-3"),
        card(
            "Health by cohort age",
            graph(
                grouped_bars(
                    buckets,
                    age_series,
                    theme_name,
                    x_label="Time since start",
                    y_label="Average score (points)",
                ),
                "cohort-age",
            ),
            note="current average score",
        ),
    ]


def layout(**query: Any) -> html.Div:
    state = url_state(query, PAGE)
    date_field, split = state.options["date"], state.options["split"]
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Cohort by", className="small mb-1", html_for=dom_id(fid("date", PAGE))),
                    dbc.Select(
                        id=fid("date", PAGE),
                        options=[{"label": v, "value": k} for k, v in q.DATE_FIELDS.items()],
                        value=date_field,
                        size="sm",
                    ),
                ],
                xs=6,
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Split by", className="small mb-1", html_for=dom_id(fid("split", PAGE))),
                    select(
                        id=fid("split", PAGE),
                        options=[{"label": v, "value": k} for k, v in q.SPLITS.items()],
                        value=split,
                        size="sm",
                    ),
                ],
                xs=6,
                md=3,
            ),
        ],
        className="g-2 mb-3",
    )
    return html.Div(
        [
            page_header("Cohorts", "How accounts and revenue are retained, by start month.", PAGE),
            *filter_section(state, PAGE, state.url_options()),
            controls,
            loading(render(state, theme()), "cohorts-content"),
        ]
    )


def render(state: UrlState, theme_name: str | None) -> list[Any]:
    return content(state.filters, state.options["date"], state.options["split"], theme_name)


update = filtered_page(PAGE, "cohorts-content", render)
