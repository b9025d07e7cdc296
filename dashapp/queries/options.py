"""Choices for the filter bar: the distinct values that exist, and the names of account owners.

Each list is read with a "loose index scan" (a recursive query that jumps from one value to the next through
the column's index), so it costs a few index probes per distinct value rather than a scan of every account,
and needs no cache that could go stale.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.account import live_sql
from models.segments import SegmentRun
from models.user import User

# Indexed columns of `accounts` whose values the filter bar offers (a fixed list: never user input).
OPTION_COLUMNS = ("segment", "plan", "region", "industry", "owner_id")
MAX_OPTIONS = 500
LIVE = live_sql()


def _distinct(session: Session, column: str) -> list[Any]:
    if column not in OPTION_COLUMNS:
        raise ValueError(column)
    sql = text(
        f"""
        WITH RECURSIVE v AS (
            (SELECT {column} AS value FROM accounts WHERE {column} IS NOT NULL AND {LIVE}
             ORDER BY {column} LIMIT 1)
            UNION ALL
            SELECT (SELECT {column} FROM accounts WHERE {column} > v.value AND {LIVE} ORDER BY {column} LIMIT 1)
            FROM v WHERE v.value IS NOT NULL
        )
        SELECT value FROM v WHERE value IS NOT NULL LIMIT :limit
        """
    )
    return [row[0] for row in session.execute(sql, {"limit": MAX_OPTIONS})]


def owner_names(session: Session) -> dict[int, str]:
    """Users who own at least one account, by id."""
    ids = _distinct(session, "owner_id")
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name, User.email).where(User.id.in_(ids)).order_by(User.name))
    return {r.id: r.name or r.email for r in rows}


def filter_options(session: Session) -> dict[str, list[Any]]:
    return {
        "segment": _distinct(session, "segment"),
        "plan": _distinct(session, "plan"),
        "region": _distinct(session, "region"),
        "industry": _distinct(session, "industry"),
        "owner": list(owner_names(session)),
    }


def cluster_names(session: Session) -> dict[int, str]:
    """Behaviour segment number -> name in the newest segmentation run (empty before the first run)."""
    clusters = session.scalar(select(SegmentRun.clusters).order_by(SegmentRun.id.desc()).limit(1))
    return {int(c["cluster"]): str(c["name"]) for c in clusters or []}
