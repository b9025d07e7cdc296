"""Bulk assign on the Accounts page: pick rows in the grid, pick an owner, assign (for roles that may)."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from flask_login import current_user

from dashapp.auth.permissions import can
from dashapp.cache import data_changed
from dashapp.extensions import db_session
from dashapp.ownership import OwnershipError, assign_owner, possible_owners

NOBODY = "none"


def make_assign_bar() -> html.Div:
    """The owner picker and button; hidden for users who may not assign owners."""
    allowed = can(current_user, "assign_owners")
    options = [{"label": "Unassigned", "value": NOBODY}]
    if allowed:
        options += [{"label": u.display_name, "value": str(u.id)} for u in possible_owners(db_session())]
    return html.Div(
        [
            html.Span("Assign the selected accounts to", className="small text-body-secondary me-2"),
            dcc.Dropdown(
                id="acc-assign-owner", options=options, placeholder="an owner", style={"minWidth": "14rem"}
            ),
            dbc.Button("Assign", id="acc-assign", size="sm", color="primary", className="ms-2"),
            html.Span(id="acc-assign-result", className="small ms-2", role="status"),
        ],
        className="d-flex align-items-center flex-wrap mb-2",
        hidden=not allowed,
        id="acc-assign-bar",
    )


@dash.callback(
    Output("acc-assign-result", "children"),
    Output("accounts-grid", "selectedRows", allow_duplicate=True),
    Input("acc-assign", "n_clicks"),
    State("acc-assign-owner", "value"),
    State("accounts-grid", "selectedRows"),
    prevent_initial_call=True,
)
def assign(_clicks: int | None, owner: str | None, selected: list[dict[str, Any]] | None) -> tuple:
    if not can(current_user, "assign_owners"):
        return "Your role may not assign owners.", dash.no_update
    rows = selected or []
    if not rows:
        return "Select accounts in the table first.", dash.no_update
    if not owner:
        return "Choose an owner.", dash.no_update
    session = db_session()
    try:
        changed = assign_owner(
            session, [int(r["id"]) for r in rows], None if owner == NOBODY else int(owner), current_user
        )
        session.commit()
    except (OwnershipError, ValueError, KeyError) as exc:
        session.rollback()
        return f"Not assigned: {exc}", dash.no_update
    data_changed("owner change")
    return f"Assigned {len(rows)} account(s) ({changed} changed).", []


# Reload the grid's rows after an assignment so the owner column shows the change.
dash.clientside_callback(
    """
    function(message) {
        const api = window.dash_ag_grid && dash_ag_grid.getApi ? dash_ag_grid.getApi("accounts-grid") : null;
        if (api) { api.purgeInfiniteCache(); }
        return window.dash_clientside.no_update;
    }
    """,
    Output("acc-assign-bar", "className"),
    Input("acc-assign-result", "children"),
    prevent_initial_call=True,
)
