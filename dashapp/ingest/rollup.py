"""Raw events -> `account_daily_metrics`, set-based, for a given set of (account, day) pairs.

The definitions are those of `models.conventions` (days are UTC days):
events = all events; active_users = distinct user (user_external_id, else contact_id); logins = events
named in LOGIN_EVENTS; sessions = distinct (user, hour of day); feature_usage = per-day counts of
`properties.feature` (else the event name) over track events that are not logins.

Functions take a psycopg connection inside the caller's transaction. Plain SQL, no Flask.
"""

from __future__ import annotations

from datetime import date

import psycopg

from models.conventions import FEATURE_PROPERTY, LOGIN_EVENTS

SCOPE_TABLE = "rollup_scope"

_CREATE_SCOPE = f"""
CREATE TEMP TABLE IF NOT EXISTS {SCOPE_TABLE} (account_id bigint NOT NULL, day date NOT NULL,
                                               PRIMARY KEY (account_id, day))
"""

# One statement: aggregate the scope's events, upsert the metrics (rows whose figures did not change keep
# their updated_at), remove metrics of scope days that no longer have events, refresh contacts' last_seen_at.
_ROLLUP = f"""
WITH ev AS (
    SELECT e.account_id,
           s.day,
           e.event,
           e.event_type,
           COALESCE(e.user_external_id, e.contact_id::text) AS uid,
           extract(hour FROM e.occurred_at AT TIME ZONE 'UTC')::int AS hour,
           COALESCE(NULLIF(e.properties ->> '{FEATURE_PROPERTY}', ''), e.event) AS feature,
           e.event = ANY(%(logins)s) AS is_login
    FROM {SCOPE_TABLE} s
    JOIN usage_events e
      ON e.account_id = s.account_id
     AND e.occurred_at >= (s.day::timestamp AT TIME ZONE 'UTC')
     AND e.occurred_at < ((s.day + 1)::timestamp AT TIME ZONE 'UTC')
), base AS (
    SELECT account_id, day,
           count(*) AS events,
           count(DISTINCT uid) AS active_users,
           count(DISTINCT uid || ':' || hour) AS sessions,
           count(*) FILTER (WHERE is_login) AS logins
    FROM ev GROUP BY account_id, day
), feat AS (
    SELECT account_id, day, jsonb_object_agg(feature, n) AS usage
    FROM (SELECT account_id, day, feature, count(*) AS n FROM ev
          WHERE event_type = 'track' AND NOT is_login GROUP BY account_id, day, feature) f
    GROUP BY account_id, day
), upserted AS (
    INSERT INTO account_daily_metrics AS m
        (account_id, day, active_users, sessions, logins, events, feature_usage, updated_at)
    SELECT b.account_id, b.day, b.active_users, b.sessions, b.logins, b.events,
           COALESCE(f.usage, '{{}}'::jsonb), now()
    FROM base b LEFT JOIN feat f USING (account_id, day)
    ORDER BY b.account_id, b.day
    ON CONFLICT (account_id, day) DO UPDATE SET
        active_users = EXCLUDED.active_users, sessions = EXCLUDED.sessions, logins = EXCLUDED.logins,
        events = EXCLUDED.events, feature_usage = EXCLUDED.feature_usage, updated_at = now()
    WHERE (m.active_users, m.sessions, m.logins, m.events, m.feature_usage)
          IS DISTINCT FROM (EXCLUDED.active_users, EXCLUDED.sessions, EXCLUDED.logins, EXCLUDED.events,
                            EXCLUDED.feature_usage)
    RETURNING 1
), emptied AS (
    DELETE FROM account_daily_metrics m USING {SCOPE_TABLE} s
    WHERE m.account_id = s.account_id AND m.day = s.day
      AND NOT EXISTS (SELECT 1 FROM base b WHERE b.account_id = s.account_id AND b.day = s.day)
    RETURNING 1
), seen AS (
    UPDATE contacts c SET last_seen_at = x.last_seen
    FROM (SELECT e.contact_id, max(e.occurred_at) AS last_seen
          FROM {SCOPE_TABLE} s
          JOIN usage_events e
            ON e.account_id = s.account_id
           AND e.occurred_at >= (s.day::timestamp AT TIME ZONE 'UTC')
           AND e.occurred_at < ((s.day + 1)::timestamp AT TIME ZONE 'UTC')
          WHERE e.contact_id IS NOT NULL GROUP BY e.contact_id) x
    WHERE c.id = x.contact_id AND (c.last_seen_at IS NULL OR c.last_seen_at < x.last_seen)
    RETURNING 1
)
SELECT (SELECT count(*) FROM base), (SELECT count(*) FROM upserted), (SELECT count(*) FROM emptied)
"""


def prepare_scope(pg: psycopg.Connection) -> None:
    pg.execute(_CREATE_SCOPE)
    pg.execute(f"TRUNCATE {SCOPE_TABLE}")


def rollup_scope(pg: psycopg.Connection) -> dict[str, int]:
    """Recompute the metrics of every (account, day) in the scope table."""
    row = pg.execute(_ROLLUP, {"logins": list(LOGIN_EVENTS)}).fetchone()
    assert row is not None
    return {"account_days": row[0], "changed": row[1], "removed": row[2]}


def drain_pending(pg: psycopg.Connection, limit: int) -> int:
    """Move up to `limit` pending account-days into the scope table (skipping rows another run holds)."""
    prepare_scope(pg)
    cur = pg.execute(
        f"""
        WITH taken AS (
            DELETE FROM rollup_pending WHERE (account_id, day) IN (
                SELECT account_id, day FROM rollup_pending ORDER BY account_id, day
                LIMIT %s FOR UPDATE SKIP LOCKED)
            RETURNING account_id, day)
        INSERT INTO {SCOPE_TABLE} SELECT account_id, day FROM taken ON CONFLICT DO NOTHING
        """,
        (limit,),
    )
    return cur.rowcount


def scope_for_rebuild(
    pg: psycopg.Connection, account_ids: list[int], since: date | None, until: date | None = None
) -> int:
    """Every (account, day) that has events or metrics for the given accounts and days."""
    prepare_scope(pg)
    cur = pg.execute(
        f"""
        INSERT INTO {SCOPE_TABLE}
        SELECT DISTINCT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM usage_events
        WHERE account_id = ANY(%(ids)s)
          AND (%(since)s::date IS NULL OR occurred_at >= (%(since)s::date::timestamp AT TIME ZONE 'UTC'))
          AND (%(until)s::date IS NULL OR occurred_at < (%(until)s::date::timestamp AT TIME ZONE 'UTC'))
        UNION
        SELECT account_id, day FROM account_daily_metrics
        WHERE account_id = ANY(%(ids)s)
          AND (%(since)s::date IS NULL OR day >= %(since)s::date)
          AND (%(until)s::date IS NULL OR day < %(until)s::date)
        """,
        {"ids": account_ids, "since": since, "until": until},
    )
    return cur.rowcount
