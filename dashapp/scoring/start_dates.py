"""Accounts without a contract start date start on their first activity.

A score is only computed for accounts that had started on the day scored, so an account imported without
`contract_start` (a shop's customer, a transaction log) would never be scored on a past day: its only date
would be the day it was imported. Its first usage day, invoice, ticket or survey answer is when it became a
customer; that date is written into `contract_start` wherever it is empty, before scoring, backtests and
after roll-ups. A date given on import is never changed.
"""

from __future__ import annotations

import psycopg

FILL_SQL = """
WITH firsts AS (
    SELECT account_id, min(day) AS first FROM (
        SELECT account_id, min(day) AS day FROM account_daily_metrics GROUP BY account_id
        UNION ALL
        SELECT account_id, min(issued_at)::date FROM invoices GROUP BY account_id
        UNION ALL
        SELECT account_id, min(opened_at)::date FROM support_tickets GROUP BY account_id
        UNION ALL
        SELECT account_id, min(responded_at)::date FROM survey_responses
        WHERE account_id IS NOT NULL GROUP BY account_id
    ) activity
    WHERE account_id IN (SELECT id FROM accounts WHERE contract_start IS NULL)
    GROUP BY account_id
)
UPDATE accounts a SET contract_start = f.first
FROM firsts f
WHERE f.account_id = a.id AND a.contract_start IS NULL
"""


def fill_from_first_activity(conn: psycopg.Connection) -> int:
    """Set `contract_start` to the first activity of every account that has none. Returns how many."""
    if conn.execute("SELECT NOT EXISTS (SELECT 1 FROM accounts WHERE contract_start IS NULL)").fetchone()[0]:
        return 0
    return conn.execute(FILL_SQL).rowcount
