"""What job tests share: a committed database and a Redis namespace of their own, and a real RQ worker.

A worker (in this process or another) sees only committed data, so job tests cannot use the rolled-back
session of the other tests: each module gets a migrated database of its own, each test a namespace that
is removed afterwards (queues, RQ job ids, locks).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dashapp import migrate
from dashapp.settings import Settings
from jobs import runtime
from jobs.queues import all_queues, job_prefix, redis_connection
from jobs.workers import SimpleWorker
from models.db import Database
from tests.support.database import create_test_database, drop_database, truncate_all


@contextmanager
def committed_database(server_settings: Settings, prefix: str) -> Iterator[str]:
    """A migrated database of its own (its URL), dropped afterwards."""
    url = create_test_database(server_settings.database_url or "", prefix=prefix)
    migrate.upgrade(url)
    try:
        yield url
    finally:
        drop_database(url)


@contextmanager
def own_namespace(settings: Settings, database_url: str, tag: str, **overrides: Any) -> Iterator[Settings]:
    """`settings` on `database_url` with a fresh Redis namespace; its keys and job ids are deleted after."""
    namespace = f"{settings.redis_namespace}{tag}{uuid.uuid4().hex[:6]}:"
    local = settings.with_overrides(database_url=database_url, redis_namespace=namespace, **overrides)
    try:
        yield local
    finally:
        client = redis_connection(settings.redis_url or "")
        keys = list(client.scan_iter(match=f"*{namespace}*", count=1000))
        keys += list(client.scan_iter(match=f"*{job_prefix(local)}*", count=1000))
        if keys:
            client.delete(*keys)


@contextmanager
def worker_environment(
    settings: Settings, database_url: str, tag: str, monkeypatch: Any
) -> Iterator[Settings]:
    """`own_namespace`, also seen by jobs through the environment, as a `healthdash worker` reads it."""
    with own_namespace(settings, database_url, tag) as local:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("REDIS_URL", settings.redis_url or "")
        monkeypatch.setenv("HEALTHDASH_REDIS_NAMESPACE", local.redis_namespace)
        yield local


@contextmanager
def job_database(settings: Settings) -> Iterator[Database]:
    """The committed database, emptied, and handed to jobs run in this process."""
    database = Database(settings.database_url or "")
    truncate_all(database.engine)
    runtime.use_database(database)
    try:
        yield database
    finally:
        runtime.use_database(None)
        database.engine.dispose()


def drain(settings: Settings, *queues: str) -> None:
    """Run every job waiting on `queues` with a real RQ worker on the real Redis, then stop."""
    worker = SimpleWorker(
        all_queues(settings, list(queues)), connection=redis_connection(settings.redis_url or "")
    )
    worker.work(burst=True, with_scheduler=False)
