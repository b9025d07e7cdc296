"""A counter in Redis that moves whenever a token or a user changes in a way that affects who a token acts
for (revoked, renamed, owner deactivated or given another role).

Web processes keep a short-lived cache of token lookups (`dashapp.api.token_cache`); an entry is only
trusted while the counter still has the value it had when the entry was read from the database. The
counter moves *after* the change is committed (a `Session` after-commit hook), so a request can never cache
the old state under the new value. Every process that changes tokens or users (the web app, the CLI)
calls `install(settings)` once; the rules in `dashapp.tokens` and `dashapp.users` call `changed(session)`.

No Flask here.
"""

from __future__ import annotations

import logging

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session

from dashapp.settings import Settings

log = logging.getLogger(__name__)
_FLAG = "healthdash_auth_changed"
# (client, key) for each installed settings; usually one.
_targets: dict[tuple[str, str], tuple[redis.Redis, str]] = {}


def epoch_key(settings: Settings) -> str:
    return f"{settings.redis_namespace}api-auth-epoch"


def install(settings: Settings) -> None:
    """Move this install's counter after every commit that changed tokens or users (idempotent)."""
    if not settings.redis_url:
        return
    key = epoch_key(settings)
    if (settings.redis_url, key) not in _targets:
        _targets[(settings.redis_url, key)] = (
            redis.Redis.from_url(settings.redis_url, socket_timeout=2),
            key,
        )


def changed(session: Session) -> None:
    """Note that this session changed a token or a user; the counter moves when it commits."""
    session.info[_FLAG] = True


def bump() -> None:
    for client, key in list(_targets.values()):
        try:
            client.incr(key)
        except redis.RedisError as exc:  # caches then expire on their own (seconds)
            log.warning("could not publish a token/user change to Redis: %s", exc)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(_FLAG, False):
        bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
