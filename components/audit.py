"""The audit log page's pieces: the filter form and the table of entries (plain values in, components out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

FIELDS = ("actor", "action", "object_type", "since", "until")


def _select(name: str, label: str, options: Sequence[str], value: str) -> dbc.Col:
    choices = [html.Option("Any", value="")] + [html.Option(o, value=o, selected=o == value) for o in options]
    return dbc.Col(
        [
            dbc.Label(label, html_for=f"audit-{name}"),
            html.Select(choices, id=f"audit-{name}", name=name, className="form-select"),
        ],
        md=3,
    )


def _input(name: str, label: str, value: str, kind: str = "text") -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(label, html_for=f"audit-{name}"),
            dbc.Input(id=f"audit-{name}", name=name, type=kind, value=value),
        ],
        md=3 if kind == "text" else 2,
    )


def make_audit_filters(
    values: Mapping[str, str],
    actions: Sequence[str],
    object_types: Sequence[str],
    action: str = "/admin/audit",
) -> html.Form:
    """A GET form: filtering reloads the page with the filters in the URL (so filtered views can be shared)."""
    return html.Form(
        dbc.Row(
            [
                _input("actor", "Actor", values.get("actor", "")),
                _select("action", "Action", actions, values.get("action", "")),
                _select("object_type", "Object type", object_types, values.get("object_type", "")),
                _input("since", "From", values.get("since", ""), "date"),
                _input("until", "To", values.get("until", ""), "date"),
                dbc.Col(
                    dbc.Button("Filter", id="audit-filter", type="submit", color="primary"),
                    md="auto",
                    className="d-flex align-items-end",
                ),
            ],
            className="g-2 mb-3",
        ),
        id="audit-form",
        method="GET",
        action=action,
    )


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _details(details: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in details.items())


def _object(row: Mapping[str, Any]) -> Any:
    label = f"{row['object_type']} {row['object_id'] or ''}".strip()
    return dcc.Link(label, href=row["object_url"]) if row.get("object_url") else label


def make_audit_table(rows: Sequence[Mapping[str, Any]]) -> html.Div | dbc.Table:
    if not rows:
        return html.P(
            "No audit entries match these filters.", id="audit-table", className="text-body-secondary"
        )
    header = html.Thead(
        html.Tr([html.Th(h, scope="col") for h in ("When", "Actor", "Action", "Object", "Details")])
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(_when(r["at"])),
                    html.Td(r["actor"]),
                    html.Td(html.Code(r["action"])),
                    html.Td(_object(r)),
                    html.Td(_details(r["details"]), className="text-break"),
                ]
            )
            for r in rows
        ]
    )
    return dbc.Table([header, body], striped=True, hover=True, responsive=True, size="sm", id="audit-table")


def make_audit_pager(values: Mapping[str, str], page: int, pages: int, total: int) -> html.Nav:
    """Previous/next links keeping the filters, and where we are."""

    def href(n: int) -> str:
        query = {k: v for k, v in values.items() if v and k in FIELDS}
        return "/admin/audit?" + urlencode({**query, "page": n})

    button = "btn btn-outline-secondary btn-sm"
    links: list[Any] = []
    if page > 1:
        links.append(dcc.Link("Previous", href=href(page - 1), id="audit-prev", className=button))
    where = f"Page {page} of {max(pages, 1)} · {total} entries"
    links.append(html.Span(where, className="mx-2", id="audit-where"))
    if page < pages:
        links.append(dcc.Link("Next", href=href(page + 1), id="audit-next", className=button))
    return html.Nav(links, className="d-flex align-items-center", **{"aria-label": "Audit log pages"})


def make_audit_errors(errors: Sequence[str]) -> dbc.Alert:
    return dbc.Alert(["Left out: ", "; ".join(errors)], color="warning", id="audit-errors")
