"""Pieces of the data-in admin page: write-key table, column mapping, import preview, import history."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


def make_write_key_table(keys: list[Any]) -> dbc.Table | html.P:
    if not keys:
        return html.P(
            "No write keys yet. Create one for each source that sends events.",
            className="text-body-secondary",
        )
    rows = [
        html.Tr(
            [
                html.Td(k.name),
                html.Td(html.Code(f"{k.prefix}…")),
                html.Td(_when(k.created_at)),
                html.Td(_when(k.last_used_at)),
                html.Td(
                    dbc.Badge("revoked", color="secondary")
                    if k.revoked_at
                    else dbc.Badge("active", color="success")
                ),
            ]
        )
        for k in keys
    ]
    head = html.Thead(html.Tr([html.Th(h) for h in ("Name", "Key", "Created", "Last used", "Status")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, responsive=True, id="write-key-table")


def make_mapping_table(
    header: list[str], choices: dict[str, str], options: list[dict[str, str]]
) -> dbc.Table:
    rows = [
        html.Tr(
            [
                html.Td(html.Code(column)),
                html.Td(
                    dcc.Dropdown(
                        id={"type": "import-map", "column": column},
                        options=options,
                        value=choices.get(column),
                        clearable=False,
                        className="import-map-select",
                    )
                ),
            ]
        )
        for column in header
    ]
    head = html.Thead(html.Tr([html.Th("Column in the file"), html.Th("Imported as")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="align-middle", id="import-mapping-table")


def make_preview_table(rows: list[dict[str, Any]], fields: list[str]) -> html.Div | html.P:
    if not rows:
        return html.P("No rows to preview.", className="text-body-secondary")
    head = html.Thead(html.Tr([html.Th("Row"), *(html.Th(f) for f in fields), html.Th("Check")]))
    body = []
    for row in rows:
        check = (
            html.Span("; ".join(row["errors"]), className="text-danger")
            if row["errors"]
            else html.Span("ok", className="text-success")
        )
        cells = [html.Td(row["values"].get(f, "")) for f in fields]
        body.append(html.Tr([html.Td(row["row"]), *cells, html.Td(check)]))
    table = dbc.Table(
        [head, html.Tbody(body)], size="sm", striped=True, responsive=True, id="import-preview-table"
    )
    return html.Div([html.H6("Preview (first rows, as they would be imported)", className="mt-3"), table])


def make_import_history(imports: list[Any]) -> dbc.Table | html.P:
    if not imports:
        return html.P("No imports yet.", className="text-body-secondary")
    rows = []
    for imp in imports:
        report = (
            html.A("errors.csv", href=f"/admin/data/imports/{imp.id}/errors.csv", download="")
            if imp.error_count
            else ""
        )
        status = f"{imp.status}{' (dry run)' if imp.dry_run else ''}"
        counts = f"{imp.rows_inserted:,} new · {imp.rows_updated:,} updated · {imp.rows_failed:,} refused"
        rows.append(
            html.Tr(
                [
                    html.Td(_when(imp.started_at)),
                    html.Td(imp.kind),
                    html.Td(imp.filename),
                    html.Td(status),
                    html.Td(counts),
                    html.Td(report),
                ]
            )
        )
    head = html.Thead(html.Tr([html.Th(h) for h in ("Started", "Kind", "File", "Status", "Rows", "Report")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", striped=True, responsive=True, id="import-history")
