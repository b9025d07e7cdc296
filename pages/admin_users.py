"""Users (admin): who can log in, with which role."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from flask_login import current_user
from sqlalchemy import select

from components.a11y import hidden_label
from dashapp.auth import guarded_callback, page_permission
from dashapp.extensions import db_session
from dashapp.users import UserError, create_user, set_active, set_role
from models.user import ROLES, User

dash.register_page(
    __name__,
    path="/admin/users",
    name="Users",
    title="Users · healthdash",
    nav_order=90,
    nav_group="Admin",
    permission="manage_users",
)


def _users_table() -> dbc.Table:
    users = db_session().scalars(select(User).order_by(User.email)).all()
    header = html.Thead(
        html.Tr(
            [html.Th("Email"), html.Th("Name"), html.Th("Role"), html.Th("Status"), html.Th("Last login")]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(u.email),
                html.Td(u.name),
                html.Td(u.role),
                html.Td(
                    dbc.Badge("active", color="success")
                    if u.is_active
                    else dbc.Badge("inactive", color="secondary")
                ),
                html.Td(u.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_login_at else "never"),
            ]
        )
        for u in users
    ]
    return dbc.Table(
        [header, html.Tbody(rows)], striped=True, hover=True, responsive=True, size="sm", id="users-table"
    )


def _user_options() -> list[dict]:
    users = db_session().scalars(select(User).order_by(User.email)).all()
    return [{"label": f"{u.email} ({u.role})", "value": u.id} for u in users]


_ROLE_OPTIONS = [{"label": r, "value": r} for r in ROLES]


@page_permission("manage_users")
def layout(**_query: str) -> html.Div:
    create_form = dbc.Card(
        [
            dbc.CardHeader("Add a user"),
            dbc.CardBody(
                [
                    dbc.Input(id="new-user-email", type="email", placeholder="Email", className="mb-2"),
                    dbc.Input(id="new-user-name", placeholder="Name", className="mb-2"),
                    hidden_label("Role", "new-user-role"),
                    dbc.Select(id="new-user-role", options=_ROLE_OPTIONS, value="csm", className="mb-2"),
                    dbc.Input(
                        id="new-user-password",
                        type="password",
                        placeholder="Initial password (8+ characters)",
                        className="mb-2",
                    ),
                    dbc.Button("Add user", id="new-user-submit", color="primary"),
                    html.Div(id="new-user-message", className="mt-2"),
                ]
            ),
        ]
    )
    edit_form = dbc.Card(
        [
            dbc.CardHeader("Change a user"),
            dbc.CardBody(
                [
                    hidden_label("User", "edit-user-id"),
                    dbc.Select(
                        id="edit-user-id",
                        options=_user_options(),
                        placeholder="Choose a user",
                        className="mb-2",
                    ),
                    hidden_label("New role", "edit-user-role"),
                    dbc.Select(
                        id="edit-user-role", options=_ROLE_OPTIONS, placeholder="New role", className="mb-2"
                    ),
                    dbc.Switch(id="edit-user-active", label="Can log in", value=True, className="mb-2"),
                    dbc.Button("Save", id="edit-user-submit", color="primary"),
                    html.Div(id="edit-user-message", className="mt-2"),
                ]
            ),
        ]
    )
    return html.Div(
        [
            html.H1("Users", className="page-title"),
            html.P("People who can log in and what their role lets them do.", className="page-subtitle"),
            dbc.Row(
                [
                    dbc.Col(html.Div(_users_table(), id="users-table-wrap"), lg=8),
                    dbc.Col([create_form, html.Div(className="mb-3"), edit_form], lg=4),
                ],
                className="g-3",
            ),
        ]
    )


@guarded_callback(
    "manage_users",
    Output("new-user-message", "children"),
    Output("users-table-wrap", "children", allow_duplicate=True),
    Input("new-user-submit", "n_clicks"),
    State("new-user-email", "value"),
    State("new-user-name", "value"),
    State("new-user-role", "value"),
    State("new-user-password", "value"),
    prevent_initial_call=True,
)
def add_user(_n: int, email: str | None, name: str | None, role: str | None, password: str | None) -> tuple:
    session = db_session()
    try:
        user = create_user(
            session,
            email=email or "",
            password=password or "",
            role=role or "",
            name=name or "",
            actor=current_user._get_current_object(),
        )
    except UserError as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger", className="mb-0"), dash.no_update
    session.commit()
    return dbc.Alert(f"Added {user.email} as {user.role}.", color="success", className="mb-0"), _users_table()


@guarded_callback(
    "manage_users",
    Output("edit-user-message", "children"),
    Output("users-table-wrap", "children", allow_duplicate=True),
    Input("edit-user-submit", "n_clicks"),
    State("edit-user-id", "value"),
    State("edit-user-role", "value"),
    State("edit-user-active", "value"),
    prevent_initial_call=True,
)
def edit_user(_n: int, user_id: str | None, role: str | None, active: bool) -> tuple:
    session = db_session()
    user = session.get(User, int(user_id)) if user_id else None
    if user is None:
        return dbc.Alert("Choose a user first.", color="warning", className="mb-0"), dash.no_update
    actor = current_user._get_current_object()
    try:
        if role:
            set_role(session, user, role, actor=actor)
        if bool(active) != user.is_active:
            set_active(session, user, bool(active), actor=actor)
    except UserError as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger", className="mb-0"), dash.no_update
    session.commit()
    return dbc.Alert(f"Saved {user.email}.", color="success", className="mb-0"), _users_table()
