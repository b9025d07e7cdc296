"""Personal API tokens: creation rules, hashing, status, revocation, authentication, and the /tokens API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.tokens import (
    LAST_USED_RESOLUTION,
    TokenError,
    authenticate,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
    status,
)
from models.api_token import ApiToken
from models.audit import AuditLog
from tests.support.factories import make_user


def test_a_token_is_stored_only_as_its_hash(session: Session) -> None:
    user = make_user(session, role="csm")
    new = create_token(session, user, name="CRM sync", scope="write", expires_days=30)
    assert new.secret.startswith("hd_") and len(new.secret) > 40
    stored = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash == hash_token(new.secret)
    assert new.secret not in (stored.token_hash, stored.prefix)
    assert new.secret.startswith(stored.prefix)
    assert stored.scope == "write" and status(stored) == "active"
    assert stored.expires_at is not None
    assert timedelta(days=29) < stored.expires_at - datetime.now(UTC) <= timedelta(days=30)
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "token.create")).all()
    assert any(a.object_id == str(stored.id) and new.secret not in str(a.details) for a in audit)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "at most 100"),
        ({"name": "ok", "scope": "admin"}, "scope"),
        ({"name": "ok", "expires_days": 0}, "expires"),
        ({"name": "ok", "expires_days": 99999}, "expires"),
    ],
)
def test_bad_token_requests_say_what_is_wrong(session: Session, kwargs: dict, message: str) -> None:
    user = make_user(session)
    with pytest.raises(TokenError, match=message):
        create_token(session, user, **kwargs)


def test_no_tokens_for_a_deactivated_user(session: Session) -> None:
    user = make_user(session)
    user.is_active = False
    with pytest.raises(TokenError, match="deactivated"):
        create_token(session, user, name="x")


def test_authenticate_finds_the_owner_and_refuses_bad_tokens(session: Session) -> None:
    user = make_user(session, role="manager")
    new = create_token(session, user, name="x")
    who, why = authenticate(session, new.secret)
    assert who is not None and who.user.id == user.id and who.token.id == new.token.id and why == ""
    assert authenticate(session, new.secret + "x")[0] is None
    assert "malformed" in authenticate(session, "not-a-token")[1]
    revoke_token(session, new.token.id)
    assert authenticate(session, new.secret) == (None, "The bearer token is revoked.")


def test_expired_token_and_deactivated_owner_are_refused(session: Session) -> None:
    user = make_user(session)
    new = create_token(session, user, name="x", expires_days=1)
    later = datetime.now(UTC) + timedelta(days=2)
    assert authenticate(session, new.secret, now=later) == (None, "The bearer token is expired.")
    user.is_active = False
    session.flush()
    assert authenticate(session, new.secret)[1] == "The token's owner is deactivated."


def test_last_used_is_written_at_most_once_a_minute(session: Session) -> None:
    user = make_user(session)
    new = create_token(session, user, name="x")
    start = datetime.now(UTC)
    authenticate(session, new.secret, now=start)
    session.refresh(new.token)
    assert new.token.last_used_at == start
    authenticate(session, new.secret, now=start + timedelta(seconds=30))
    session.refresh(new.token)
    assert new.token.last_used_at == start  # not rewritten within the minute
    authenticate(session, new.secret, now=start + LAST_USED_RESOLUTION + timedelta(seconds=1))
    session.refresh(new.token)
    assert new.token.last_used_at == start + LAST_USED_RESOLUTION + timedelta(seconds=1)


def test_only_the_owner_or_a_user_manager_may_revoke(session: Session) -> None:
    owner, other, admin = make_user(session, role="csm"), make_user(session, role="csm"), make_user(session)
    new = create_token(session, owner, name="x")
    with pytest.raises(TokenError, match="no token"):
        revoke_token(session, new.token.id, actor=other)
    revoke_token(session, new.token.id, actor=admin)
    assert status(new.token) == "revoked"
    assert [t.id for t in list_tokens(session, owner)] == [new.token.id]


# ---- over HTTP ----------------------------------------------------------------------------------------


def test_tokens_api_lists_only_the_callers_tokens(api, token, session: Session) -> None:
    user, secret = token("viewer")
    create_token(session, user, name="second")
    _, other_secret = token("viewer")
    session.flush()
    response = api.get("/tokens", secret)
    assert response.status_code == 200
    rows = response.json["data"]
    assert sorted(r["name"] for r in rows) == ["second", "test token"]
    assert [r["current"] for r in rows if r["name"] == "test token"] == [True]
    assert all("hash" not in str(r) and secret not in str(r) for r in rows)
    assert len(api.get("/tokens", other_secret).json["data"]) == 1


def test_write_token_renames_and_revokes_its_own_tokens(api, token, session: Session) -> None:
    user, secret = token("viewer", "write")
    spare = create_token(session, user, name="spare")
    session.flush()
    renamed = api.request("PATCH", f"/tokens/{spare.token.id}", secret, json={"name": "warehouse"})
    assert renamed.status_code == 200 and renamed.json["name"] == "warehouse"
    revoked = api.request("DELETE", f"/tokens/{spare.token.id}", secret)
    assert revoked.status_code == 200 and revoked.json["status"] == "revoked"
    assert api.get("/me", spare.secret).status_code == 401
    again = api.request("DELETE", f"/tokens/{spare.token.id}", secret)
    assert again.status_code == 200 and again.json["revoked_at"] == revoked.json["revoked_at"]


def test_read_token_cannot_write(api, token, session: Session) -> None:
    _, secret = token("admin", "read")
    response = api.request("DELETE", "/tokens/1", secret)
    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert "read scope" in response.json["detail"]
    assert api.request("PATCH", "/tokens/1", secret, json={"name": "x"}).status_code == 403


def test_tokens_of_other_users_are_not_found(api, token, session: Session) -> None:
    _, secret = token("admin", "write")
    other, _ = token("viewer")
    theirs = create_token(session, other, name="theirs")
    session.flush()
    for method, kw in (("DELETE", {}), ("PATCH", {"json": {"name": "mine now"}})):
        response = api.request(method, f"/tokens/{theirs.token.id}", secret, **kw)
        assert response.status_code == 404, response.json
    assert status(theirs.token) == "active" and theirs.token.name == "theirs"
    assert api.request("DELETE", "/tokens/not-a-number", secret).status_code == 404
    assert api.request("DELETE", "/tokens/99999999999999999999", secret).status_code == 404
