"""Shared by the ingestion benchmarks: a throw-away migrated database and Redis namespace."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import redis

from dashapp import migrate, services
from dashapp.services import libpq_url
from dashapp.settings import Settings
from tests.support.database import create_test_database, drop_database
from tests.support.live_server import child_env


@contextlib.contextmanager
def scratch_install(prefix: str) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Settings and a child-process environment for a fresh database and Redis namespace, removed after."""
    base = services.resolve(Settings.from_env())
    url = create_test_database(base.database_url or "", prefix=prefix)
    namespace = f"{prefix}-{uuid.uuid4().hex[:8]}:"
    settings = base.with_overrides(database_url=url, redis_namespace=namespace)
    env = child_env(
        DATABASE_URL=url,
        REDIS_URL=base.redis_url,
        HEALTHDASH_REDIS_NAMESPACE=namespace,
        SECRET_KEY="benchmark-secret-key-not-for-production",
        HEALTHDASH_DATA_DIR=str(base.data_dir),
    )
    try:
        migrate.upgrade(url)
        yield settings, env
    finally:
        drop_database(url)
        client = redis.Redis.from_url(base.redis_url or "")
        stem = namespace.rstrip(":")
        keys = list(client.scan_iter(match=f"*{stem}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def pg_url(settings: Settings) -> str:
    return libpq_url(settings.database_url or "")
