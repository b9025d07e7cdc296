"""The per-process cache of token lookups: a repeated read asks the database nothing about the token, and
every change that matters (revoke, rename, owner deactivated or given another role, expiry) is seen by the
very next request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dashapp.api import token_cache
from dashapp.tokens import revoke_token
from dashapp.users import set_active, set_role
from models.api_token import ApiToken


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    yield seen
    event.remove(connection, "before_cursor_execute", record)


def _token_reads(statements: list[str]) -> int:
    return sum("FROM api_tokens" in s for s in statements)


def test_a_repeated_read_does_not_look_the_token_up_again(api, token, statements: list[str]) -> None:
    _, secret = token("viewer")
    statements.clear()
    assert api.get("/me", secret).status_code == 200
    assert _token_reads(statements) == 1
    statements.clear()
    for _ in range(3):
        assert api.get("/me", secret).status_code == 200
    assert _token_reads(statements) == 0 and not any("UPDATE api_tokens" in s for s in statements)


def test_revoking_through_the_api_is_seen_at_once(api, token) -> None:
    _, secret = token("viewer", "write")
    me = api.get("/me", secret).json
    tokens = api.get("/tokens", secret).json["data"]
    (current,) = [t for t in tokens if t["current"]]
    assert api.request("DELETE", f"/tokens/{current['id']}", secret).status_code == 200
    refused = api.get("/me", secret)
    assert refused.status_code == 401 and "revoked" in refused.json["detail"], me


def test_changes_committed_elsewhere_are_seen_at_once(api, token, session: Session) -> None:
    owner, secret = token("viewer", "write")
    assert api.get("/me", secret).json["role"] == "viewer"
    set_role(session, owner, "manager")
    session.commit()
    assert api.get("/me", secret).json["role"] == "manager"
    set_active(session, owner, False)
    session.commit()
    assert api.get("/me", secret).status_code == 401
    set_active(session, owner, True)
    session.commit()
    assert api.get("/me", secret).status_code == 200
    revoke_token(session, session.query(ApiToken).filter_by(user_id=owner.id).one().id)
    session.commit()
    assert "revoked" in api.get("/me", secret).json["detail"]


def test_a_token_that_expires_while_cached_is_refused(api, token, monkeypatch) -> None:
    _, secret = token("viewer", expires_days=1)
    assert api.get("/me", secret).status_code == 200
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return later

    monkeypatch.setattr(token_cache, "datetime", Later)
    refused = api.get("/me", secret)
    assert refused.status_code == 401 and "expired" in refused.json["detail"]


def test_without_redis_nothing_is_cached(api, token, statements: list[str], app, monkeypatch) -> None:
    """Redis unreachable: the API still answers (unlimited, no rate-limit headers), asking the database
    about the token every time."""
    _, secret = token("viewer")
    from dashapp.extensions import EXTENSION_KEY

    nowhere = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    monkeypatch.setattr(app.extensions[EXTENSION_KEY], "redis", nowhere)
    statements.clear()
    for _ in range(2):
        answer = api.get("/me", secret)
        assert answer.status_code == 200 and "RateLimit-Limit" not in answer.headers
    assert _token_reads(statements) == 2
