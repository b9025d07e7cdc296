"""The saved-views menu on every data page: open a view, save the current one, then share it.

The save dialog closes once the view is saved; a note under the page header then says so, links to the
view and, for roles that may share, offers a share link (with an expiry and a Copy button) right there.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask_login import current_user

from components.share_link import make_expiry_select
from dashapp.auth import guarded_callback
from dashapp.auth.permissions import can
from dashapp.extensions import db_session
from dashapp.saved_views import ViewError, save_view, set_default, view_url, visible_views
from models.view import SavedView


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
            dbc.ModalHeader(dbc.ModalTitle("Save this view", id="view-modal-title")),
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
        labelledby="view-modal-title",
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
            dcc.Store(id="view-saved-id"),
        ],
        className="d-flex gap-2 views-menu",
    )


def make_saved_note(view: SavedView, can_share: bool) -> dbc.Alert:
    """What the page says after a save: the view's name and link, and (for sharers) a share link offer."""
    parts: list[Any] = [
        html.Div(
            [
                html.Strong(f"Saved “{view.name}”. "),
                html.A("Open it", href=view_url(view)),
                " or find it under Views.",
            ]
        )
    ]
    if can_share:
        parts.append(
            html.Div(
                [
                    html.Span("Share it read-only, without a login:", className="small"),
                    html.Div(make_expiry_select("view-link-expiry"), className="view-link-expiry"),
                    dbc.Button("Create share link", id="view-link-create", size="sm", color="primary"),
                ],
                className="d-flex flex-wrap gap-2 align-items-center mt-2",
            )
        )
        parts.append(html.Div(id="view-link-result", className="mt-2"))
    return dbc.Alert(parts, color="success", id="view-save-ok", dismissable=True, className="mt-2")


def save_current_view(
    name: str | None, visibility: str | None, default: bool | None, states: list[dict] | None
) -> tuple[Any, SavedView | None]:
    """Save what the page shows (its canonical query) for the current user. Returns (what to show in the
    dialog, the saved view or None): the dialog shows only problems, a saved view closes it."""
    state = next((s for s in states or [] if s), None)
    if not state:
        return dbc.Alert("Nothing to save on this page.", color="warning"), None
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
        return dbc.Alert(str(exc), color="danger", id="view-save-error"), None
    return None, view


def save_and_close(
    name: str | None, visibility: str | None, default: bool | None, states: list[dict] | None
) -> tuple[Any, Any, Any, Any]:
    """The save callback's outputs: problems in the dialog; or an empty dialog, the note under the header,
    the saved view's id (which closes the dialog) and an empty name field for the next save."""
    problem, view = save_current_view(name, visibility, default, states)
    if view is None:
        return problem, no_update, no_update, no_update
    return None, make_saved_note(view, can(current_user, "share_views")), view.id, ""


def register(app: Dash) -> None:
    @app.callback(
        Output("view-modal", "is_open"),
        Input("view-open", "n_clicks"),
        Input("view-saved-id", "data"),
        State("view-modal", "is_open"),
        prevent_initial_call=True,
    )
    def toggle(_n: int | None, _saved: Any, is_open: bool) -> bool:
        return False if ctx.triggered_id == "view-saved-id" else not is_open

    @guarded_callback(
        "save_views",
        Output("view-save-result", "children"),
        Output("view-saved", "children"),
        Output("view-saved-id", "data"),
        Output("view-name", "value"),
        Input("view-save", "n_clicks"),
        State("view-name", "value"),
        State("view-visibility", "value"),
        State("view-default", "value"),
        State({"type": "page-query", "page": ALL}, "data"),
        prevent_initial_call=True,
    )
    def save(
        _n: int | None, name: str | None, visibility: str | None, default: bool | None, states: list
    ) -> tuple:
        return save_and_close(name, visibility, default, states)
