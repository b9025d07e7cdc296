"""Login throttling in Redis: attempts are reserved atomically, per account and per client address."""

from __future__ import annotations

import threading

import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp.auth.throttle import LoginThrottle
from dashapp.extensions import runtime
from dashapp.settings import Settings
from tests.conftest import login
from tests.support.factories import make_user


def _throttle(redis_client: redis.Redis, settings: Settings, **kw: int) -> LoginThrottle:
    limits = {"max_failures": 5, "ip_max_failures": 50, "window_seconds": 900, **kw}
    return LoginThrottle(client=redis_client, namespace=settings.redis_namespace, **limits)


def test_parallel_guesses_cannot_exceed_the_limit(redis_client: redis.Redis, settings: Settings) -> None:
    throttle = _throttle(redis_client, settings)
    start = threading.Barrier(20)
    allowed: list[bool] = []

    def guess() -> None:
        start.wait()
        allowed.append(throttle.reserve("victim@example.com", "10.0.0.1") == 0)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 5
    assert (
        throttle.reserve("victim@example.com", "10.0.0.2") > 0
    )  # another address: still the account's limit


def test_one_address_has_its_own_larger_budget(redis_client: redis.Redis, settings: Settings) -> None:
    throttle = _throttle(redis_client, settings, ip_max_failures=8)
    for n in range(8):
        assert throttle.reserve(f"user{n}@example.com", "10.0.0.9") == 0
    assert throttle.reserve("fresh@example.com", "10.0.0.9") > 0  # the address spent its budget
    assert throttle.reserve("fresh@example.com", "10.0.0.10") == 0  # other addresses are unaffected


def test_a_successful_login_refunds_its_attempt(redis_client: redis.Redis, settings: Settings) -> None:
    throttle = _throttle(redis_client, settings, max_failures=2, ip_max_failures=2)
    for _ in range(5):
        assert throttle.reserve("me@example.com", "10.0.0.3") == 0
        throttle.succeeded("me@example.com", "10.0.0.3")


def test_failures_on_a_few_accounts_do_not_lock_out_the_office(client: FlaskClient, session: Session) -> None:
    """Five wrong passwords from one address (on five accounts) no longer lock out everyone behind it."""
    for user in [make_user(session) for _ in range(5)]:
        assert login(client, user.email, "nope-nope-nope").status_code == 401
    colleague = make_user(session)
    assert login(client, colleague.email).status_code == 302


def test_the_address_budget_is_enforced_over_http(
    app: Flask, client: FlaskClient, session: Session, monkeypatch
) -> None:
    with app.app_context():
        rt = runtime()
    monkeypatch.setattr(rt, "settings", rt.settings.with_overrides(login_ip_max_failures=7))
    for user in [make_user(session) for _ in range(7)]:
        assert login(client, user.email, "nope-nope-nope").status_code == 401
    blocked = login(client, make_user(session).email)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
