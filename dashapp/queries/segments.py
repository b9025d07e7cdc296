"""Segment reads for pages: the newest run and how many of the filtered accounts each segment holds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.filters import Filters, apply, health_join
from models.account import Account
from models.segments import SegmentAssignment, SegmentRun


def newest_run(session: Session) -> SegmentRun | None:
    return session.scalar(select(SegmentRun).order_by(SegmentRun.id.desc()).limit(1))


def matching_counts(session: Session, run_id: int, filters: Filters) -> dict[int, int]:
    """Segment number -> how many accounts matching `filters` it holds in run `run_id`."""
    stmt = (
        select(SegmentAssignment.cluster, func.count())
        .select_from(health_join().join(SegmentAssignment, SegmentAssignment.account_id == Account.id))
        .where(SegmentAssignment.run_id == run_id)
        .group_by(SegmentAssignment.cluster)
    )
    return {int(c): int(n) for c, n in session.execute(apply(stmt, filters)).all()}
