"""Choices for the filter bar: the distinct values that exist, and owners' names. Cached briefly per process."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.account import Account
from models.user import User

_TTL_SECONDS = 60.0
_cache: dict[str, tuple[float, Any]] = {}


def clear_cache() -> None:
    _cache.clear()


def _cached(key: str, build: Any) -> Any:
    hit = _cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < _TTL_SECONDS:
        return hit[1]
    value = build()
    _cache[key] = (now, value)
    return value


def _distinct(session: Session, column: Any) -> list[str]:
    # A recursive "loose index scan" would be faster on huge tables; these columns have few values and an index.
    rows = session.execute(select(column).where(column.is_not(None)).distinct().order_by(column).limit(500))
    return [r[0] for r in rows]


def filter_options(session: Session) -> dict[str, list[Any]]:
    key = f"options:{session.get_bind().engine.url}"

    def build() -> dict[str, list[Any]]:
        return {
            "segment": _distinct(session, Account.segment),
            "plan": _distinct(session, Account.plan),
            "region": _distinct(session, Account.region),
            "industry": _distinct(session, Account.industry),
            "owner": [uid for uid, _ in owner_names(session).items()],
        }

    return _cached(key, build)


def owner_names(session: Session) -> dict[int, str]:
    """Users who own at least one account, by id."""
    key = f"owners:{session.get_bind().engine.url}"

    def build() -> dict[int, str]:
        owners = select(Account.owner_id).where(Account.owner_id.is_not(None)).distinct()
        rows = session.execute(
            select(User.id, User.name, User.email).where(User.id.in_(owners)).order_by(User.name)
        )
        return {r.id: r.name or r.email for r in rows}

    return _cached(key, build)
