"""Reports: weekly or monthly executive summaries of a saved view or the whole book, emailed as PDF.
Create one, preview it, pause or resume it, and see its deliveries."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update
from flask_login import current_user

from components.a11y import select
from dashapp.auth import guarded_callback
from dashapp.explore.registry import title_of
from dashapp.extensions import db_session, runtime
from dashapp.reports.service import (
    ReportError,
    create_schedule,
    deliveries,
    set_paused,
    visible_schedules,
)
from dashapp.saved_views import visible_views
from dashapp.ui.export import make_export_status, status_of
from jobs.reports import request_preview
from models.user import User
from models.view import SavedView

PAGE = "/reports"
dash.register_page(
    __name__, path=PAGE, name="Reports", title="Reports · healthdash", nav_order=70, permission="export"
)
_DELIVERY_COLOR = {"sent": "success", "failed": "danger", "pending": "secondary"}


def _user() -> User:
    return db_session().merge(current_user._get_current_object())


def _history(schedule_id: int) -> Any:
    items = deliveries(db_session(), schedule_id, limit=5)
    if not items:
        return html.Span("not sent yet", className="text-body-secondary")
    return html.Ul(
        [
            html.Li(
                [
                    dbc.Badge(d.status, color=_DELIVERY_COLOR.get(d.status, "secondary"), className="me-1"),
                    f"{d.period} · {d.attempts} attempt{'s' if d.attempts != 1 else ''}",
                    f" · sent {d.sent_at:%d %b %Y %H:%M} UTC" if d.sent_at else "",
                    html.Div(d.error, className="small text-danger")
                    if d.error and d.status != "sent"
                    else None,
                ]
            )
            for d in items
        ],
        className="list-unstyled mb-0 small",
    )


def _table() -> Any:
    session = db_session()
    schedules = visible_schedules(session, _user())
    if not schedules:
        return html.P("No reports yet.", className="text-body-secondary mb-0", id="reports-empty")
    rows = []
    for s in schedules:
        view = session.get(SavedView, s.view_id) if s.view_id else None
        scope = f"{view.name} ({title_of(view.page)})" if view else "Whole book"
        rows.append(
            html.Tr(
                [
                    html.Td(s.name),
                    html.Td(scope),
                    html.Td(s.frequency),
                    html.Td(", ".join(s.recipients), className="small"),
                    html.Td(
                        dbc.Badge(
                            "paused" if s.paused else "running", color="secondary" if s.paused else "success"
                        )
                    ),
                    html.Td(_history(s.id)),
                    html.Td(
                        [
                            dbc.Button(
                                "Resume" if s.paused else "Pause",
                                id={"type": "report-pause", "id": s.id},
                                size="sm",
                                color="secondary",
                                className="me-1",
                            ),
                            dbc.Button(
                                "Preview",
                                id={"type": "report-preview", "id": s.id},
                                size="sm",
                                color="primary",
                            ),
                        ],
                        className="text-nowrap",
                    ),
                ]
            )
        )
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Name", "Of", "Every", "Recipients", "State", "Deliveries", "")])
    )
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="reports-table")


def _view_options() -> list[dict[str, Any]]:
    options = [{"label": "Whole book", "value": ""}]
    for v in visible_views(db_session(), _user()):
        options.append({"label": f"{v.name} ({title_of(v.page)})", "value": str(v.id)})
    return options


def layout(**_query: Any) -> html.Div:
    form = dbc.Card(
        [
            dbc.CardHeader("New report"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    dbc.Label("Name", html_for="report-name"),
                                    dbc.Input(
                                        id="report-name", maxLength=120, placeholder="e.g. Weekly health"
                                    ),
                                ],
                                md=4,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("Of", html_for="report-view"),
                                    select(id="report-view", options=_view_options(), value=""),
                                ],
                                md=4,
                            ),
                            dbc.Col(
                                [
                                    dbc.Label("Every", html_for="report-frequency"),
                                    dbc.Select(
                                        id="report-frequency",
                                        value="weekly",
                                        options=[
                                            {"label": "Week", "value": "weekly"},
                                            {"label": "Month", "value": "monthly"},
                                        ],
                                    ),
                                ],
                                md=4,
                            ),
                        ],
                        className="g-2",
                    ),
                    dbc.Label(
                        "Recipients (email addresses, separated by commas)",
                        html_for="report-recipients",
                        className="mt-2",
                    ),
                    dbc.Textarea(id="report-recipients", rows=2),
                    dbc.Button("Create report", id="report-create", color="primary", className="mt-2"),
                    html.Div(id="report-result", className="mt-2"),
                ]
            ),
        ],
        className="mb-3",
    )
    return html.Div(
        [
            html.H1("Reports", className="page-title"),
            html.P(
                "An executive summary (KPIs and their change, band migration, accounts at risk and why, top "
                "movers, renewals at risk) emailed as a PDF every week or month, with a link to the live view.",
                className="page-subtitle",
            ),
            form,
            make_export_status(),
            dbc.Card([dbc.CardHeader("Your reports"), dbc.CardBody(html.Div(_table(), id="reports-list"))]),
        ]
    )


@guarded_callback(
    "export",
    Output("report-result", "children"),
    Output("reports-list", "children"),
    Input("report-create", "n_clicks"),
    State("report-name", "value"),
    State("report-view", "value"),
    State("report-frequency", "value"),
    State("report-recipients", "value"),
    prevent_initial_call=True,
)
def create(_n: int | None, name: str | None, view: str | None, frequency: str | None, recipients: str | None):
    session = db_session()
    try:
        schedule = create_schedule(
            session,
            _user(),
            name=name or "",
            frequency=frequency or "",
            recipients=recipients or "",
            view_id=int(view) if view and view.isdigit() else None,
            allowed_domains=runtime().settings.report_recipient_domains,
        )
        session.commit()
    except ReportError as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger", id="report-error"), no_update
    return dbc.Alert(f"Report “{schedule.name}” created.", color="success", id="report-created"), _table()


@guarded_callback(
    "export",
    Output("reports-list", "children", allow_duplicate=True),
    Input({"type": "report-pause", "id": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def pause(clicks: list) -> Any:
    if not ctx.triggered_id or not any(clicks):
        return no_update
    session = db_session()
    schedule_id = int(ctx.triggered_id["id"])
    try:
        schedule = next(s for s in visible_schedules(session, _user()) if s.id == schedule_id)
        set_paused(session, _user(), schedule_id, not schedule.paused)
        session.commit()
    except (ReportError, StopIteration):
        session.rollback()
    return _table()


@guarded_callback(
    "export",
    Output("export-current", "data", allow_duplicate=True),
    Output("export-poll", "disabled", allow_duplicate=True),
    Output("export-status", "children", allow_duplicate=True),
    Input({"type": "report-preview", "id": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def preview(clicks: list) -> tuple:
    if not ctx.triggered_id or not any(clicks):
        return no_update, no_update, no_update
    rt = runtime()
    try:
        export = request_preview(rt.settings, rt.db, _user(), int(ctx.triggered_id["id"]))
    except ReportError as exc:
        return no_update, True, dbc.Alert(str(exc), color="danger")
    shown, polling = status_of(export.token)
    return export.token, not polling, shown
