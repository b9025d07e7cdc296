"""Status (admin): queues, workers, failed jobs with retry and cancel, and how fresh the scores are."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, ctx, dcc, html

from components.status import make_failed_table, make_freshness, make_queue_table, make_worker_table
from dashapp.auth import guarded_callback, page_permission
from dashapp.extensions import db_session, runtime
from dashapp.ops import status
from jobs.queues import all_queues

# Only administrators hold this permission; the page shows every team's jobs and can act on them.
PERMISSION = "manage_users"
REFRESH_MS = 15_000

dash.register_page(
    __name__,
    path="/admin/status",
    name="Status",
    title="Status · healthdash",
    nav_order=92,
    nav_group="Admin",
    permission=PERMISSION,
)


def _body() -> list:
    settings = runtime().settings
    queues = all_queues(settings)
    session = db_session()
    return [
        dbc.Row(
            [
                dbc.Col([html.H4("Queues"), make_queue_table(status.queue_rows(settings, queues))], lg=7),
                dbc.Col(make_freshness(status.score_freshness(session)), lg=5),
            ],
            className="g-3 mb-3",
        ),
        html.H4("Workers"),
        make_worker_table(status.worker_rows(settings, queues)),
        html.H4("Failed jobs", className="mt-3"),
        make_failed_table(status.failed_jobs(settings, session, queues)),
    ]


@page_permission(PERMISSION)
def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Status", className="page-title"),
            html.P(
                "Background work right now: what waits, what runs, what failed. Refreshes every 15 s.",
                className="page-subtitle",
            ),
            html.Div(id="status-message"),
            html.Div(_body(), id="status-body"),
            dcc.Interval(id="status-refresh", interval=REFRESH_MS),
        ]
    )


@guarded_callback(
    PERMISSION,
    Output("status-body", "children"),
    Output("status-message", "children"),
    Input("status-refresh", "n_intervals"),
    Input({"type": "status-retry", "job": ALL}, "n_clicks"),
    Input({"type": "status-cancel", "job": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def act(_n: int | None, _retries: list, _cancels: list) -> tuple:
    message = dash.no_update
    trigger = ctx.triggered_id
    clicked = ctx.triggered[0]["value"] if ctx.triggered else None
    if isinstance(trigger, dict) and clicked:
        settings = runtime().settings
        session = db_session()
        action = status.retry if trigger["type"] == "status-retry" else status.cancel
        try:
            title = action(settings, session, all_queues(settings), str(trigger["job"]))
        except status.StatusError as exc:
            session.rollback()
            message = dbc.Alert(str(exc), color="warning", dismissable=True)
        else:
            session.commit()
            verb = "queued again" if action is status.retry else "canceled"
            message = dbc.Alert(f"{title}: {verb}.", color="success", dismissable=True)
    return _body(), message
