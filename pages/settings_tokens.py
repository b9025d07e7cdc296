"""Settings → API tokens: create a personal token (shown once), see yours, revoke one."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from flask_login import current_user

from components.a11y import hidden_label
from dashapp.auth import guarded_callback
from dashapp.extensions import db_session
from dashapp.tokens import MAX_EXPIRY_DAYS, TokenError, create_token, list_tokens, revoke_token, status
from models.api_token import ApiToken
from models.user import User

dash.register_page(
    __name__,
    path="/settings/tokens",
    name="API tokens",
    title="API tokens · healthdash",
    permission="view",
)

_STATUS_COLOR = {"active": "success", "expired": "secondary", "revoked": "danger"}


def _me() -> User:
    return db_session().get_one(User, current_user.id)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def _tokens_table(tokens: list[ApiToken]) -> dbc.Table | html.P:
    if not tokens:
        return html.P("You have no API tokens yet.", className="text-body-secondary mb-0", id="tokens-empty")
    header = html.Thead(
        html.Tr([html.Th(h) for h in ("Name", "Token", "Scope", "Status", "Created", "Expires", "Last used")])
    )
    rows = []
    for token in tokens:
        state = status(token)
        rows.append(
            html.Tr(
                [
                    html.Td(token.name),
                    html.Td(html.Code(token.prefix + "…")),
                    html.Td(token.scope),
                    html.Td(dbc.Badge(state, color=_STATUS_COLOR[state])),
                    html.Td(_when(token.created_at)),
                    html.Td(_when(token.expires_at) if token.expires_at else "never"),
                    html.Td(_when(token.last_used_at) if token.last_used_at else "never"),
                ]
            )
        )
    return dbc.Table([header, html.Tbody(rows)], hover=True, responsive=True, size="sm", id="tokens-table")


def _revoke_options(tokens: list[ApiToken]) -> list[dict]:
    return [{"label": f"{t.name} ({t.prefix}…)", "value": str(t.id)} for t in tokens if status(t) == "active"]


def layout(**_query: str) -> html.Div:
    tokens = list_tokens(db_session(), _me())
    create = dbc.Card(
        [
            dbc.CardHeader("Create a token"),
            dbc.CardBody(
                [
                    dbc.Label("Name", html_for="token-name"),
                    dbc.Input(id="token-name", placeholder="What will use it? e.g. CRM sync", maxLength=100),
                    dbc.Label("Scope", html_for="token-scope", className="mt-2"),
                    dbc.Select(
                        id="token-scope",
                        options=[
                            {"label": "read: scores and accounts", "value": "read"},
                            {"label": "write: read, and make changes", "value": "write"},
                        ],
                        value="read",
                    ),
                    dbc.Label("Expires after (days)", html_for="token-expires", className="mt-2"),
                    dbc.Input(
                        id="token-expires",
                        type="number",
                        min=1,
                        max=MAX_EXPIRY_DAYS,
                        step=1,
                        placeholder="never",
                    ),
                    dbc.Button("Create token", id="token-create", color="primary", className="mt-3"),
                    html.Div(id="token-created", className="mt-3"),
                ]
            ),
        ]
    )
    revoke = dbc.Card(
        [
            dbc.CardHeader("Revoke a token"),
            dbc.CardBody(
                [
                    hidden_label("Token to revoke", "token-revoke-id"),
                    dbc.Select(
                        id="token-revoke-id", options=_revoke_options(tokens), placeholder="Choose a token"
                    ),
                    dbc.Button("Revoke", id="token-revoke", color="danger", outline=True, className="mt-2"),
                    html.Div(id="token-revoked", className="mt-2"),
                ]
            ),
        ],
        className="mt-3",
    )
    listing = dbc.Card(
        [dbc.CardHeader("Your tokens"), dbc.CardBody(html.Div(_tokens_table(tokens), id="tokens-wrap"))]
    )
    return html.Div(
        [
            html.H1("API tokens", className="page-title"),
            html.P(
                [
                    "Personal tokens let scripts and other systems use the healthdash API as you, with your role. "
                    "Send one as ",
                    html.Code("Authorization: Bearer <token>"),
                    ". ",
                    html.A("API reference", href="/api/docs", target="_blank", id="api-docs-link"),
                ],
                className="page-subtitle",
            ),
            dbc.Row([dbc.Col(listing, lg=8), dbc.Col([create, revoke], lg=4)], className="g-3"),
        ]
    )


@guarded_callback(
    "view",
    Output("token-created", "children"),
    Output("tokens-wrap", "children", allow_duplicate=True),
    Output("token-revoke-id", "options", allow_duplicate=True),
    Input("token-create", "n_clicks"),
    State("token-name", "value"),
    State("token-scope", "value"),
    State("token-expires", "value"),
    prevent_initial_call=True,
)
def create(_n: int, name: str | None, scope: str | None, expires: int | str | None) -> tuple:
    session = db_session()
    me = _me()
    try:
        days = int(expires) if expires not in (None, "") else None
    except (TypeError, ValueError):
        return (
            dbc.Alert("Expiry: give a whole number of days.", color="danger"),
            dash.no_update,
            dash.no_update,
        )
    try:
        new = create_token(session, me, name=name or "", scope=scope or "read", expires_days=days, actor=me)
    except TokenError as exc:
        session.rollback()
        return dbc.Alert(str(exc).capitalize(), color="danger"), dash.no_update, dash.no_update
    session.commit()
    tokens = list_tokens(session, me)
    shown = dbc.Alert(
        [
            html.Strong(f"Token “{new.token.name}” created. "),
            "Copy it now: it is not shown again.",
            html.Div(
                [
                    html.Code(new.secret, id="token-secret", className="me-2"),
                    dcc.Clipboard(target_id="token-secret"),
                ],
                className="d-flex align-items-center mt-2 text-break",
            ),
        ],
        color="success",
    )
    return shown, _tokens_table(tokens), _revoke_options(tokens)


@guarded_callback(
    "view",
    Output("token-revoked", "children"),
    Output("tokens-wrap", "children", allow_duplicate=True),
    Output("token-revoke-id", "options", allow_duplicate=True),
    Input("token-revoke", "n_clicks"),
    State("token-revoke-id", "value"),
    prevent_initial_call=True,
)
def revoke(_n: int, token_id: str | None) -> tuple:
    if not token_id or not str(token_id).isdigit():
        return dbc.Alert("Choose a token first.", color="warning"), dash.no_update, dash.no_update
    session = db_session()
    me = _me()
    token = session.get(ApiToken, int(token_id))
    if token is None or token.user_id != me.id:  # only your own tokens, here
        return dbc.Alert("There is no such token of yours.", color="danger"), dash.no_update, dash.no_update
    revoke_token(session, token.id, actor=me)
    session.commit()
    tokens = list_tokens(session, me)
    done = dbc.Alert(f"Revoked “{token.name}”: it stops working at once.", color="success")
    return done, _tokens_table(tokens), _revoke_options(tokens)
