"""Settings → API tokens: create (shown once), list, revoke, only your own."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.tokens import authenticate, create_token, status
from models.api_token import ApiToken
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_user


def _create(client, name: str, scope: str = "read", expires: object = None, *, resolve: bool = True):
    body = callback_body(
        [("token-created", "children"), ("tokens-wrap", "children"), ("token-revoke-id", "options")],
        [("token-create", "n_clicks", 1)],
        [("token-name", "value", name), ("token-scope", "value", scope), ("token-expires", "value", expires)],
        client=client if resolve else None,
    )
    return client.post("/_dash-update-component", json=body)


def _revoke(client, token_id: object):
    body = callback_body(
        [("token-revoked", "children"), ("tokens-wrap", "children"), ("token-revoke-id", "options")],
        [("token-revoke", "n_clicks", 1)],
        [("token-revoke-id", "value", token_id)],
        client=client,
    )
    return client.post("/_dash-update-component", json=body)


def test_page_lists_only_my_tokens(client, logged_in, session: Session) -> None:
    me = logged_in("viewer")
    create_token(session, me, name="mine")
    create_token(session, make_user(session), name="someone else's")
    session.flush()
    page = render_page(client, "/settings/tokens")
    text = json.dumps(page.json)
    assert page.status_code == 200 and "mine" in text and "someone else" not in text
    assert "/api/docs" in text


def test_create_shows_the_token_once_and_it_works(client, logged_in, session: Session) -> None:
    me = logged_in("csm")
    response = _create(client, "CRM sync", "write", 30)
    assert response.status_code == 200
    payload = response.json["response"]
    shown = json.dumps(payload["token-created"])
    secret = next(word for word in shown.replace('"', " ").split() if word.startswith("hd_"))
    who, _ = authenticate(session, secret)
    assert who is not None and who.user.id == me.id and who.token.scope == "write"
    assert who.token.expires_at is not None
    assert secret not in json.dumps(payload["tokens-wrap"])  # the list shows only the prefix
    assert [o["label"].startswith("CRM sync") for o in payload["token-revoke-id"]["options"]] == [True]
    again = json.dumps(render_page(client, "/settings/tokens").json)
    assert secret not in again and who.token.prefix in again


def test_create_refuses_bad_input_with_a_message(client, logged_in, session: Session) -> None:
    logged_in("viewer")
    for name, expires, words in (("", None, "Name"), ("ok", "0", "Expires"), ("ok", "soon", "whole number")):
        response = _create(client, name, "read", expires)
        assert words in json.dumps(response.json["response"]["token-created"])
    assert session.scalars(select(ApiToken)).all() == []


def test_revoke_my_token_but_not_someone_elses(client, logged_in, session: Session) -> None:
    me = logged_in("viewer")
    mine = create_token(session, me, name="mine")
    theirs = create_token(session, make_user(session), name="theirs")
    session.flush()
    refused = _revoke(client, str(theirs.token.id))
    assert "no such token" in json.dumps(refused.json["response"]["token-revoked"])
    assert status(theirs.token) == "active"
    done = _revoke(client, str(mine.token.id))
    assert "Revoked" in json.dumps(done.json["response"]["token-revoked"])
    session.refresh(mine.token)
    assert status(mine.token) == "revoked"


def test_anonymous_users_cannot_reach_the_page_or_its_callbacks(client) -> None:
    assert client.get("/settings/tokens").status_code == 302
    assert _create(client, "x", resolve=False).status_code == 401
