"""API test fixtures.

- `api`: a client for `/api/v1` over Flask's test client, sharing the test's rolled-back transaction.
- `token(role, scope)`: a user with that role and a personal token; returns (user, secret).
- `api_server`: the real app under gunicorn (`healthdash serve`) on a free port, for the tests that must
  go over real HTTP; `committed` gives a database whose rows that server sees (emptied after each test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp import PROJECT_ROOT
from dashapp.extensions import EXTENSION_KEY
from dashapp.settings import Settings
from dashapp.tokens import create_token
from models.db import Database
from models.user import User
from tests.support.database import truncate_all
from tests.support.factories import make_user
from tests.support.live_server import LiveServer

GENEROUS = {"api_rate_limit": "100000/minute", "api_ip_rate_limit": "100000/minute"}
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture(autouse=True)
def generous_rate_limits(app: Flask) -> Iterator[None]:
    """The suite sends many requests from one IP; the rate-limit tests lower the limits themselves."""
    runtime = app.extensions[EXTENSION_KEY]
    before = runtime.settings
    runtime.settings = before.with_overrides(**GENEROUS)
    yield
    runtime.settings = before


@pytest.fixture
def token(session: Session) -> Callable[..., tuple[User, str]]:
    def _make(role: str = "viewer", scope: str = "read", *, user: User | None = None, **kw: Any):
        owner = user or make_user(session, role=role)
        new = create_token(session, owner, name=kw.pop("name", "test token"), scope=scope, **kw)
        session.flush()
        return owner, new.secret

    return _make


@dataclass
class Api:
    client: FlaskClient

    def request(self, method: str, path: str, secret: str | None = None, **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}) or {})
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    def get(self, path: str, secret: str | None = None, **kw: Any) -> Any:
        return self.request("GET", path, secret, **kw)


@pytest.fixture
def api(client: FlaskClient) -> Api:
    return Api(client)


# ---- a real server ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def api_env(test_env: dict[str, str]) -> dict[str, str]:
    return {**test_env, "API_RATE_LIMIT": "100000/minute", "API_IP_RATE_LIMIT": "100000/minute"}


@pytest.fixture(scope="session")
def api_server(api_env: dict[str, str]) -> Iterator[LiveServer]:
    """Like the browser tests' `live_server`, with rate limits that a property-based run does not trip."""
    with LiveServer(api_env, log_path=ARTIFACTS / "api-server.log", workers=1) as server:
        yield server


@pytest.fixture
def committed(settings: Settings, db: Database) -> Iterator[Database]:
    """Rows written here are committed (the server is another process); every table is emptied after."""
    yield db
    truncate_all(db.engine)
    client = redis.Redis.from_url(settings.redis_url or "")
    keys = list(client.scan_iter(match=f"{settings.redis_namespace}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
