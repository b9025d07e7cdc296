"""With no DATABASE_URL/REDIS_URL, every `healthdash` process in a project folder shares the same embedded
PostgreSQL and Redis: a user created by the CLI can log in to a server that was already running.

These start real servers in a data directory of their own, so they take a while.
"""

from __future__ import annotations

import http.cookiejar
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import redis

from dashapp import services
from dashapp.cli.demo import DEMO_PASSWORD, DEMO_USERS
from models.db import Database
from tests.support.cli import healthdash
from tests.support.factories import make_account
from tests.support.live_server import LiveServer, child_env, free_port, healthz

pytestmark = pytest.mark.slow


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh data directory (short path: unix socket paths are limited to ~100 characters)."""
    path = Path(tempfile.mkdtemp(prefix="hd-embedded-"))
    yield path
    services.stop_embedded_postgres(path)
    services.stop_embedded_redis(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def embedded_env(data_dir: Path) -> dict[str, str]:
    return child_env(
        DATABASE_URL=None,
        REDIS_URL=None,
        SECRET_KEY=None,
        HEALTHDASH_REDIS_NAMESPACE=None,
        HEALTHDASH_ENV="development",
        HEALTHDASH_DATA_DIR=str(data_dir),
        PORT=str(free_port()),
    )


class Browser:
    """Just enough of a browser to log in over HTTP: cookies, the CSRF token, no redirects followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def login(self, email: str, password: str) -> int:
        _, html, _ = self.request("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert token, html
        status, _, headers = self.request(
            "/login", {"email": email, "password": password, "csrf_token": token.group(1), "next": "/"}
        )
        return status if status != 302 else (302 if headers.get("Location") == "/" else -1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def test_a_user_created_by_the_cli_logs_in_to_a_running_server(data_dir: Path, embedded_env: dict) -> None:
    migrated = healthdash(embedded_env, "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    log = data_dir / "server.log"
    with LiveServer(embedded_env, log_path=log, workers=1) as server:
        created = healthdash(
            embedded_env, "users", "create", "late.joiner@example.com", "--role", "csm", "--password-stdin",
            stdin="joined-while-running\n",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr

        browser = Browser(server.url)
        assert browser.request("/_dash-layout")[0] == 401
        assert browser.login("late.joiner@example.com", "joined-while-running") == 302
        assert browser.request("/_dash-layout")[0] == 200

        # The server's Redis is the embedded one of this folder: a failed login is counted there.
        assert Browser(server.url).login("late.joiner@example.com", "wrong-password") == 401
        embedded = redis.Redis.from_url(services.embedded_redis_url(data_dir))
        assert embedded.get("login-failures:email:late.joiner@example.com") == b"1"
        embedded.close()

    status = healthdash(embedded_env, "services", "status")
    assert f"PostgreSQL: embedded in {data_dir / 'postgres'}, running" in status.stdout
    assert f"Redis: embedded in {data_dir / 'redis'}, running" in status.stdout


def _read_lines(stream, lines: queue.Queue) -> None:
    try:
        for line in iter(stream.readline, ""):
            lines.put(line)
    except ValueError:  # the test closed the pipe after giving up on the child
        pass
    lines.put(None)


def _wait_for_line(lines: queue.Queue, pattern: str, seen: list[str], timeout: float = 300.0) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    raise AssertionError(f"no line matching {pattern!r} in the output:\n{''.join(seen)}")


def test_demo_run_serves_shares_its_database_and_stops_on_ctrl_c(data_dir: Path, embedded_env: dict) -> None:
    # An account already present means `demo run` does not seed (seeding is tested on its own).
    assert healthdash(embedded_env, "db", "upgrade").returncode == 0
    database = Database(services.start_embedded_postgres(data_dir))
    with database.transaction() as session:
        make_account(session, mrr=Decimal("500.00"))
    database.engine.dispose()

    demo = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "demo", "run"],
        env=embedded_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_read_lines, args=(demo.stdout, lines), daemon=True)
    reader.start()
    seen: list[str] = []
    try:
        url = _wait_for_line(lines, r"healthdash is running at (\S+)", seen).group(1)
        assert url == f"http://localhost:{embedded_env['PORT']}"
        base = f"http://127.0.0.1:{embedded_env['PORT']}"
        _wait_for_line(lines, re.escape(f"Log in as {DEMO_USERS[0][0]} with password {DEMO_PASSWORD}"), seen)
        assert healthz(base) is not None
        assert Browser(base).login(DEMO_USERS[0][0], DEMO_PASSWORD) == 302

        created = healthdash(
            embedded_env, "users", "create", "second@example.com", "--role", "viewer", "--password-stdin",
            stdin="second-password\n",
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        assert Browser(base).login("second@example.com", "second-password") == 302

        demo.send_signal(signal.SIGINT)  # what Ctrl-C sends
        assert demo.wait(timeout=120) == 0, "".join(seen)
        _wait_for_line(lines, r"Stopped the web app, the worker and the scheduler\.", seen)
        assert healthz(base, timeout=1) is None
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        reader.join(timeout=10)
        demo.stdout.close()
