"""The saved-views menu on every data page: open a view, save the current one."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, html
from flask_login import current_user

from dashapp.auth import guarded_callback
from dashapp.auth.permissions import can
from dashapp.extensions import db_session
from dashapp.saved_views import ViewError, save_view, set_default, view_url, visible_views


def _menu_items(page: str) -> list[Any]:
    items: list[Any] = []
    if getattr(current_user, "is_authenticated", False):
        for view in visible_views(db_session(), current_user, page):
            mine = view.owner_id == current_user.id
            label = view.name + ("" if mine else " (team)") + (" ★" if view.is_default and mine else "")
            items.append(dbc.DropdownMenuItem(label, href=view_url(view), external_link=True))
    if not items:
        items.append(dbc.DropdownMenuItem("No saved views for this page yet", disabled=True))
    items += [dbc.DropdownMenuItem(divider=True), dbc.DropdownMenuItem("Manage views…", href="/views")]
    return items


def make_views_menu(page: str) -> html.Div:
    can_team = can(current_user, "share_views")
    can_save = can(current_user, "save_views")
    modal = dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Save this view")),
            dbc.ModalBody(
                [
                    dbc.Label("Name", html_for="view-name"),
                    dbc.Input(id="view-name", maxLength=120, placeholder="e.g. Enterprise accounts at risk"),
                    dbc.Label("Who can see it", className="mt-3"),
                    dbc.RadioItems(
                        id="view-visibility",
                        options=[
                            {"label": "Only me", "value": "private"},
                            {"label": "My team", "value": "team", "disabled": not can_team},
                        ],
                        value="private",
                    ),
                    dbc.Checkbox(
                        id="view-default", label="Open this view by default on this page", value=False
                    ),
                    html.Div(id="view-save-result", className="mt-3"),
                ]
            ),
            dbc.ModalFooter(dbc.Button("Save", id="view-save", color="primary")),
        ],
        id="view-modal",
        is_open=False,
    )
    return html.Div(
        [
            dbc.DropdownMenu(
                _menu_items(page),
                label="Views",
                id="views-menu",
                size="sm",
                color="secondary",
                align_end=True,
            ),
            dbc.Button("Save view", id="view-open", size="sm", color="primary", disabled=not can_save),
            modal,
        ],
        className="d-flex gap-2 views-menu",
    )


def save_current_view(
    name: str | None, visibility: str | None, default: bool | None, states: list[dict] | None
) -> tuple[Any, bool]:
    """Save what the page shows (its canonical query) for the current user. Returns (message, keep modal open)."""
    state = next((s for s in states or [] if s), None)
    if not state:
        return dbc.Alert("Nothing to save on this page.", color="warning"), True
    session = db_session()
    user = session.merge(current_user._get_current_object())
    try:
        view = save_view(
            session,
            user,
            name=name or "",
            page=state.get("path", ""),
            query=state.get("q", ""),
            visibility=visibility or "private",
        )
        if default:
            set_default(session, user, view.id, view.page)
        session.commit()
    except ViewError as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger", id="view-save-error"), True
    return dbc.Alert(
        ["Saved. ", html.A("Open it", href=view_url(view)), " or find it under Views."],
        color="success",
        id="view-save-ok",
    ), True


def register(app: Dash) -> None:
    @app.callback(
        Output("view-modal", "is_open"),
        Input("view-open", "n_clicks"),
        State("view-modal", "is_open"),
        prevent_initial_call=True,
    )
    def toggle(_n: int | None, is_open: bool) -> bool:
        return not is_open

    @guarded_callback(
        "save_views",
        Output("view-save-result", "children"),
        Input("view-save", "n_clicks"),
        State("view-name", "value"),
        State("view-visibility", "value"),
        State("view-default", "value"),
        State({"type": "page-query", "page": ALL}, "data"),
        prevent_initial_call=True,
    )
    def save(
        _n: int | None, name: str | None, visibility: str | None, default: bool | None, states: list
    ) -> Any:
        return save_current_view(name, visibility, default, states)[0]
