"""Who may call the API: tokens (each failure a 401 that says why), browser sessions (read only), roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.tokens import revoke_token
from models.api_token import ApiToken
from tests.support.factories import make_account


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.json
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "Send an API token"),
        ("Basic dXNlcjpwYXNz", "Bearer"),
        ("Bearer", "Bearer"),
        ("Bearer not-a-token", "malformed"),
        ("Bearer hd_" + "x" * 43, "not valid"),
    ],
)
def test_missing_or_bad_credentials_get_401(api, header: str | None, detail: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = api.get("/accounts", headers=headers)
    assert detail in _problem(response, 401)["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_and_expired_tokens_get_401(api, token, session: Session) -> None:
    _, revoked = token()
    _, expired = token()
    rows = session.scalars(select(ApiToken).order_by(ApiToken.id.desc()).limit(2)).all()
    expired_row, revoked_row = rows
    revoke_token(session, revoked_row.id)
    expired_row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.flush()
    assert "revoked" in _problem(api.get("/scores", revoked), 401)["detail"]
    assert "expired" in _problem(api.get("/scores", expired), 401)["detail"]


def test_deactivated_owner_gets_401(api, token, session: Session) -> None:
    user, secret = token("admin")
    user.is_active = False
    session.flush()
    assert "deactivated" in _problem(api.get("/me", secret), 401)["detail"]


@pytest.mark.parametrize("role", ["viewer", "csm", "manager", "admin"])
def test_every_role_reads_with_its_own_permissions(api, token, session: Session, role: str) -> None:
    make_account(session, external_id=f"acme-{role}")
    _, secret = token(role)
    me = api.get("/me", secret)
    assert me.status_code == 200
    assert me.json["role"] == role and me.json["auth"] == "token" and me.json["scope"] == "read"
    assert ("run_jobs" in me.json["permissions"]) is (role in ("manager", "admin"))
    listing = api.get("/accounts", secret)
    assert listing.status_code == 200
    assert f"acme-{role}" in [a["external_id"] for a in listing.json["data"]]


def test_a_logged_in_browser_session_may_read_but_not_write(api, logged_in, token, session: Session) -> None:
    user = logged_in("admin")
    me = api.get("/me")
    assert me.status_code == 200 and me.json["auth"] == "session" and me.json["user_id"] == user.id
    token(user=user, scope="write")
    row = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    refused = api.request("DELETE", f"/tokens/{row.id}", headers={"Origin": "http://evil.example"})
    assert "token" in _problem(refused, 403)["detail"]
    assert session.get(ApiToken, row.id).revoked_at is None


def test_a_bearer_token_wins_over_the_session_cookie(api, logged_in, token) -> None:
    logged_in("admin")
    _, secret = token("viewer")
    assert api.get("/me", secret).json["role"] == "viewer"
    assert _problem(api.get("/me", "hd_" + "y" * 43), 401)


def test_the_login_guard_leaves_the_api_to_its_own_authentication(client) -> None:
    response = client.get("/api/v1/accounts", headers={"Accept": "text/html"})
    assert response.status_code == 401  # not a redirect to /login
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("role", "allowed"), [("viewer", False), ("csm", False), ("manager", True), ("admin", True)]
)
def test_operations_needing_a_permission_check_the_owners_role(
    app, client, token, role: str, allowed: bool
) -> None:
    """Write operations that need a permission (e.g. run_jobs for recomputes) refuse other roles with 403."""
    from dashapp.api.auth import require
    from dashapp.api.http import ApiError

    _, secret = token(role, "write")
    with app.test_request_context("/api/v1/jobs/recompute", headers={"Authorization": f"Bearer {secret}"}):
        if allowed:
            assert require("write", "run_jobs").user.role == role
        else:
            with pytest.raises(ApiError) as refused:
                require("write", "run_jobs")
            assert refused.value.status == 403 and f"({role})" in refused.value.detail
            assert "start recomputes" in refused.value.detail
