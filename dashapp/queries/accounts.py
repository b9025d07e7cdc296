"""One block of the filtered account list (server-side sorting and paging), with each row's score trend."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.filters import COLUMNS, Filters, accounts_query, count_query
from dashapp.filters.sql import HEALTH_COLUMNS
from dashapp.queries.overview import sample_days
from models.health import HealthSnapshot

MAX_BLOCK = 500
ALWAYS = ("external_id", "name", "band", "score")


# Every column an account list can show, with its header, in the order pickers offer them.
ACCOUNT_COLUMN_LABELS: dict[str, str] = {
    "name": "Account",
    "score": "Score",
    "band": "Band",
    "trend": "Trend",
    "change7": "7-day change",
    "change30": "30-day change",
    "change90": "90-day change",
    "segment": "Segment",
    "plan": "Plan",
    "region": "Region",
    "industry": "Industry",
    "stage": "Stage",
    "owner": "Owner",
    "arr": "ARR (as billed)",
    "mrr": "MRR (as billed)",
    "currency": "Currency",
    "renewal_date": "Renewal",
    "contract_start": "Contract start",
    "external_id": "External id",
    "domain": "Domain",
    "why": "Why it moved",
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def account_block(
    session: Session,
    filters: Filters,
    columns: Sequence[str],
    sort: Sequence[tuple[str, bool]],
    start: int,
    end: int,
    *,
    today: date | None = None,
    with_count: bool = True,
) -> tuple[list[dict[str, Any]], int | None]:
    """Rows `start`..`end` (exclusive, at most MAX_BLOCK) and the total count of the filtered accounts."""
    start = max(0, int(start))
    end = min(max(start, int(end)), start + MAX_BLOCK)
    names = list(dict.fromkeys([*ALWAYS, *(c for c in columns if c in COLUMNS)]))
    limit = end - start
    if sort and sort[0][0] in HEALTH_COLUMNS and "unscored" not in filters.band:
        # Scored accounts first (through the score indexes), then the unscored ones (NULLs last).
        stmt = accounts_query(filters, names, sort=sort, today=today, scored=True)
        found = list(session.execute(stmt.offset(start).limit(limit)))
        if len(found) < limit and not filters.needs_health():
            scored_total = session.scalar(count_query(filters, today, scored=True)) or 0
            rest = accounts_query(filters, names, sort=sort, today=today, scored=False)
            found += session.execute(
                rest.offset(max(0, start - scored_total)).limit(limit - len(found))
            ).all()
    else:
        stmt = accounts_query(filters, names, sort=sort, today=today)
        found = list(session.execute(stmt.offset(start).limit(limit)))
    rows = [{k: _plain(v) for k, v in r._mapping.items()} for r in found]
    if "trend" in columns and rows:
        trends = score_trends(session, [r["id"] for r in rows], filters, today)
        for r in rows:
            r["trend"] = trends.get(r["id"], [])
    total = session.scalar(count_query(filters, today)) if with_count else None
    return rows, total


def score_trends(
    session: Session, account_ids: Sequence[int], filters: Filters, today: date | None = None
) -> dict[int, list[float]]:
    """Each account's score on the sampled days of the trend window, oldest first (for sparklines)."""
    start, end = filters.trend_window(today)
    days = sample_days(start, end)
    stmt = (
        select(HealthSnapshot.account_id, HealthSnapshot.day, HealthSnapshot.score)
        .where(HealthSnapshot.account_id.in_(list(account_ids)), HealthSnapshot.day.in_(days))
        .order_by(HealthSnapshot.account_id, HealthSnapshot.day)
    )
    out: dict[int, list[float]] = {}
    for account_id, _day, score in session.execute(stmt):
        out.setdefault(account_id, []).append(round(score, 1))
    return out
