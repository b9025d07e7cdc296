"""The live alert count: whatever changes a user's unread alerts (evaluation opening or resolving them, an
escalation step reaching them, someone acknowledging, snoozing or resolving them) publishes on Redis
pub/sub which users it concerns, after committing; the web app's event stream (one per open browser tab)
listens and sends that user their new unread count."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import redis

log = logging.getLogger(__name__)


def channel(namespace: str) -> str:
    return f"{namespace}healthdash:alerts"


def publish(conn: redis.Redis, namespace: str, user_ids: Iterable[int]) -> int:
    """Tell listeners these users' alerts changed; returns how many listeners heard it."""
    ids = sorted({int(u) for u in user_ids})
    if not ids:
        return 0
    return int(conn.publish(channel(namespace), json.dumps({"user_ids": ids})))


def tell(conn: redis.Redis, namespace: str, user_ids: Iterable[int]) -> None:
    """`publish` for a request whose change is already committed: Redis being away must not turn the
    answer into an error; the bells catch up when their stream reconnects (within minutes)."""
    try:
        publish(conn, namespace, user_ids)
    except redis.RedisError as exc:
        log.warning("could not tell the live alert count: %s", exc)


def concerns(message: object, user_id: int) -> bool:
    """True when a pub/sub message names `user_id` (malformed messages concern nobody)."""
    try:
        data = json.loads(message)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return isinstance(data, dict) and user_id in (data.get("user_ids") or [])
