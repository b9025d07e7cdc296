"""make_* factories for the admin Status page: queues, workers, failed jobs with actions, score freshness."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import html

from dashapp.ops.status import FailedJob, Freshness, QueueRow, WorkerRow


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "never"
    seconds = max(0.0, (now - value).total_seconds())
    if seconds < 120:
        ago = f"{seconds:.0f} s ago"
    elif seconds < 7200:
        ago = f"{seconds / 60:.0f} min ago"
    elif seconds < 172800:
        ago = f"{seconds / 3600:.0f} h ago"
    else:
        ago = f"{seconds / 86400:.0f} days ago"
    return f"{value:%Y-%m-%d %H:%M} UTC ({ago})"


def _table(header: list[str], rows: list[list], table_id: str) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows]),
        ],
        striped=True,
        hover=True,
        responsive=True,
        size="sm",
        id=table_id,
    )


def make_queue_table(rows: list[QueueRow]) -> dbc.Table:
    header = ["Queue", "Waiting", "Running", "Scheduled", "Deferred", "Failed", "Workers"]
    body = [[r.name, r.waiting, r.running, r.scheduled, r.deferred, r.failed, r.workers] for r in rows]
    return _table(header, body, "status-queues")


def make_worker_table(rows: list[WorkerRow], now: datetime | None = None) -> html.Div | dbc.Table:
    now = now or datetime.now(UTC)
    if not rows:
        return dbc.Alert(
            "No worker is running: queued jobs will wait. Start one with `healthdash worker`.", color="danger"
        )
    body = [[w.name, w.state, w.queues, w.current_job or "—", _when(w.last_heartbeat, now)] for w in rows]
    return _table(["Worker", "State", "Queues", "Current job", "Last heartbeat"], body, "status-workers")


def make_failed_table(rows: list[FailedJob], now: datetime | None = None) -> html.Div | dbc.Table:
    now = now or datetime.now(UTC)
    if not rows:
        return html.P("No failed jobs.", className="text-muted", id="status-failed-empty")
    body = [
        [
            r.title,
            r.queue,
            _when(r.ended_at, now),
            html.Code(r.error or "—"),
            dbc.ButtonGroup(
                [
                    dbc.Button(
                        "Retry", id={"type": "status-retry", "job": r.job_id}, size="sm", color="primary"
                    ),
                    dbc.Button(
                        "Cancel", id={"type": "status-cancel", "job": r.job_id}, size="sm", color="secondary"
                    ),
                ]
            ),
        ]
        for r in rows
    ]
    return _table(["Job", "Queue", "Failed", "Error", ""], body, "status-failed")


def make_freshness(freshness: Freshness, now: datetime | None = None) -> dbc.Card:
    now = now or datetime.now(UTC)
    age = freshness.age_seconds(now)
    stale = age is None or age > 36 * 3600
    return dbc.Card(
        dbc.CardBody(
            [
                html.H5("Score freshness", className="card-title"),
                html.P(
                    [
                        dbc.Badge(
                            "stale" if stale else "fresh",
                            color="danger" if stale else "success",
                            className="me-2",
                        ),
                        f"Newest score written {_when(freshness.newest_score_at, now)}",
                    ]
                ),
                html.P(
                    f"Latest scored day: {freshness.newest_score_day or 'none'} · "
                    f"accounts scored: {freshness.accounts_scored:,} · "
                    f"last score job finished {_when(freshness.last_score_job_at, now)}",
                    className="text-muted mb-0",
                ),
            ]
        ),
        id="status-freshness",
    )
