"""What /readyz checks: the database, Redis, the schema at the latest migration, and a live worker.

Each check returns a `Check`; none raises. The details name what failed in words an operator can act on,
never the raw error text of a driver (the endpoint is public).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import redis
from alembic.runtime.migration import MigrationContext
from rq import Queue, Worker
from sqlalchemy import text
from sqlalchemy.orm import Session

from dashapp.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@cache
def _heads() -> frozenset[str]:
    from dashapp import migrate

    return frozenset(migrate.heads())


def check_database(session: Session) -> Check:
    try:
        session.execute(text("SELECT 1"))
    except Exception as exc:  # reported, not raised: this is what the probe is for
        session.rollback()
        return Check("database", False, f"PostgreSQL is unreachable ({exc.__class__.__name__})")
    return Check("database", True)


def check_migrations(session: Session) -> Check:
    try:
        current = MigrationContext.configure(session.connection()).get_current_revision()
    except Exception as exc:
        session.rollback()
        return Check("migrations", False, f"cannot read the schema version ({exc.__class__.__name__})")
    if current not in _heads():
        return Check(
            "migrations",
            False,
            f"schema at {current or 'nothing'}, code expects {', '.join(sorted(_heads()))}",
        )
    return Check("migrations", True, current or "")


def check_redis(client: redis.Redis) -> Check:
    try:
        client.ping()
    except Exception as exc:
        return Check("redis", False, f"Redis is unreachable ({exc.__class__.__name__})")
    return Check("redis", True)


def newest_worker_heartbeat(queues: list[Queue]) -> datetime | None:
    """The most recent heartbeat of any worker listening on one of `queues` (RQ's worker registry)."""
    newest: datetime | None = None
    seen: set[str] = set()
    for queue in queues:
        for worker in Worker.all(queue=queue):
            if worker.name in seen or worker.last_heartbeat is None:
                continue
            seen.add(worker.name)
            beat = worker.last_heartbeat.replace(tzinfo=UTC)
            newest = beat if newest is None or beat > newest else newest
    return newest


def check_worker(settings: Settings, queues: list[Queue]) -> Check:
    limit = settings.ready_worker_max_age_seconds
    try:
        newest = newest_worker_heartbeat(queues)
    except Exception as exc:
        return Check("worker", False, f"cannot read the worker registry ({exc.__class__.__name__})")
    if newest is None:
        return Check("worker", False, "no worker is registered")
    age = (datetime.now(UTC) - newest).total_seconds()
    if age > limit:
        return Check("worker", False, f"the newest worker heartbeat is {age:.0f} s old (limit {limit} s)")
    return Check("worker", True, f"heartbeat {age:.0f} s ago")
