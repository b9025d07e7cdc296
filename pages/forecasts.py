"""Forecasts: the book's and each segment's health, bands, active users and MRR 30 or 90 days ahead,
and the at-risk and top accounts' health, each beside its backtest against seasonal naive."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from flask_login import current_user
from sqlalchemy import select

from components.filter_bar import make_page_query_store
from components.forecasts import make_forecast_block, verdict_badge
from components.messages import make_empty_state
from components.tables import account_link
from dashapp.analytics.forecasting.model import HORIZONS
from dashapp.analytics.forecasting.series import GROUP_METRICS
from dashapp.auth import guarded_callback, page_permission
from dashapp.auth.permissions import can
from dashapp.explore.registry import ExplorePage, UrlKey, declare
from dashapp.exports.analytics_rows import forecast_rows
from dashapp.exports.csvfile import rows_writer
from dashapp.extensions import db_session, runtime
from dashapp.queries.forecasts import SeriesView, has_any, list_series, segments
from dashapp.share.analytics import forecast_sections
from dashapp.ui.page import loading, page_header, theme, theme_id, theme_store
from models.account import Account

PAGE = "/forecasts"
RUN_PERMISSION = "run_jobs"
dash.register_page(
    __name__, path=PAGE, name="Forecasts", title="Forecasts · healthdash", nav_order=34, nav_group="Analytics"
)

EMPTY_HINT = (
    "Forecasts are fitted in the background every night at 04:00 UTC from the stored health snapshots, "
    "usage and billing. To fit them now, a manager or admin clicks \u201cFit forecasts now\u201d above, or "
    "runs `healthdash forecasts run` (workers must be running for the button: `healthdash worker`). "
    "Each series needs at least 28 days of history."
)


def _scope_options(session: Any) -> list[dict[str, str]]:
    return [{"label": "Whole book", "value": "book"}] + [
        {"label": f"Segment: {s}", "value": f"segment:{s}"} for s in segments(session)
    ]


def _parse(scope: str | None, horizon: str | None) -> tuple[str, str | None, int]:
    kind, _, segment = (scope or "book").partition(":")
    h = int(horizon) if horizon and horizon.isdigit() and int(horizon) in HORIZONS else HORIZONS[0]
    if kind == "segment" and segment:
        return "segment", segment, h
    return "book", None, h


def _read_scope(value: Any) -> tuple[Any, str | None]:
    kind, segment, _h = _parse(str(value), None)
    if kind == "book" and value != "book":
        return None, f"scope: {str(value)[:40]!r} is not 'book' or 'segment:<name>'"
    return (f"segment:{segment}" if segment else "book"), None


def _read_horizon(value: Any) -> tuple[Any, str | None]:
    if str(value).isdigit() and int(value) in HORIZONS:
        return str(int(value)), None
    return None, f"horizon: {str(value)[:20]!r} is not one of {', '.join(map(str, HORIZONS))} days"


EXPLORE = declare(
    ExplorePage(
        PAGE,
        "Forecasts",
        keys=(
            UrlKey("scope", _read_scope, default="book"),
            UrlKey("horizon", _read_horizon, default=str(HORIZONS[0])),
        ),
        saveable=True,
        exportable=True,
        shareable=True,
        sections=forecast_sections,
        csv=rows_writer(forecast_rows),
    )
)


def _accounts_table(session: Any, views: list[SeriesView], horizon: int) -> Any:
    ids = [v.account_id for v in views if v.account_id is not None]
    names = {
        r.id: (r.external_id, r.name)
        for r in session.execute(
            select(Account.id, Account.external_id, Account.name).where(Account.id.in_(ids))
        )
    }
    rows = []
    for v in views:
        result = v.result(horizon)
        external_id, name = names.get(v.account_id, (None, v.label))
        last = v.history.get("y", [None])[-1] if v.history.get("y") else None
        end = result.points[-1]["yhat"] if result and result.points else None
        rows.append(
            html.Tr(
                [
                    html.Td(account_link(external_id, name) if external_id else name),
                    html.Td(f"{last:.1f}" if last is not None else "\u2013"),
                    html.Td(f"{end:.1f}" if end is not None else "\u2013"),
                    html.Td(verdict_badge(result) if result else v.message),
                    html.Td(result.evaluation_note if result else "", className="small"),
                ]
            )
        )
    head = html.Thead(
        html.Tr(
            [
                html.Th("Account"),
                html.Th("Score now"),
                html.Th(f"Forecast in {horizon} days"),
                html.Th("Backtest"),
                html.Th("MASE vs seasonal naive"),
            ]
        )
    )
    return dbc.Table([head, html.Tbody(rows)], size="sm", responsive=True, id="forecast-accounts")


def content(scope: str | None, horizon: str | None, theme_name: str | None) -> list[Any]:
    session = db_session()
    kind, segment, h = _parse(scope, horizon)
    if not has_any(session):
        return [make_empty_state("No forecasts yet", EMPTY_HINT, id="forecasts-empty")]
    views = list_series(session, scope=kind, segment=segment)
    order = {m: i for i, m in enumerate(GROUP_METRICS)}
    views.sort(key=lambda v: order.get(v.metric, 99))
    blocks = [make_forecast_block(v, h, theme_name, index=v.key) for v in views]
    if not blocks:
        blocks = [
            make_empty_state(
                "No forecasts for this segment",
                "This segment has no fitted series yet; they are fitted with the next run.",
                id="forecasts-empty-scope",
            )
        ]
    accounts = list_series(session, scope="account")
    if accounts:
        table = _accounts_table(session, accounts, h)
    else:
        table = html.P("No account forecasts yet.", className="text-body-secondary mb-0")
    return [
        *blocks,
        dbc.Card(
            [
                dbc.CardHeader(
                    [
                        "Accounts: health forecast",
                        html.Span(
                            " · at-risk (red) and top accounts by ARR",
                            className="small text-body-secondary fw-normal",
                        ),
                    ]
                ),
                dbc.CardBody(table),
            ],
            className="chart-card mb-3",
        ),
    ]


def _run_controls() -> Any:
    if not can(current_user, RUN_PERMISSION):
        return None
    return html.Div(
        [
            dbc.Button("Fit forecasts now", id="forecasts-run", color="primary", size="sm", className="me-2"),
            html.Span(id="forecasts-run-message", className="small"),
        ],
        className="mb-3",
    )


@page_permission("view")
def layout(**query: Any) -> html.Div:
    scope_value = query.get("scope") if isinstance(query.get("scope"), str) else None
    horizon_value = query.get("horizon") if isinstance(query.get("horizon"), str) else None
    _kind, segment, h = _parse(scope_value, horizon_value)
    scope = f"segment:{segment}" if segment else "book"
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Series of", className="small mb-1", html_for="forecasts-scope"),
                    dbc.Select(
                        id="forecasts-scope", options=_scope_options(db_session()), value=scope, size="sm"
                    ),
                ],
                xs=6,
                md=3,
            ),
            dbc.Col(
                [
                    dbc.Label("Horizon", className="small mb-1", html_for="forecasts-horizon"),
                    dbc.Select(
                        id="forecasts-horizon",
                        options=[{"label": f"{x} days", "value": str(x)} for x in HORIZONS],
                        value=str(h),
                        size="sm",
                    ),
                ],
                xs=6,
                md=2,
            ),
        ],
        className="g-2 mb-3",
    )
    return html.Div(
        [
            page_header(
                "Forecasts",
                "Where health, bands, active users and MRR are heading, and whether each forecast beats "
                "a repeat of last week.",
                PAGE,
            ),
            _run_controls(),
            controls,
            theme_store(PAGE),
            make_page_query_store(PAGE, _page_query(scope, str(h))),
            loading(content(scope, str(h), theme()), "forecasts-content"),
        ]
    )


def _page_query(scope: str | None, horizon: str | None) -> str:
    """The URL of what the page shows (what Save view and Export read)."""
    _kind, segment, h = _parse(scope, horizon)
    options = {"scope": f"segment:{segment}" if segment else "book", "horizon": str(h)}
    return urlencode([(k.name, v) for k in EXPLORE.keys for v in k.write(options[k.name])])


@dash.callback(
    Output("forecasts-content", "children"),
    Output({"type": "page-query", "page": PAGE}, "data"),
    Input("forecasts-scope", "value"),
    Input("forecasts-horizon", "value"),
    Input(theme_id(PAGE), "data"),
    prevent_initial_call=True,
)
def update(scope: str | None, horizon: str | None, theme_name: str | None) -> tuple:
    state = {"path": PAGE, "q": _page_query(scope, horizon), "replace": False}
    return content(scope, horizon, theme_name), state


@guarded_callback(
    RUN_PERMISSION,
    Output("forecasts-run-message", "children"),
    Input("forecasts-run", "n_clicks"),
    State("forecasts-run-message", "children"),
    prevent_initial_call=True,
)
def run_now(_clicks: int | None, _current: Any) -> Any:
    from jobs.forecasts import enqueue_run

    rt = runtime()
    run = enqueue_run(rt.settings, rt.db, requested_by_id=current_user.id)
    return (
        f"Queued run {run.id}: the workers fit each series whose input changed; "
        "reload this page when it has finished."
    )
