"""API test fixtures.

- `api`: a client for `/api/v1` over Flask's test client, sharing the test's rolled-back transaction.
- `token(role, scope)`: a user with that role and a personal token; returns (user, secret).
- `api_server`: the real app under gunicorn (`healthdash serve`) on a free port, for the tests that must
  go over real HTTP; `committed` gives a database whose rows that server sees (emptied after each test).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def start_server(env: dict[str, str], log: Path, timeout: float = 90.0) -> Server:
    port = free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "dashapp.cli.entry", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--workers", "1"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/v1/ping", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"the server did not answer in {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def api_env(test_env: dict[str, str]) -> dict[str, str]:
    return {**test_env, "API_RATE_LIMIT": "100000/minute", "API_IP_RATE_LIMIT": "100000/minute"}


@pytest.fixture(scope="session")
def api_server(api_env: dict[str, str]) -> Iterator[Server]:
    server = start_server(api_env, ARTIFACTS / "api-server.log")
    yield server
    stop_server(server)


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
