"""Data in (admin): what came in from each source, write keys for the event API, CSV upload with mapping,
preview and progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from flask_login import current_user
from sqlalchemy import select

from components.a11y import hidden_label
from components.ingest import (
    make_freshness_table,
    make_import_history,
    make_mapping_table,
    make_preview_table,
    make_write_key_table,
)
from dashapp.auth import guarded_callback, page_permission
from dashapp.extensions import db_session, runtime
from dashapp.ingest import uploads
from dashapp.ingest.csv_import import ImportOptions, start_import
from dashapp.ingest.csv_reader import FileProblem
from dashapp.ingest.fields import FIELDS
from dashapp.ingest.writekeys import WriteKeyError, create_write_key, list_write_keys, revoke_write_key
from dashapp.queries.freshness import DAYS as FRESHNESS_DAYS
from dashapp.queries.freshness import source_freshness
from models.ingest import DataImport
from models.job import JobRun

PERMISSION = "manage_integrations"
STALE_AFTER = timedelta(days=2)  # a source quiet for longer is marked on the freshness table
dash.register_page(
    __name__,
    path="/admin/data",
    name="Data in",
    title="Data in · healthdash",
    nav_order=88,
    nav_group="Admin",
    permission=PERMISSION,
)


def _keys_card() -> dbc.Card:
    keys = list_write_keys(db_session())
    options = [{"label": k.name, "value": k.id} for k in keys if not k.revoked_at]
    return dbc.Card(
        [
            dbc.CardHeader("Write keys (event API)"),
            dbc.CardBody(
                [
                    html.Div(make_write_key_table(keys), id="write-key-table-wrap"),
                    dbc.InputGroup(
                        [
                            dbc.Input(id="write-key-name", placeholder="Source name, e.g. web app"),
                            dbc.Button("Create key", id="write-key-create", color="primary"),
                        ],
                        className="mb-2",
                    ),
                    hidden_label("Key to revoke", "write-key-revoke-id"),
                    dbc.InputGroup(
                        [
                            dbc.Select(
                                id="write-key-revoke-id", options=options, placeholder="Key to revoke"
                            ),
                            dbc.Button("Revoke", id="write-key-revoke", color="danger", outline=True),
                        ]
                    ),
                    html.Div(id="write-key-message", className="mt-2"),
                    html.P(
                        [
                            "Point a Segment library at ",
                            html.Code(runtime().settings.public_url),
                            " (it posts to /v1/batch) with one of these keys.",
                        ],
                        className="small text-body-secondary mt-2 mb-0",
                    ),
                ]
            ),
        ],
        className="mb-3",
    )


def _import_card() -> dbc.Card:
    kinds = [{"label": k, "value": k} for k in FIELDS]
    return dbc.Card(
        [
            dbc.CardHeader("Import a CSV file"),
            dbc.CardBody(
                [
                    dbc.Row(
                        [
                            dbc.Col(
                                [
                                    hidden_label("What the file holds", "import-kind"),
                                    dbc.Select(id="import-kind", options=kinds, value="accounts"),
                                ],
                                md=4,
                            ),
                            dbc.Col(
                                dcc.Upload(
                                    html.Div(["Drop a CSV file here or ", html.A("choose one")]),
                                    id="import-upload",
                                    max_size=uploads.MAX_UPLOAD_BYTES,
                                    accept=".csv,text/csv",
                                    className="import-upload",
                                ),
                                md=8,
                            ),
                        ],
                        className="g-2 mb-2",
                    ),
                    html.P(
                        [
                            "UTF-8 CSV with a header row, up to 45 MB (bigger files: ",
                            html.Code("healthdash import"),
                            "). Rows are upserted by id; importing the same file again changes nothing.",
                        ],
                        className="small text-body-secondary",
                    ),
                    html.Div(id="import-file-message"),
                    html.Div(id="import-mapping"),
                    html.Div(id="import-preview"),
                    dbc.Checklist(
                        id="import-dry-run",
                        options=[{"label": "Dry run (check only, save nothing)", "value": "dry"}],
                        value=[],
                        switch=True,
                        className="my-2",
                    ),
                    dbc.Button("Import", id="import-start", color="primary", disabled=True),
                    dbc.Progress(id="import-progress", value=0, className="my-2", style={"height": "1.2rem"}),
                    html.Div(id="import-status"),
                    dcc.Store(id="import-file"),
                    dcc.Store(id="import-run"),
                    dcc.Interval(id="import-poll", interval=700, disabled=True),
                ]
            ),
        ],
        className="mb-3",
    )


def _freshness() -> Any:
    return make_freshness_table(source_freshness(db_session()), datetime.now(UTC), STALE_AFTER)


def _history() -> html.Div:
    imports = db_session().scalars(select(DataImport).order_by(DataImport.id.desc()).limit(10)).all()
    return make_import_history(list(imports))


@page_permission(PERMISSION)
def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Data in", className="page-title"),
            html.P(
                "Send events with a Segment library, import CSV files, and see what came in.",
                className="page-subtitle",
            ),
            dbc.Card(
                [
                    dbc.CardHeader(f"What came in (last {FRESHNESS_DAYS} days)"),
                    dbc.CardBody(_freshness(), id="freshness-wrap"),
                ],
                className="mb-3",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            _import_card(),
                            dbc.Card(
                                [
                                    dbc.CardHeader("Recent imports"),
                                    dbc.CardBody(_history(), id="import-history-wrap"),
                                ]
                            ),
                        ],
                        lg=7,
                    ),
                    dbc.Col(_keys_card(), lg=5),
                ],
                className="g-3",
            ),
        ]
    )


@guarded_callback(
    PERMISSION,
    Output("write-key-message", "children"),
    Output("write-key-table-wrap", "children"),
    Input("write-key-create", "n_clicks"),
    Input("write-key-revoke", "n_clicks"),
    State("write-key-name", "value"),
    State("write-key-revoke-id", "value"),
    prevent_initial_call=True,
)
def change_keys(_create: int, _revoke: int, name: str | None, key_id: str | None) -> tuple:
    session = db_session()
    actor = current_user._get_current_object()
    try:
        if dash.ctx.triggered_id == "write-key-create":
            row, key = create_write_key(session, name or "", actor=actor)
            message = dbc.Alert(
                [
                    html.Div(f"Created {row.name!r}. Copy the key now; it is not shown again:"),
                    html.Code(key, id="write-key-secret", className="user-select-all"),
                ],
                color="success",
            )
        else:
            if not key_id:
                raise WriteKeyError("choose a key to revoke")
            row = revoke_write_key(session, int(key_id), actor=actor)
            message = dbc.Alert(f"Revoked {row.name!r}.", color="warning")
    except WriteKeyError as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger"), dash.no_update
    session.commit()
    return message, make_write_key_table(list_write_keys(session))


def _show_preview(path_name: str, kind: str, overrides: dict[str, str]) -> tuple:
    settings = runtime().settings
    try:
        result = uploads.preview(uploads.resolve_upload(settings, path_name), kind, overrides)
    except FileProblem as exc:
        return dbc.Alert(str(exc), color="danger"), "", "", True
    mapping = make_mapping_table(result["header"], result["choices"], uploads.choice_options(kind))
    if result["problem"]:
        return dbc.Alert(result["problem"], color="warning"), mapping, "", True
    return "", mapping, make_preview_table(result["rows"], result["fields"]), False


@guarded_callback(
    PERMISSION,
    Output("import-file-message", "children"),
    Output("import-mapping", "children"),
    Output("import-preview", "children"),
    Output("import-start", "disabled"),
    Output("import-file", "data"),
    Input("import-upload", "contents"),
    Input("import-kind", "value"),
    State("import-upload", "filename"),
    State("import-file", "data"),
    prevent_initial_call=True,
)
def receive_file(contents: str | None, kind: str, filename: str | None, current: dict | None) -> tuple:
    if dash.ctx.triggered_id == "import-upload" and contents:
        try:
            path = uploads.save_upload(runtime().settings, filename or "upload.csv", contents)
        except FileProblem as exc:
            return dbc.Alert(str(exc), color="danger"), "", "", True, None
        current = {"path": path.name, "filename": filename or "upload.csv"}
    if not current:
        return "", "", "", True, None
    message, mapping, preview, disabled = _show_preview(current["path"], kind, {})
    return (
        message or html.P(f"File: {current['filename']}", className="mb-2"),
        mapping,
        preview,
        disabled,
        current,
    )


@guarded_callback(
    PERMISSION,
    Output("import-preview", "children", allow_duplicate=True),
    Output("import-file-message", "children", allow_duplicate=True),
    Output("import-start", "disabled", allow_duplicate=True),
    Input({"type": "import-map", "column": ALL}, "value"),
    State({"type": "import-map", "column": ALL}, "id"),
    State("import-kind", "value"),
    State("import-file", "data"),
    prevent_initial_call=True,
)
def remap(choices: list[str], ids: list[dict], kind: str, current: dict | None) -> tuple:
    if not current or not ids:
        raise dash.exceptions.PreventUpdate
    overrides = uploads.overrides_from_choices([i["column"] for i in ids], choices)
    message, _mapping, preview, disabled = _show_preview(current["path"], kind, overrides)
    return preview, message or html.P(f"File: {current['filename']}", className="mb-2"), disabled


@guarded_callback(
    PERMISSION,
    Output("import-run", "data"),
    Output("import-poll", "disabled"),
    Output("import-status", "children"),
    Output("import-start", "disabled", allow_duplicate=True),
    Input("import-start", "n_clicks"),
    State({"type": "import-map", "column": ALL}, "value"),
    State({"type": "import-map", "column": ALL}, "id"),
    State("import-kind", "value"),
    State("import-dry-run", "value"),
    State("import-file", "data"),
    prevent_initial_call=True,
)
def start(
    _n: int, choices: list[str], ids: list[dict], kind: str, dry: list[str], current: dict | None
) -> tuple:
    from jobs.ingest import enqueue_import

    rt = runtime()
    if not current:
        return dash.no_update, True, dbc.Alert("Upload a file first.", color="warning"), True
    try:
        path = uploads.resolve_upload(rt.settings, current["path"])
    except FileProblem as exc:
        return dash.no_update, True, dbc.Alert(str(exc), color="danger"), True
    options = ImportOptions(
        kind=kind,
        mapping=uploads.overrides_from_choices([i["column"] for i in ids], choices),
        dry_run="dry" in (dry or []),
        filename=current["filename"],
        requested_by_id=current_user.id,
    )
    import_id = start_import(rt.db, options)
    run = enqueue_import(rt.settings, rt.db, import_id, path, options)
    db_session().commit()
    status = html.Div("Queued…", className="text-body-secondary")
    return {"import_id": import_id, "run_id": run.id}, False, status, True


@guarded_callback(
    PERMISSION,
    Output("import-progress", "value"),
    Output("import-progress", "label"),
    Output("import-status", "children", allow_duplicate=True),
    Output("import-poll", "disabled", allow_duplicate=True),
    Output("import-history-wrap", "children"),
    Input("import-poll", "n_intervals"),
    State("import-run", "data"),
    prevent_initial_call=True,
)
def poll(_n: int, run: dict | None) -> tuple:
    if not run:
        raise dash.exceptions.PreventUpdate
    session = db_session()
    job = session.get(JobRun, run["run_id"])
    imp = session.get(DataImport, run["import_id"])
    if job is None or imp is None:
        return 0, "", dbc.Alert("This import is no longer known.", color="danger"), True, dash.no_update
    percent = round(100 * (job.progress or 0))
    if job.status == "failed":
        error = dbc.Alert(f"The import failed: {imp.message or 'see the job log'}", color="danger")
        return percent, f"{percent}%", error, True, _history()
    if imp.status == "running" or job.status in ("queued", "started"):
        return (
            percent,
            f"{percent}%",
            html.Div(imp.message or "Working…", className="text-body-secondary"),
            False,
            dash.no_update,
        )
    color = "danger" if imp.status == "failed" else ("warning" if imp.error_count else "success")
    parts: list = [html.Div(imp.message)]
    if imp.error_count:
        parts.append(
            html.A(
                "Download the error report (CSV)",
                href=f"/admin/data/imports/{imp.id}/errors.csv",
                id="import-error-report",
                download="",
                className="alert-link",
            )
        )
    return 100, "100%", dbc.Alert(parts, color=color, id="import-result"), True, _history()
