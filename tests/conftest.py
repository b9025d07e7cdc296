"""Fixtures: a real PostgreSQL database per run (each test in a rolled-back transaction), real Redis
with a per-run key namespace, the Flask app and its test client.

With DATABASE_URL / REDIS_URL set the tests use those servers; without them, the embedded ones.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from dashapp import create_app, migrate, services
from dashapp.extensions import runtime as app_runtime
from dashapp.settings import Settings
from models.db import Database
from tests.support.database import create_test_database, drop_database
from tests.support.factories import PASSWORD, make_user

# Tiers, assigned from what a test uses, so `-m unit` / `-m "not ui"` select without a marker on every test.
UI_FIXTURES = frozenset({"page", "live_server", "browser", "live_url", "api_server"})
SERVER_FIXTURES = frozenset(
    {"db", "connection", "session", "client", "redis_client", "app", "live_db", "test_env"}
)


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, the controller starts the embedded servers once and hands their URLs to the workers.

    Workers inherit the controller's environment; without this each worker would race to start its own
    embedded PostgreSQL and Redis in the same data directory.
    """
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    env = Settings.from_env()
    if env.database_url and env.redis_url:
        return
    resolved = services.resolve(env)
    os.environ["DATABASE_URL"] = resolved.database_url or ""
    os.environ["REDIS_URL"] = resolved.redis_url or ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("ui") or names & UI_FIXTURES:
            item.add_marker(pytest.mark.ui)
        elif names & SERVER_FIXTURES:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def server_settings() -> Settings:
    """Settings pointing at running servers: the configured ones, or the embedded ones."""
    return services.resolve(Settings.from_env())


@pytest.fixture(scope="session")
def database_url(server_settings: Settings) -> Iterator[str]:
    url = create_test_database(server_settings.database_url or "")
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def redis_namespace(server_settings: Settings) -> Iterator[str]:
    namespace = f"hdtest-{uuid.uuid4().hex[:8]}:"
    yield namespace
    client = redis.Redis.from_url(server_settings.redis_url or "")
    keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
    keys += list(client.scan_iter(match=f"rq:*{namespace}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def settings(
    server_settings: Settings,
    database_url: str,
    redis_namespace: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Settings:
    return server_settings.with_overrides(
        env="test",
        # This run's own files (exports, uploads): parallel runs number their rows alike.
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=database_url,
        redis_namespace=redis_namespace,
        secret_key="test-secret-key-not-for-production",
        login_max_failures=5,
    )


@pytest.fixture(scope="session")
def test_env(settings: Settings) -> dict[str, str]:
    """Environment for child processes (CLI, server, worker) that must use this run's database and Redis."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url or "",
        REDIS_URL=settings.redis_url or "",
        HEALTHDASH_REDIS_NAMESPACE=settings.redis_namespace,
        HEALTHDASH_ENV="test",
        SECRET_KEY=settings.secret_key,
        HEALTHDASH_DATA_DIR=str(settings.data_dir),
    )
    return env


@pytest.fixture(scope="session")
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings.database_url or "")
    yield database
    database.engine.dispose()


@pytest.fixture
def connection(db: Database) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = db.engine.connect()
    trans = conn.begin()
    yield conn
    trans.rollback()
    conn.close()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    sess = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield sess
    sess.close()


@pytest.fixture
def redis_client(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_url or "")
    yield client
    keys = list(client.scan_iter(match=f"{settings.redis_namespace}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    application = create_app(settings)
    application.config.update(TESTING=True)
    return application


@pytest.fixture
def client(app: Flask, connection: Connection, redis_client: redis.Redis) -> Iterator[FlaskClient]:
    """Test client whose requests share the test's rolled-back transaction."""
    with app.app_context():
        rt = app_runtime()
    rt.db.bind_to(connection)
    try:
        yield app.test_client()
    finally:
        rt.db.unbind()


def login(client: FlaskClient, email: str, password: str = PASSWORD):
    """Log in through the real form (CSRF token included)."""
    client.get("/login")
    with client.session_transaction() as sess:
        token = sess["csrf_token"]
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def logged_in(client: FlaskClient, session: Session):
    """Factory: `logged_in(role)` creates a user with that role and logs the client in as them."""

    def _login(role: str = "admin"):
        user = make_user(session, role=role)
        session.flush()
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return _login


def logout(client: FlaskClient):
    """Log out the way the navbar does: a POST carrying the session's CSRF token."""
    with client.session_transaction() as sess:
        token = sess.get("csrf_token", "")
    return client.post("/logout", data={"csrf_token": token})
