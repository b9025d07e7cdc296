"""The Export control on every explore page: CSV or PDF of what the page shows, built by a job; the control
follows the job's progress and offers the download link when the file is ready."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from dashapp.auth import guarded_callback
from dashapp.auth.permissions import can
from dashapp.exports.files import can_download
from dashapp.exports.target import ExportError
from dashapp.extensions import db_session, runtime
from jobs.exports import request_export
from models.export import Export
from models.job import JobRun

CHOICES = {
    "export-csv": ("csv", "a4"),
    "export-pdf-a4": ("pdf", "a4"),
    "export-pdf-letter": ("pdf", "letter"),
}
POLL_MS = 1000


def make_export_status(class_name: str = "export-status small mb-2") -> html.Div:
    """Where an export's progress and download link show (with the store and timer that follow it)."""
    return html.Div(
        [
            dcc.Store(id="export-current"),
            dcc.Interval(id="export-poll", interval=POLL_MS, disabled=True),
            html.Div(id="export-status", className=class_name, role="status"),
        ]
    )


def status_of(token: str) -> tuple[Any, bool]:
    """The control's content for the export `token`, and whether to keep polling."""
    session = db_session()
    export = session.query(Export).filter_by(token=token).one_or_none()
    if export is None or not can_download(session, current_user, export):
        return no_update, False
    run = session.get(JobRun, export.job_run_id) if export.job_run_id else None
    return _status(export, run)


def make_export_menu(page: str) -> html.Div:
    allowed = can(current_user, "export")
    menu = dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem("CSV (every row)", id="export-csv"),
            dbc.DropdownMenuItem("PDF snapshot (A4)", id="export-pdf-a4"),
            dbc.DropdownMenuItem("PDF snapshot (Letter)", id="export-pdf-letter"),
        ],
        label="Export",
        id="export-menu",
        size="sm",
        color="secondary",
        align_end=True,
        disabled=not allowed,
    )
    return html.Div(
        [menu, make_export_status("export-status small d-flex align-items-center")],
        className="d-flex flex-wrap gap-2 align-items-start export-menu",
    )


def _status(export: Export, run: JobRun | None) -> tuple[Any, bool]:
    """What the control shows, and whether to keep polling."""
    label = (
        "CSV"
        if export.format == "csv"
        else f"PDF ({export.paper.upper() if export.paper == 'a4' else 'Letter'})"
    )
    if export.status == "finished":
        rows = f" · {export.rows:,} rows" if export.rows is not None else ""
        link = html.A(
            f"Download {label}",
            href=f"/exports/{export.token}/download",
            id="export-download",
            className="btn btn-sm btn-success",
            title=export.filename,
        )
        return html.Span([link, html.Span(rows, className="ms-2 text-body-secondary")]), False
    if export.status in ("failed", "expired"):
        reason = (export.error or "").splitlines()[0] if export.error else export.status
        return dbc.Alert(
            f"Export failed: {reason}", color="danger", className="py-1 px-2 mb-0", id="export-error"
        ), False
    progress = run.progress if run else 0.0
    message = (run.message if run else "") or ("waiting for a worker" if export.status == "queued" else "")
    bar = dbc.Progress(
        value=max(5, int(progress * 100)),
        striped=True,
        animated=True,
        style={"width": "8rem", "height": "0.9rem"},
        id="export-progress",
    )
    return html.Span(
        [bar, html.Span(f"{label}: {message}", className="ms-2 text-body-secondary")],
        className="d-inline-flex align-items-center",
    ), True


def make_view_export(view_id: int) -> dbc.ButtonGroup:
    """CSV and PDF buttons for one saved view (the saved-views page); the export is of the view itself, so
    whoever may see the view may download it."""
    allowed = can(current_user, "export")
    return dbc.ButtonGroup(
        [
            dbc.Button(
                label,
                id={"type": "view-export", "view": view_id, "format": fmt},
                size="sm",
                color="secondary",
                outline=True,
                disabled=not allowed,
            )
            for label, fmt in (("CSV", "csv"), ("PDF", "pdf"))
        ],
        size="sm",
    )


def register(app: Dash) -> None:
    @guarded_callback(
        "export",
        Output("export-current", "data"),
        Output("export-poll", "disabled"),
        Output("export-status", "children"),
        Input("export-csv", "n_clicks"),
        Input("export-pdf-a4", "n_clicks"),
        Input("export-pdf-letter", "n_clicks"),
        State({"type": "page-query", "page": ALL}, "data"),
        prevent_initial_call=True,
    )
    def start(_csv: int | None, _a4: int | None, _letter: int | None, states: list) -> tuple:
        choice = CHOICES.get(str(ctx.triggered_id))
        state = next((s for s in states or [] if s), None)
        if choice is None or not state:
            return no_update, True, dbc.Alert("Nothing to export on this page.", color="warning")
        fmt, paper = choice
        session = db_session()
        rt = runtime()
        user = session.merge(current_user._get_current_object())
        try:
            export = request_export(
                rt.settings,
                rt.db,
                session,
                user,
                format=fmt,
                page=state.get("path", ""),
                query=state.get("q", ""),
                paper=paper,
            )
        except ExportError as exc:
            session.rollback()
            return no_update, True, dbc.Alert(str(exc), color="danger", className="py-1 px-2 mb-0")
        run = session.get(JobRun, export.job_run_id) if export.job_run_id else None
        shown, polling = _status(export, run)
        return export.token, not polling, shown

    @guarded_callback(
        "export",
        Output("export-current", "data", allow_duplicate=True),
        Output("export-poll", "disabled", allow_duplicate=True),
        Output("export-status", "children", allow_duplicate=True),
        Input({"type": "view-export", "view": ALL, "format": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def start_view(clicks: list) -> tuple:
        trigger = ctx.triggered_id
        if not trigger or not any(clicks):
            return no_update, no_update, no_update
        session = db_session()
        rt = runtime()
        user = session.merge(current_user._get_current_object())
        try:
            export = request_export(
                rt.settings, rt.db, session, user, format=trigger["format"], view_id=int(trigger["view"])
            )
        except ExportError as exc:
            session.rollback()
            return no_update, True, dbc.Alert(str(exc), color="danger", className="py-1 px-2 mb-0")
        shown, polling = status_of(export.token)
        return export.token, not polling, shown

    @app.callback(
        Output("export-status", "children", allow_duplicate=True),
        Output("export-poll", "disabled", allow_duplicate=True),
        Input("export-poll", "n_intervals"),
        State("export-current", "data"),
        prevent_initial_call=True,
    )
    def poll(_n: int | None, token: str | None) -> tuple:
        if not token:
            return no_update, True
        shown, polling = status_of(token)
        return shown, not polling
