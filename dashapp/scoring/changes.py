"""Which accounts an incremental recompute of a day must score, and the hierarchy around a set of accounts.

An account needs scoring on day D when it has no snapshot for D yet, when any of its data changed after its
current health was written, or when its override state changed (set, cleared, expired) since then.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import psycopg

from dashapp.scoring.overrides import IN_FORCE_SQL
from dashapp.scoring.sqlutil import day_start


def changed_accounts(conn: psycopg.Connection, day: date, lookback_days: int) -> np.ndarray:
    """Ids of active accounts to rescore on `day`. `lookback_days`: how far back a changed daily metric can
    still move the day's score (the longest window, doubled for trends)."""
    params = {
        "day": day,
        "day_end": day_start(day + timedelta(days=1)),
        "since_day": day - timedelta(days=lookback_days),
    }
    rows = conn.execute(
        f"""
        WITH active AS (
            SELECT a.id, a.updated_at, h.day AS health_day, h.updated_at AS health_at, h.overridden
            FROM accounts a LEFT JOIN account_health h ON h.account_id = a.id
            WHERE (a.churned_at IS NULL OR a.churned_at >= %(day_end)s)
              AND coalesce(a.contract_start, a.created_at::date) <= %(day)s
        ),
        forced AS (
            SELECT DISTINCT account_id FROM health_overrides WHERE {IN_FORCE_SQL}
        )
        SELECT id FROM active
        WHERE health_day IS NULL OR health_day < %(day)s OR updated_at > health_at
           OR overridden <> (id IN (SELECT account_id FROM forced))
        UNION
        SELECT m.account_id FROM account_daily_metrics m JOIN active ON active.id = m.account_id
        WHERE m.day > %(since_day)s AND m.day <= %(day)s AND m.updated_at > active.health_at
        UNION
        SELECT t.account_id FROM support_tickets t JOIN active ON active.id = t.account_id
        WHERE t.updated_at > active.health_at
        UNION
        SELECT i.account_id FROM invoices i JOIN active ON active.id = i.account_id
        WHERE i.updated_at > active.health_at
        UNION
        SELECT i.account_id FROM payments p JOIN invoices i ON i.id = p.invoice_id
        JOIN active ON active.id = i.account_id
        WHERE p.updated_at > active.health_at
        UNION
        SELECT r.account_id FROM survey_responses r JOIN active ON active.id = r.account_id
        WHERE r.updated_at > active.health_at
        UNION
        SELECT o.account_id FROM health_overrides o JOIN active ON active.id = o.account_id
        WHERE o.created_at > active.health_at OR o.cleared_at > active.health_at
        """,
        params,
    ).fetchall()
    return np.array(sorted(r[0] for r in rows), dtype=np.int64)


def hierarchy_closure(conn: psycopg.Connection, account_ids: np.ndarray) -> np.ndarray:
    """The accounts, their ancestors, and every descendant of those: whole trees, since a parent's score
    needs all its children and a child's change moves every ancestor."""
    if len(account_ids) == 0:
        return np.zeros(0, dtype=np.int64)
    rows = conn.execute(
        """
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM accounts WHERE id = ANY(%(ids)s)
            UNION
            SELECT a.id, a.parent_id FROM accounts a JOIN up ON a.id = up.parent_id
        ), down(id) AS (
            SELECT id FROM up
            UNION
            SELECT a.id FROM accounts a JOIN down ON a.parent_id = down.id
        )
        SELECT id FROM down
        """,
        {"ids": account_ids.tolist()},
    ).fetchall()
    return np.array(sorted(r[0] for r in rows), dtype=np.int64)
