"""Raw-event retention: delete usage events that happened before a cutoff, in small batches.

Batches keep each transaction (and its locks and WAL) short while ingestion goes on. Daily roll-ups
(`account_daily_metrics`) and health snapshots already computed from the events are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.orm import Session

BATCH = 5_000


def cutoff(retention_days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


def delete_batch(session: Session, before: datetime, batch: int = BATCH) -> int:
    """Delete up to `batch` events that happened before `before`; returns how many went."""
    result: CursorResult[Any] = cast(
        CursorResult[Any],
        session.execute(
            text(
                "DELETE FROM usage_events WHERE id IN ("
                " SELECT id FROM usage_events WHERE occurred_at < :before LIMIT :batch FOR UPDATE SKIP LOCKED)"
            ),
            {"before": before, "batch": batch},
        ),
    )
    return int(result.rowcount or 0)
