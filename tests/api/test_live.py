"""Over real HTTP against `healthdash serve` (gunicorn): a token made with the CLI reads scores; a revoked or
expired token gets 401; a read token cannot write."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from models.api_token import ApiToken
from models.db import Database
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health

pytestmark = pytest.mark.slow


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def http(method: str, url: str, secret: str | None = None, body: Any = None) -> tuple[int, dict, bytes]:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_cli_token_reads_scores_then_revoked_and_expired_tokens_are_refused(
    api_server, api_env: dict[str, str], committed: Database
) -> None:
    with committed.transaction() as session:
        user = make_user(session, role="viewer")
        email = user.email
        for i in range(30):
            account = make_account(session, external_id=f"live-{i:02d}", name=f"Live {i}")
            make_health(session, account, float(i * 3))

    made = cli(api_env, "tokens", "create", email, "--name", "warehouse sync")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    assert secret.startswith("hd_") and "not shown again" in made.stderr

    status, headers, body = http("GET", f"{api_server.url}/api/v1/scores?format=ndjson", secret)
    assert status == 200 and headers["Content-Type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in body.decode().splitlines()]
    assert sorted(r["external_id"] for r in rows) == [f"live-{i:02d}" for i in range(30)]
    assert {r["external_id"]: r["score"] for r in rows}["live-10"] == 30.0

    listed = cli(api_env, "tokens", "list", email)
    assert listed.returncode == 0 and "warehouse sync" in listed.stdout and secret not in listed.stdout
    token_id = listed.stdout.split("\t", 1)[0]
    with committed.transaction() as session:
        assert session.get(ApiToken, int(token_id)).last_used_at is not None

    revoked = cli(api_env, "tokens", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    status, headers, body = http("GET", f"{api_server.url}/api/v1/scores", secret)
    assert status == 401 and "revoked" in json.loads(body)["detail"]
    assert headers["Content-Type"] == "application/problem+json"

    # An expired token (its expiry moved into the past by hand: nothing else changes an expiry, so no
    # process has it cached; a token that expires while cached is refused too, see test_token_cache.py).
    short = cli(api_env, "tokens", "create", email, "--name", "short-lived", "--expires", "1").stdout.strip()
    with committed.transaction() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.name == "short-lived")
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    status, _, body = http("GET", f"{api_server.url}/api/v1/scores", short)
    assert status == 401 and "expired" in json.loads(body)["detail"]


def test_read_token_cannot_write_and_write_token_can(
    api_server, api_env: dict[str, str], committed: Database
) -> None:
    with committed.transaction() as session:
        email = make_user(session, role="admin").email
    read = cli(api_env, "tokens", "create", email, "--name", "reader").stdout.strip()
    write = cli(api_env, "tokens", "create", email, "--name", "writer", "--scope", "write").stdout.strip()
    with committed.transaction() as session:
        reader_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "reader"))

    status, _, body = http("PATCH", f"{api_server.url}/api/v1/tokens/{reader_id}", read, {"name": "renamed"})
    assert status == 403 and "read scope" in json.loads(body)["detail"]
    status, _, body = http("DELETE", f"{api_server.url}/api/v1/tokens/{reader_id}", read)
    assert status == 403

    status, _, body = http("PATCH", f"{api_server.url}/api/v1/tokens/{reader_id}", write, {"name": "renamed"})
    assert status == 200 and json.loads(body)["name"] == "renamed"
    status, _, _ = http("DELETE", f"{api_server.url}/api/v1/tokens/{reader_id}", write)
    assert status == 200
    assert http("GET", f"{api_server.url}/api/v1/me", read)[0] == 401


def test_cli_refuses_bad_token_requests_in_one_line(api_env: dict[str, str], committed: Database) -> None:
    with committed.transaction() as session:
        email = make_user(session).email
    unknown = cli(api_env, "tokens", "create", "nobody@example.com", "--name", "x")
    assert (
        unknown.returncode == 1
        and unknown.stderr.strip() == "Error: there is no user with email nobody@example.com"
    )
    bad_days = cli(api_env, "tokens", "create", email, "--name", "x", "--expires", "0")
    assert bad_days.returncode == 1 and "expires" in bad_days.stderr and "Traceback" not in bad_days.stderr
    no_such = cli(api_env, "tokens", "revoke", "424242")
    assert no_such.returncode == 1 and "no token #424242" in no_such.stderr
