"""Audit log (admin): who changed what, filterable by actor, action, object type and dates, paged."""

from __future__ import annotations

import math

import dash
from dash import html

from components.audit import FIELDS, make_audit_errors, make_audit_filters, make_audit_pager, make_audit_table
from dashapp.auth import page_permission
from dashapp.extensions import db_session
from dashapp.ops.audit_log import PAGE_SIZE, AuditFilter, choices, parse_day, search

PERMISSION = "manage_users"  # administrators only: the log names every user's actions

dash.register_page(
    __name__,
    path="/admin/audit",
    name="Audit log",
    title="Audit log · healthdash",
    nav_order=93,
    nav_group="Admin",
    permission=PERMISSION,
)


def _page_number(value: str) -> int:
    return int(value) if value.isdigit() and 0 < int(value) < 1_000_000 else 1


@page_permission(PERMISSION)
def layout(**query: str) -> html.Div:
    values = {k: str(query.get(k) or "")[:320] for k in FIELDS}
    errors = []
    days = {}
    for name in ("since", "until"):
        try:
            days[name] = parse_day(values[name], name)
        except ValueError as exc:
            errors.append(str(exc))
            days[name] = None
    flt = AuditFilter(values["actor"], values["action"], values["object_type"], days["since"], days["until"])
    session = db_session()
    page = _page_number(str(query.get("page") or "1"))
    rows, total = search(session, flt, page)
    actions, object_types = choices(session)
    return html.Div(
        [
            html.H1("Audit log", className="page-title"),
            html.P("Who did what to which object, newest first.", className="page-subtitle"),
            make_audit_filters(values, actions, object_types),
            *([make_audit_errors(errors)] if errors else []),
            make_audit_table(rows),
            make_audit_pager(values, page, math.ceil(total / PAGE_SIZE), total),
        ]
    )
