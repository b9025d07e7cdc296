"""Pieces of the data-in admin page: write-key table, column mapping, import preview, import history and
the freshness of each source."""

from __future__ import annotations

from datetime import datetime, timedelta
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


def _ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return "never"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''} ago"
    return "just now"


def _bars(per_day: tuple[int, ...]) -> html.Div:
    """Rows per day as small bars, oldest first; screen readers get the numbers."""
    top = max(per_day) or 1
    bars = [
        html.Span(className="fresh-bar", style={"height": f"{max(2, round(24 * n / top))}px"}) if n else
        html.Span(className="fresh-bar fresh-bar-none")
        for n in per_day
    ]  # fmt: skip
    label = f"Per day over the last {len(per_day)} days, oldest first: " + ", ".join(
        f"{n:,}" for n in per_day
    )
    aria: dict[str, Any] = {"aria-label": label}
    return html.Div(bars, className="fresh-bars", role="img", **aria)


def make_freshness_table(sources: list[Any], now: datetime, stale_after: timedelta) -> dbc.Table | html.P:
    """When each source last sent data and how much per day; a source quiet for longer than `stale_after`
    is marked."""
    if not sources:
        return html.P(
            "Nothing has come in yet: send events with a write key, connect a webhook or import a file.",
            className="text-body-secondary",
            id="freshness-empty",
        )
    rows = []
    for s in sources:
        quiet = s.last_at is None or now - s.last_at > stale_after
        last: list[Any] = [_ago(s.last_at, now)]
        if quiet:
            last += [" ", html.Span("quiet", className="badge text-bg-warning")]
        rows.append(
            html.Tr(
                [
                    html.Td(s.source),
                    html.Td(last, title=_when(s.last_at)),
                    html.Td(f"{s.today:,}", className="text-end"),
                    html.Td(f"{s.total:,}", className="text-end"),
                    html.Td(_bars(s.per_day)),
                ],
                className="freshness-row",
            )
        )
    head = html.Thead(html.Tr([html.Th("Source"), html.Th("Last data"), html.Th("Today", className="text-end"),
                               html.Th(f"{len(sources[0].per_day)} days", className="text-end"),
                               html.Th("Per day")]))  # fmt: skip
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="freshness-table")
