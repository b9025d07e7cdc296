"""A throw-away database and Redis key namespace for a benchmark that runs the app, and the environment its
server and CLI children get. Both are removed when the benchmark ends, whatever happens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from dashapp import services
from dashapp.settings import Settings
from tests.support.database import create_test_database, drop_database
from tests.support.live_server import child_env


@dataclass(frozen=True)
class Scratch:
    base: Settings  # the configured (or embedded) servers
    database_url: str
    namespace: str

    def env(self, **changes: str | None) -> dict[str, str]:
        """The environment of a child `healthdash` process on this scratch database and namespace."""
        values: dict[str, str | None] = {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.base.redis_url,
            "HEALTHDASH_REDIS_NAMESPACE": self.namespace,
            "HEALTHDASH_ENV": "development",
            "SECRET_KEY": "benchmark-secret-key-not-for-production",
            "LOG_LEVEL": "WARNING",
        }
        return child_env(None, **{**values, **changes})


@contextmanager
def scratch(prefix: str = "hd_bench") -> Iterator[Scratch]:
    base = services.resolve(Settings.from_env())
    url = create_test_database(base.database_url or "", prefix=prefix)
    namespace = f"hdbench-{uuid.uuid4().hex[:8]}:"
    try:
        yield Scratch(base, url, namespace)
    finally:
        drop_database(url)
        client = redis.Redis.from_url(base.redis_url or "")
        keys = list(client.scan_iter(match=f"{namespace}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
