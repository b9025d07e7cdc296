"""Fixtures for ingestion tests: write keys, signed webhook helpers, committed-data clean-up."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from dashapp.extensions import runtime as app_runtime
from dashapp.ingest.writekeys import create_write_key
from models.db import Database
from tests.support.database import truncate_all

STRIPE_SECRET = "whsec_test_secret_for_healthdash"
SUPPORT_SECRET = "support-shared-secret-for-tests"


def basic(key: str) -> dict[str, str]:
    """The Authorization header Segment clients send: HTTP Basic with the key as user name."""
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


@pytest.fixture
def write_key(session: Session) -> str:
    _row, key = create_write_key(session, "test source")
    session.flush()
    return key


@pytest.fixture
def webhook_secrets(app: Flask) -> Iterator[None]:
    """Configure the webhook secrets on the running app for one test."""
    with app.app_context():
        rt = app_runtime()
    original = rt.settings
    rt.settings = original.with_overrides(
        stripe_webhook_secret=STRIPE_SECRET, support_webhook_secret=SUPPORT_SECRET
    )
    try:
        yield
    finally:
        rt.settings = original


@pytest.fixture
def committed(db: Database) -> Iterator[Database]:
    """For tests whose data must be committed (CSV imports, jobs, live servers): emptied afterwards."""
    truncate_all(db.engine)
    yield db
    truncate_all(db.engine)


@pytest.fixture(scope="session")
def live_url(test_env: dict[str, str]) -> Iterator[str]:
    """`healthdash serve` (gunicorn, as in production) on this run's database, with the webhook secrets."""
    from dashapp import PROJECT_ROOT
    from tests.support.live_server import LiveServer

    env = {**test_env, "STRIPE_WEBHOOK_SECRET": STRIPE_SECRET, "SUPPORT_WEBHOOK_SECRET": SUPPORT_SECRET}
    with LiveServer(env, log_path=PROJECT_ROOT / "test-artifacts" / "ingest-live-server.log") as server:
        yield server.url


@pytest.fixture(scope="session", autouse=True)
def _drop_namespaced_jobs(settings) -> Iterator[None]:
    """Job hashes are keyed by job id (`rq:job:<id>`), which carries the run's namespace in a job-id-safe form."""
    yield
    import re

    import redis

    client = redis.Redis.from_url(settings.redis_url or "")
    safe = re.sub(r"[^A-Za-z0-9_-]", "-", settings.redis_namespace)
    keys = list(client.scan_iter(match=f"rq:*{safe}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _empty_queues(settings) -> Iterator[None]:
    """Jobs a test enqueued (and nobody ran) must not leak into the next test's worker."""
    yield
    from jobs.queues import all_queues, redis_connection
    from jobs.rollup import flag_key

    redis_connection(settings.redis_url or "").delete(flag_key(settings))
    for queue in all_queues(settings):
        for job_id in queue.job_ids:
            job = queue.fetch_job(job_id)
            if job is not None:
                job.delete()
        queue.empty()
