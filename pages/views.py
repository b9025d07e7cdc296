"""Saved views: the user's own and the team's; rename, visibility, default, delete, share links."""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, html
from flask_login import current_user

from components.a11y import hidden_label
from components.share_link import make_expiry_select
from dashapp.auth import guarded_callback
from dashapp.auth.permissions import can
from dashapp.explore.registry import title_of
from dashapp.extensions import db_session
from dashapp.filters import describe
from dashapp.saved_views import (
    ViewError,
    delete_view,
    get_visible,
    rename_view,
    revoke_share_link,
    set_default,
    set_visibility,
    share_links,
    state_of,
    view_url,
    visible_views,
)
from dashapp.ui.export import make_export_status, make_view_export
from dashapp.ui.sharing import new_share_link

PAGE = "/views"
dash.register_page(__name__, path=PAGE, name="Views", title="Saved views · healthdash", nav_order=80)


def _user() -> Any:
    return db_session().merge(current_user._get_current_object())


def _views_table() -> Any:
    views = visible_views(db_session(), current_user)
    if not views:
        return html.P(
            "No saved views yet. Open a page, set filters, and use “Save view”.",
            className="text-body-secondary mb-0",
            id="views-empty",
        )
    rows = []
    for v in views:
        mine = v.owner_id == current_user.id
        rows.append(
            html.Tr(
                [
                    html.Td(html.A(v.name, href=view_url(v))),
                    html.Td(title_of(v.page)),
                    html.Td(describe(state_of(v).filters), className="small"),
                    html.Td(dbc.Badge(v.visibility, color="info" if v.visibility == "team" else "secondary")),
                    html.Td("yes" if v.is_default and mine else ""),
                    html.Td("you" if mine else "team member"),
                    html.Td(make_view_export(v.id)),
                ]
            )
        )
    head = html.Thead(
        html.Tr([html.Th(h) for h in ("Name", "Page", "Filters", "Visibility", "Default", "Owner", "Export")])
    )
    return dbc.Table([head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="views-table")


def _own_options() -> list[dict[str, Any]]:
    return [
        {"label": f"{v.name} ({title_of(v.page)})", "value": v.id}
        for v in visible_views(db_session(), current_user)
        if v.owner_id == current_user.id
    ]


def _links_options(view_id: int | None) -> list[dict[str, Any]]:
    if not view_id:
        return []
    try:
        links = share_links(db_session(), _user(), int(view_id))
    except ViewError:
        return []
    out = []
    for link in links:
        if link.revoked_at:
            state = "revoked"
        elif link.expires_at:
            state = f"expires {link.expires_at:%d %b %Y}"
        else:
            state = "no expiry"
        out.append(
            {"label": f"Link #{link.id}, created {link.created_at:%d %b %Y}, {state}", "value": link.id}
        )
    return out


def layout(**_query: Any) -> html.Div:
    can_share = can(current_user, "share_views")
    manage = dbc.Card(
        dbc.CardBody(
            [
                dbc.Label("View", html_for="views-select"),
                dbc.Select(id="views-select", options=_own_options(), placeholder="Choose one of your views"),
                dbc.Row(
                    [
                        dbc.Col(dbc.Input(id="views-new-name", placeholder="New name", maxLength=120), md=6),
                        dbc.Col(dbc.Button("Rename", id="views-rename", size="sm"), md="auto"),
                        dbc.Col(
                            [
                                hidden_label("Visibility", "views-visibility"),
                                dbc.Select(
                                    id="views-visibility",
                                    options=[
                                        {"label": "Only me", "value": "private"},
                                        {"label": "My team", "value": "team", "disabled": not can_share},
                                    ],
                                    value="private",
                                ),
                            ],
                            md=3,
                        ),
                        dbc.Col(
                            dbc.Button("Set visibility", id="views-set-visibility", size="sm"), md="auto"
                        ),
                    ],
                    className="g-2 mt-2 align-items-center",
                ),
                html.Div(
                    [
                        dbc.Button(
                            "Make default for its page", id="views-default", size="sm", color="secondary"
                        ),
                        dbc.Button("Clear default", id="views-clear-default", size="sm", color="secondary"),
                        dbc.Button("Delete", id="views-delete", size="sm", color="danger"),
                    ],
                    className="d-flex flex-wrap gap-2 mt-2",
                ),
                html.Div(id="views-result", className="mt-3"),
                dbc.Modal(
                    [
                        dbc.ModalHeader(dbc.ModalTitle("Delete this view?", id="views-delete-title")),
                        dbc.ModalBody(id="views-delete-question"),
                        dbc.ModalFooter(
                            [
                                dbc.Button("Cancel", id="views-delete-cancel", color="secondary"),
                                dbc.Button("Delete view", id="views-delete-confirm", color="danger"),
                            ]
                        ),
                    ],
                    id="views-delete-modal",
                    labelledby="views-delete-title",
                    is_open=False,
                ),
            ]
        ),
        className="mb-3",
    )
    share = dbc.Card(
        dbc.CardBody(
            [
                html.P(
                    "A share link opens the chosen view read-only for anyone who has it, without logging in. "
                    "It shows that view's data only, and you can revoke it at any time.",
                    className="small text-body-secondary",
                ),
                dbc.Row(
                    [
                        dbc.Col(make_expiry_select("share-expiry"), md=4),
                        dbc.Col(dbc.Button("Create share link", id="share-create", size="sm"), md="auto"),
                    ],
                    className="g-2 align-items-center",
                ),
                html.Div(id="share-result", className="mt-2"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                hidden_label("Share links of this view", "share-links"),
                                dbc.Select(id="share-links", options=[], placeholder="Links of this view"),
                            ],
                            md=8,
                        ),
                        dbc.Col(
                            dbc.Button("Revoke", id="share-revoke", size="sm", color="danger"), md="auto"
                        ),
                    ],
                    className="g-2 mt-2 align-items-center",
                ),
            ]
        ),
        className="mb-3",
    )
    return html.Div(
        [
            html.H1("Saved views", className="page-title"),
            html.P("Views you saved and views your team shares.", className="page-subtitle"),
            make_export_status(),
            html.Div(_views_table(), id="views-list"),
            dbc.Row(
                [
                    dbc.Col([html.H2("Manage a view", className="h6"), manage], lg=6),
                    dbc.Col(
                        [html.H2("Share links", className="h6"), share]
                        if can_share
                        else dbc.Alert(
                            "Your role cannot create share links.", color="secondary", id="share-forbidden"
                        ),
                        lg=6,
                    ),
                ],
                className="g-3 mt-2",
            ),
        ]
    )


def manage_view(action: str | None, view_id: Any, name: str | None, visibility: str | None) -> Any:
    """Run one management action for the current user; returns the message to show."""
    if not view_id:
        return dbc.Alert("Choose one of your views first.", color="warning")
    session = db_session()
    user = _user()
    try:
        vid = int(view_id)
        if action == "views-rename":
            view = rename_view(session, user, vid, name or "")
            message = f"Renamed to {view.name!r}."
        elif action == "views-set-visibility":
            set_visibility(session, user, vid, visibility or "private")
            message = f"Visibility is now {visibility}."
        elif action == "views-default":
            view = set_default(session, user, vid, _page_of(vid))
            message = "This view now opens by default on its page."
        elif action == "views-clear-default":
            set_default(session, user, None, _page_of(vid))
            message = "That page now opens without a default view."
        elif action == "views-delete-confirm":
            name = get_visible(session, user, vid).name
            delete_view(session, user, vid)
            message = f"Deleted “{name}”."
        else:
            return dash.no_update
        session.commit()
    except (ViewError, ValueError) as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger", id="views-error")
    return dbc.Alert(message, color="success", id="views-ok")


def _page_of(view_id: int) -> str:
    return get_visible(db_session(), _user(), view_id).page


@guarded_callback(
    "save_views",
    Output("views-result", "children"),
    Output("views-list", "children"),
    Output("views-select", "options"),
    Input("views-rename", "n_clicks"),
    Input("views-set-visibility", "n_clicks"),
    Input("views-default", "n_clicks"),
    Input("views-clear-default", "n_clicks"),
    Input("views-delete-confirm", "n_clicks"),
    State("views-select", "value"),
    State("views-new-name", "value"),
    State("views-visibility", "value"),
    prevent_initial_call=True,
)
def on_manage(*args: Any) -> tuple:
    view_id, name, visibility = args[-3:]
    message = manage_view(ctx.triggered_id, view_id, name, visibility)
    return message, _views_table(), _own_options()


def delete_question(action: str | None, view_id: Any) -> tuple[bool, Any, Any]:
    """Delete asks first: (dialog open, its question, a message beside the buttons)."""
    if action != "views-delete":
        return False, dash.no_update, dash.no_update
    if not view_id:
        return False, dash.no_update, dbc.Alert("Choose one of your views first.", color="warning")
    try:
        view = get_visible(db_session(), _user(), int(view_id))
    except (ViewError, ValueError) as exc:
        return False, dash.no_update, dbc.Alert(str(exc), color="danger", id="views-error")
    question = [
        html.P(f"Delete “{view.name}” ({title_of(view.page)})?"),
        html.P("Its share links stop working too. This cannot be undone.", className="mb-0"),
    ]
    return True, question, dash.no_update


@guarded_callback(
    "save_views",
    Output("views-delete-modal", "is_open"),
    Output("views-delete-question", "children"),
    Output("views-result", "children", allow_duplicate=True),
    Input("views-delete", "n_clicks"),
    Input("views-delete-cancel", "n_clicks"),
    Input("views-delete-confirm", "n_clicks"),
    State("views-select", "value"),
    prevent_initial_call=True,
)
def ask_delete(_ask: Any, _cancel: Any, _confirm: Any, view_id: Any) -> tuple:
    return delete_question(ctx.triggered_id, view_id)


def share_action(action: str | None, view_id: Any, expiry: str | None, link_id: Any) -> tuple[Any, list]:
    if not view_id:
        return dbc.Alert("Choose one of your views first.", color="warning"), []
    session = db_session()
    user = _user()
    try:
        if action == "share-create":
            message: Any = new_share_link(view_id, expiry)
        elif action == "share-revoke":
            if not link_id:
                return dbc.Alert("Choose a link to revoke.", color="warning"), _links_options(view_id)
            revoke_share_link(session, user, int(link_id))
            session.commit()
            message = dbc.Alert("Link revoked: it no longer opens.", color="success", id="share-revoked")
        else:
            message = None
    except (ViewError, ValueError) as exc:
        session.rollback()
        message = dbc.Alert(str(exc), color="danger", id="share-error")
    return message, _links_options(view_id)


@guarded_callback(
    "share_views",
    Output("share-result", "children"),
    Output("share-links", "options"),
    Input("share-create", "n_clicks"),
    Input("share-revoke", "n_clicks"),
    Input("views-select", "value"),
    State("share-expiry", "value"),
    State("share-links", "value"),
    prevent_initial_call=True,
)
def on_share(_create: Any, _revoke: Any, view_id: Any, expiry: str | None, link_id: Any) -> tuple:
    return share_action(ctx.triggered_id, view_id, expiry, link_id)
