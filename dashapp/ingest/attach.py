"""Events that arrived before their account (or before their user was linked to one) are attached here.

Both functions run in the caller's transaction and queue the roll-up of the days they touched.
"""

from __future__ import annotations

from collections.abc import Iterable

import psycopg

_PENDING_FROM = """
, pending AS (
    INSERT INTO rollup_pending (account_id, day)
    SELECT DISTINCT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM att
    WHERE account_id IS NOT NULL ORDER BY 1, 2
    ON CONFLICT DO NOTHING RETURNING 1
)
SELECT (SELECT count(*) FROM att), (SELECT count(*) FROM pending)
"""


def attach_events_to_accounts(pg: psycopg.Connection, external_ids: Iterable[str]) -> tuple[int, int]:
    """Events that named these accounts before they existed now point at them."""
    ids = sorted(set(external_ids))
    if not ids:
        return 0, 0
    sql = (
        """
        WITH att AS (
            UPDATE usage_events e SET account_id = a.id
            FROM accounts a
            WHERE e.account_id IS NULL AND e.account_external_id = a.external_id
              AND a.external_id = ANY(%s)
            RETURNING e.account_id, e.occurred_at)
        """
        + _PENDING_FROM
    )
    row = pg.execute(sql, (ids,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def attach_events_to_users(pg: psycopg.Connection, user_ids: Iterable[str]) -> tuple[int, int]:
    """Events of users that named no account now belong to the account their contact is linked to."""
    ids = sorted(set(user_ids))
    if not ids:
        return 0, 0
    sql = (
        """
        WITH att AS (
            UPDATE usage_events e SET account_id = c.account_id, contact_id = c.id
            FROM contacts c
            WHERE e.account_id IS NULL AND e.account_external_id IS NULL
              AND e.user_external_id = c.external_id AND c.account_id IS NOT NULL
              AND c.external_id = ANY(%s)
            RETURNING e.account_id, e.occurred_at)
        """
        + _PENDING_FROM
    )
    row = pg.execute(sql, (ids,)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
