"""Server-side session revocation: logout, password/role changes and deactivation end every session
(remember cookie included); the remember cookie is short-lived; idle sessions expire; logout needs POST + CSRF."""

from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy.orm import Session
from werkzeug.http import parse_date

from dashapp.users import set_active, set_password, set_role
from tests.conftest import login, logout
from tests.support.factories import PASSWORD, make_user

SESSION_COOKIE = "healthdash_session"
REMEMBER_COOKIE = "remember_token"


def _remembered_login(client: FlaskClient, email: str):
    client.get("/login")
    with client.session_transaction() as sess:
        token = sess["csrf_token"]
    return client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token, "remember": "1"}
    )


def _cookie(client: FlaskClient, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def _client_with(app: Flask, **cookies: str) -> FlaskClient:
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_a_copied_session_cookie_stops_working_after_logout(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    login(client, user.email)
    copied = _cookie(client, SESSION_COOKIE)
    assert copied
    assert logout(client).status_code == 302
    thief = _client_with(app, **{SESSION_COOKIE: copied})
    assert thief.get("/_dash-layout").status_code == 401


def test_logout_clears_the_remember_cookie_and_a_copy_of_it_is_refused(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    response = _remembered_login(client, user.email)
    remember = _cookie(client, REMEMBER_COOKIE)
    assert remember
    set_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER_COOKIE))
    assert "HttpOnly" in set_cookie
    response = logout(client)
    cleared = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER_COOKIE + "=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "1970" in cleared[0])
    assert _cookie(client, REMEMBER_COOKIE) is None
    assert client.get("/_dash-layout").status_code == 401
    thief = _client_with(app, **{REMEMBER_COOKIE: remember})
    assert thief.get("/_dash-layout").status_code == 401


def test_the_remember_cookie_logs_back_in_after_the_browser_session_ends(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    _remembered_login(client, user.email)
    returning = _client_with(app, **{REMEMBER_COOKIE: _cookie(client, REMEMBER_COOKIE) or ""})
    assert returning.get("/_dash-layout").status_code == 200


def test_the_remember_cookie_lives_the_configured_days_not_a_year(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    response = _remembered_login(client, user.email)
    set_cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(REMEMBER_COOKIE))
    expires = parse_date(set_cookie.split("Expires=")[1].split(";")[0])
    days = app.extensions["healthdash"].settings.remember_days
    assert days <= 30
    lifetime = expires.timestamp() - time.time()
    assert (days - 1) * 86400 < lifetime <= days * 86400


def test_a_remember_cookie_older_than_the_remember_period_is_refused_by_the_server(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """The browser's expiry is advisory: the server checks when the login happened."""
    user = make_user(session)
    session.flush()
    days = app.extensions["healthdash"].settings.remember_days
    issued = int(time.time()) - (days + 1) * 86400
    with app.test_request_context():
        old = encode_cookie(f"{user.id}.{user.session_generation}.{issued}")
        fresh = encode_cookie(f"{user.id}.{user.session_generation}.{int(time.time())}")
    assert _client_with(app, **{REMEMBER_COOKIE: fresh}).get("/_dash-layout").status_code == 200
    assert _client_with(app, **{REMEMBER_COOKIE: old}).get("/_dash-layout").status_code == 401


def test_a_password_change_ends_every_session(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    assert client.get("/_dash-layout").status_code == 200
    set_password(session, user, "another-long-passphrase-42")
    session.flush()
    assert client.get("/_dash-layout").status_code == 401


def test_a_role_change_ends_every_session(client: FlaskClient, session: Session) -> None:
    user = make_user(session, role="manager")
    login(client, user.email)
    set_role(session, user, "manager")  # no change: the session stays
    session.flush()
    assert client.get("/_dash-layout").status_code == 200
    set_role(session, user, "viewer")
    session.flush()
    assert client.get("/_dash-layout").status_code == 401


def test_deactivation_ends_every_session_including_remembered_ones(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    user = make_user(session, role="csm")  # the last active admin cannot be deactivated
    _remembered_login(client, user.email)
    remember = _cookie(client, REMEMBER_COOKIE) or ""
    set_active(session, user, False)
    session.flush()
    assert client.get("/_dash-layout").status_code == 401
    set_active(session, user, True)  # reactivating does not bring old cookies back
    session.flush()
    assert _client_with(app, **{REMEMBER_COOKIE: remember}).get("/_dash-layout").status_code == 401


def test_an_idle_session_expires(app: Flask, client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    assert client.get("/_dash-layout").status_code == 200
    idle = app.extensions["healthdash"].settings.session_idle_minutes * 60
    with client.session_transaction() as sess:
        sess["_hd_seen"] = int(time.time()) - idle + 60
    assert client.get("/_dash-layout").status_code == 200  # activity keeps it alive
    with client.session_transaction() as sess:
        sess["_hd_seen"] = int(time.time()) - idle - 1
    assert client.get("/_dash-layout").status_code == 401


def test_logout_by_get_is_refused_and_keeps_the_session(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    assert client.get("/logout").status_code == 405
    assert client.get("/_dash-layout").status_code == 200


def test_logout_without_the_csrf_token_is_refused(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/_dash-layout").status_code == 200
    assert logout(client).status_code == 302
    assert client.get("/_dash-layout").status_code == 401
