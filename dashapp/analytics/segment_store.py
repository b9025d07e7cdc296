"""Segments in the database: the behaviour features of each live account, stored runs and assignments.

Features over the `window_days` days ending on `as_of` (missing days count as no use):
- active_users, sessions: daily averages from `account_daily_metrics`;
- active_days: share of the window's days with any event; features_used: distinct features used;
- tickets: tickets opened; urgent_share: share of them with priority high or urgent; csat: their mean CSAT;
- mrr: the account's MRR; late_payments: share of invoices issued (not draft or void) that failed, were paid
  after their due date, or are still unpaid past it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import delete, insert, select, text
from sqlalchemy.orm import Session

from dashapp.analytics.segmentation import FEATURES, Segmentation, segment
from models.account import live_sql
from models.segments import SegmentAssignment, SegmentRun

WINDOW_DAYS = 90
KEEP_RUNS = 5  # older runs (and their assignments) are deleted after a new one is stored

_FEATURES_SQL = text(
    f"""
    WITH acc AS (
        SELECT id, mrr FROM accounts
        WHERE (churned_at IS NULL OR churned_at > CAST(:as_of AS date)) AND {live_sql()}
    ),
    usage AS (
        SELECT m.account_id,
               sum(m.active_users)::float / :days AS active_users,
               sum(m.sessions)::float / :days AS sessions,
               count(*) FILTER (WHERE m.events > 0)::float / :days AS active_days
        FROM account_daily_metrics m JOIN acc ON acc.id = m.account_id
        WHERE m.day BETWEEN :first AND :as_of
        GROUP BY m.account_id
    ),
    feats AS (
        SELECT m.account_id, count(DISTINCT k.key) AS features_used
        FROM account_daily_metrics m JOIN acc ON acc.id = m.account_id
        CROSS JOIN LATERAL jsonb_object_keys(m.feature_usage) AS k(key)
        WHERE m.day BETWEEN :first AND :as_of
        GROUP BY m.account_id
    ),
    tix AS (
        SELECT t.account_id, count(*) AS tickets,
               avg(CASE WHEN t.priority IN ('high', 'urgent') THEN 1.0 ELSE 0.0 END) AS urgent_share,
               avg(t.csat) AS csat
        FROM support_tickets t JOIN acc ON acc.id = t.account_id
        WHERE t.opened_at >= :first AND t.opened_at < CAST(:as_of AS date) + 1
        GROUP BY t.account_id
    ),
    bills AS (
        SELECT i.account_id,
               avg(CASE WHEN i.status = 'failed'
                          OR (i.paid_at IS NOT NULL AND i.due_at IS NOT NULL AND i.paid_at > i.due_at)
                          OR (i.paid_at IS NULL AND i.due_at < CAST(:as_of AS date) + 1
                              AND i.status IN ('open', 'failed'))
                        THEN 1.0 ELSE 0.0 END) AS late_payments
        FROM invoices i JOIN acc ON acc.id = i.account_id
        WHERE i.issued_at >= :first AND i.issued_at < CAST(:as_of AS date) + 1
          AND i.status NOT IN ('draft', 'void')
        GROUP BY i.account_id
    )
    SELECT acc.id AS account_id,
           coalesce(usage.active_users, 0) AS active_users,
           coalesce(usage.sessions, 0) AS sessions,
           coalesce(usage.active_days, 0) AS active_days,
           coalesce(feats.features_used, 0) AS features_used,
           coalesce(tix.tickets, 0) AS tickets,
           coalesce(tix.urgent_share, 0) AS urgent_share,
           tix.csat AS csat,
           acc.mrr AS mrr,
           coalesce(bills.late_payments, 0) AS late_payments
    FROM acc
    LEFT JOIN usage ON usage.account_id = acc.id
    LEFT JOIN feats ON feats.account_id = acc.id
    LEFT JOIN tix ON tix.account_id = acc.id
    LEFT JOIN bills ON bills.account_id = acc.id
    ORDER BY acc.id
    """
)


def load_features(session: Session, as_of: date, window_days: int = WINDOW_DAYS) -> pd.DataFrame:
    """One row per account live on `as_of` (index: account id), the columns of `FEATURES`."""
    first = as_of - timedelta(days=window_days - 1)
    rows = session.execute(_FEATURES_SQL, {"as_of": as_of, "first": first, "days": window_days})
    frame = pd.DataFrame(rows.mappings().all())
    if frame.empty:
        return pd.DataFrame(columns=[f.key for f in FEATURES], index=pd.Index([], name="account_id"))
    frame = frame.set_index("account_id")
    return frame.apply(pd.to_numeric, errors="coerce").astype(float)


def store(session: Session, result: Segmentation, as_of: date, window_days: int = WINDOW_DAYS) -> SegmentRun:
    """Store a run and its assignments (in the caller's transaction), and drop runs beyond `KEEP_RUNS`."""
    run = SegmentRun(
        as_of=as_of,
        window_days=window_days,
        k=result.k,
        accounts=len(result.labels),
        silhouette=round(result.silhouette, 4),
        stability=round(result.stability, 4),
        details=result.details(),
        clusters=result.cluster_rows(),
    )
    session.add(run)
    session.flush()
    rows = [{"run_id": run.id, "account_id": int(a), "cluster": int(c)} for a, c in result.labels.items()]
    for start in range(0, len(rows), 20000):
        session.execute(insert(SegmentAssignment), rows[start : start + 20000])
    keep = select(SegmentRun.id).order_by(SegmentRun.id.desc()).limit(KEEP_RUNS)
    session.execute(delete(SegmentRun).where(SegmentRun.id.not_in(keep)))
    return run


def run_segmentation(
    session: Session,
    *,
    as_of: date | None = None,
    window_days: int = WINDOW_DAYS,
    k: int | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> SegmentRun:
    """Read the features, cluster, store. Raises `SegmentationError` when the book cannot be segmented."""
    day = as_of or date.today()
    say = progress or (lambda _f, _m: None)
    say(0.05, "reading behaviour features")
    frame = load_features(session, day, window_days)
    say(0.3, f"clustering {len(frame):,} accounts")
    result = segment(frame, k=k)
    say(0.85, "storing assignments")
    return store(session, result, day, window_days)


def latest_run(session: Session) -> SegmentRun | None:
    return session.scalar(select(SegmentRun).order_by(SegmentRun.id.desc()).limit(1))
