"""Shared by the ingestion benchmarks: a throw-away migrated database and Redis namespace."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg
import redis
from sqlalchemy.engine import make_url

from dashapp import migrate, services
from dashapp.services import libpq_url
from dashapp.settings import Settings


@contextlib.contextmanager
def scratch_install(prefix: str) -> Iterator[tuple[Settings, dict[str, str]]]:
    """Settings and a child-process environment for a fresh database and Redis namespace, removed after."""
    base = services.resolve(Settings.from_env())
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = libpq_url(make_url(base.database_url or "").set(database="postgres").render_as_string(False))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(base.database_url or "").set(database=name).render_as_string(hide_password=False)
    namespace = f"{name}:"
    settings = base.with_overrides(database_url=url, redis_namespace=namespace)
    env = dict(os.environ)
    env.update(DATABASE_URL=url, REDIS_URL=base.redis_url or "", HEALTHDASH_REDIS_NAMESPACE=namespace,
               SECRET_KEY="benchmark-secret-key-0123456789", HEALTHDASH_DATA_DIR=str(base.data_dir))  # fmt: skip
    try:
        migrate.upgrade(url)
        yield settings, env
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        client = redis.Redis.from_url(base.redis_url or "")
        keys = list(client.scan_iter(match=f"*{name}*", count=1000))
        if keys:
            client.delete(*keys)


def pg_url(settings: Settings) -> str:
    return libpq_url(settings.database_url or "")
