"""The data version: one counter in Redis that every write changing what the explore queries show bumps.

`bump_data_version` is the only way to move it, and is called after the writer's transaction has committed
(a reader that saw the old version may still store a result computed from the old data, but under the
old version's key, which nobody reads any more). It never raises: a write that succeeded is not turned
into an error because Redis is away; entries then expire by their TTL.
"""

from __future__ import annotations

import logging
from functools import cache

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from dashapp.settings import Settings

log = logging.getLogger(__name__)


@cache
def _connection(url: str) -> redis.Redis:
    """One client per URL for writers that have none at hand (jobs, CLI); short timeouts, as for reads."""
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)


def version_key(namespace: str) -> str:
    return f"{namespace}readcache:data-version"


def read_version(conn: redis.Redis, namespace: str) -> int:
    """The current data version (0 before the first bump). Raises `redis.RedisError` when Redis is away."""
    raw = conn.get(version_key(namespace))
    return int(raw) if raw is not None else 0


def bump_data_version(settings: Settings, reason: str, conn: redis.Redis | None = None) -> int | None:
    """Mark every cached read result stale. Call it after the transaction that changed the data commits.

    `reason` names the write (for the log). Returns the new version, or None when Redis could not be told.
    """
    try:
        if conn is None:
            conn = _connection(settings.redis_url or "")
        version = int(conn.incr(version_key(settings.redis_namespace)))
    except (redis.RedisError, OSError) as exc:
        log.warning("read cache: could not bump the data version after %s (%s)", reason, exc)
        return None
    log.debug("read cache: data version %d after %s", version, reason)
    return version


def bump_after_commit(
    session: Session, settings: Settings, reason: str, conn: redis.Redis | None = None
) -> None:
    """`bump_data_version` once `session`'s transaction commits; nothing if it rolls back instead."""
    event.listen(
        session, "after_commit", lambda _session: bump_data_version(settings, reason, conn), once=True
    )
