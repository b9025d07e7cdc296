"""Login, logout, refusal of anonymous requests, roles, CSRF and the failed-login limit."""

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import AuditLog
from tests.conftest import login, logout
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_user

DASH_JSON_ROUTES = ["/_dash-layout", "/_dash-dependencies", "/_reload-hash"]


def test_login_page_is_styled_and_carries_a_csrf_token(client: FlaskClient) -> None:
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "/assets/00_bootstrap.min.css" in html
    assert 'name="csrf_token"' in html
    with client.get("/assets/00_bootstrap.min.css") as css:
        assert css.status_code == 200


@pytest.mark.parametrize("path", DASH_JSON_ROUTES)
def test_anonymous_dash_routes_get_401_json(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 401


def test_anonymous_callback_is_refused(client: FlaskClient) -> None:
    response = render_page(client, "/")
    assert response.status_code == 401
    assert "Log in" in response.json["detail"]


@pytest.mark.parametrize("path", ["/", "/admin/users", "/no/such/page"])
def test_anonymous_pages_redirect_to_login_with_next(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_then_pages_and_callbacks_work(client: FlaskClient, session: Session) -> None:
    user = make_user(session, role="viewer")
    response = login(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    page = render_page(client, "/")
    assert page.status_code == 200
    assert "Overview" in page.get_data(as_text=True)


def test_session_cookie_is_httponly_and_samesite(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = login(client, user.email)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("healthdash_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_wrong_password_is_refused_and_audited(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = login(client, user.email, "wrong-password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert client.get("/_dash-layout").status_code == 401
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_id == str(user.id))).all()
    assert "auth.login_failed" in actions


def test_login_without_csrf_token_is_refused(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-battery"})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_inactive_user_cannot_log_in(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    user.is_active = False
    session.flush()
    assert login(client, user.email).status_code == 401


def test_logout_ends_the_session(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.email)
    assert client.get("/_dash-layout").status_code == 200
    assert logout(client).status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_next_only_redirects_within_the_site(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    client.get("/login")
    with client.session_transaction() as sess:
        token = sess["csrf_token"]
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "password": "correct-horse-battery",
            "csrf_token": token,
            "next": "https://evil.example/phish",
        },
    )
    assert response.headers["Location"] == "/"


def test_failed_logins_are_limited_per_account(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    for _ in range(5):
        assert login(client, user.email, "nope-nope").status_code == 401
    blocked = login(client, user.email)  # even the right password is refused while blocked
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "Too many failed logins" in blocked.get_data(as_text=True)


def test_viewer_cannot_open_admin_page_or_call_its_callbacks(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    page = render_page(client, "/admin/users")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Not available for your role" in body
    assert "users-table" not in body
    add = callback_body(
        [("new-user-message", "children"), ("users-table-wrap", "children")],
        [("new-user-submit", "n_clicks", 1)],
        [
            ("new-user-email", "value", "intruder@example.com"),
            ("new-user-name", "value", "x"),
            ("new-user-role", "value", "admin"),
            ("new-user-password", "value", "a-long-passphrase-123"),
        ],
        client=client,
    )
    response = client.post("/_dash-update-component", json=add)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"


def test_admin_can_open_admin_page_and_add_a_user(client: FlaskClient, logged_in, session: Session) -> None:
    logged_in("admin")
    page = render_page(client, "/admin/users")
    assert "users-table" in page.get_data(as_text=True)
    add = callback_body(
        [("new-user-message", "children"), ("users-table-wrap", "children")],
        [("new-user-submit", "n_clicks", 1)],
        [
            ("new-user-email", "value", "new.person@example.com"),
            ("new-user-name", "value", "New Person"),
            ("new-user-role", "value", "csm"),
            ("new-user-password", "value", "a-long-passphrase-123"),
        ],
        client=client,
    )
    response = client.post("/_dash-update-component", json=add)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Added new.person@example.com as csm" in response.get_data(as_text=True)
    # the new user can log in
    logout(client)
    assert login(client, "new.person@example.com", "a-long-passphrase-123").status_code == 302


def test_admin_page_reports_a_duplicate_user(client: FlaskClient, logged_in) -> None:
    admin = logged_in("admin")
    add = callback_body(
        [("new-user-message", "children"), ("users-table-wrap", "children")],
        [("new-user-submit", "n_clicks", 1)],
        [
            ("new-user-email", "value", admin.email),
            ("new-user-name", "value", ""),
            ("new-user-role", "value", "csm"),
            ("new-user-password", "value", "a-long-passphrase-123"),
        ],
        client=client,
    )
    response = client.post("/_dash-update-component", json=add)
    assert "already exists" in response.get_data(as_text=True)


def test_unknown_page_shows_the_404_page(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    assert "Page not found" in render_page(client, "/no/such/page").get_data(as_text=True)


def test_theme_choice_is_saved_on_the_user(client: FlaskClient, logged_in, session: Session) -> None:
    user = logged_in("viewer")
    body = callback_body(
        [("theme-store", "data")], [("theme-switch", "value", True)], [("theme-store", "data", "light")]
    )
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(user), user.id).theme == "dark"
