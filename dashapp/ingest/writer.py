"""Bulk writes shared by the Segment API, CSV imports and webhooks.

Everything here runs on a psycopg connection inside the caller's transaction, a whole batch per
statement (arrays through `unnest`, or COPY for CSV chunks) — never one ORM object at a time.
Written events add their (account, day) pairs to `rollup_pending` in the same statement, so the
roll-up job sees exactly the days that changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import psycopg

from dashapp.ingest.attach import attach_events_to_accounts, attach_events_to_users
from dashapp.ingest.payload import EventRow, Group, Identify
from dashapp.ingest.webhook_store import reprocess_unmatched

# The batch travels as one JSON array of arrays (one parameter: no per-value adaptation).
_INSERT_EVENTS = """
WITH m AS (
    SELECT e->>0 AS mid, e->>1 AS acc, e->>2 AS uid, e->>3 AS typ, e->>4 AS ev,
           (e->>5)::timestamptz AS ts, e->6 AS props
    FROM jsonb_array_elements(%s::jsonb) AS e
), ins AS (
    INSERT INTO usage_events (message_id, account_id, account_external_id, contact_id, user_external_id,
                              event_type, event, occurred_at, properties)
    SELECT m.mid, CASE WHEN m.acc IS NULL THEN c.account_id ELSE a.id END, m.acc, c.id, m.uid,
           m.typ, m.ev, m.ts, m.props
    FROM m
    LEFT JOIN accounts a ON a.external_id = m.acc
    LEFT JOIN contacts c ON c.external_id = m.uid
    ORDER BY m.mid
    ON CONFLICT (message_id) DO NOTHING
    RETURNING account_id, occurred_at
), pending AS (
    INSERT INTO rollup_pending (account_id, day)
    SELECT DISTINCT account_id, (occurred_at AT TIME ZONE 'UTC')::date FROM ins
    WHERE account_id IS NOT NULL ORDER BY 1, 2
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM pending)
"""


def write_events(pg: psycopg.Connection, rows: Sequence[EventRow]) -> tuple[int, int]:
    """Insert events (replayed message ids are skipped). Returns (inserted, new pending account-days)."""
    if not rows:
        return 0, 0
    batch = json.dumps(
        [
            [
                r.message_id,
                r.account_ref,
                r.user_id,
                r.event_type,
                r.event,
                r.occurred_at.isoformat(),
                r.properties,
            ]
            for r in rows
        ],
        separators=(",", ":"),
        default=str,
    )
    row = pg.execute(_INSERT_EVENTS, (batch,), prepare=True).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def upsert_identifies(pg: psycopg.Connection, ops: Sequence[Identify]) -> int:
    """Create or update contacts; traits are merged, fields not sent are kept."""
    merged: dict[str, Identify] = {}
    for op in ops:
        prev = merged.get(op.user_id)
        if prev is not None:
            op.traits = {**prev.traits, **op.traits}
            op.email = op.email or prev.email
            op.name = op.name or prev.name
            op.title = op.title or prev.title
        merged[op.user_id] = op
    if not merged:
        return 0
    values = sorted(merged.values(), key=lambda o: o.user_id)
    cur = pg.execute(
        """
        INSERT INTO contacts AS c (external_id, email, name, title, traits)
        SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::jsonb[])
        ON CONFLICT (external_id) DO UPDATE SET
            email = COALESCE(EXCLUDED.email, c.email), name = COALESCE(EXCLUDED.name, c.name),
            title = COALESCE(EXCLUDED.title, c.title), traits = c.traits || EXCLUDED.traits,
            updated_at = now()
        WHERE (COALESCE(EXCLUDED.email, c.email), COALESCE(EXCLUDED.name, c.name),
               COALESCE(EXCLUDED.title, c.title), c.traits || EXCLUDED.traits)
              IS DISTINCT FROM (c.email, c.name, c.title, c.traits)
        """,
        [
            [o.user_id for o in values],
            [o.email for o in values],
            [o.name for o in values],
            [o.title for o in values],
            [json.dumps(o.traits, default=str) for o in values],
        ],
    )
    return cur.rowcount


def apply_group(pg: psycopg.Connection, op: Group) -> tuple[int, int]:
    """Upsert the account with the traits sent, link the user's contact to it, attach waiting events.

    Returns (account id, new pending account-days).
    """
    columns = dict(op.columns)
    names = ["external_id", *columns]
    values: list[Any] = [op.group_id, *columns.values()]
    if "name" not in columns:
        names.append("name")
        values.append(op.group_id)
    names.append("custom_attributes")
    values.append(json.dumps(op.custom, default=str))
    updates = [f"{c} = EXCLUDED.{c}" for c in columns]
    updates.append("custom_attributes = t.custom_attributes || EXCLUDED.custom_attributes")
    changed_old = ", ".join([*(f"t.{c}" for c in columns), "t.custom_attributes"])
    changed_new = ", ".join(
        [*(f"EXCLUDED.{c}" for c in columns), "t.custom_attributes || EXCLUDED.custom_attributes"]
    )
    placeholders = ", ".join(["%s"] * (len(values) - 1) + ["%s::jsonb"])
    sql = f"""
        INSERT INTO accounts AS t ({", ".join(names)}) VALUES ({placeholders})
        ON CONFLICT (external_id) DO UPDATE SET {", ".join(updates)}, updated_at = now()
        WHERE ROW({changed_old}) IS DISTINCT FROM ROW({changed_new})
    """
    pg.execute(sql, values)
    account_id = pg.execute("SELECT id FROM accounts WHERE external_id = %s", (op.group_id,)).fetchone()[0]
    if op.parent:
        pg.execute(
            """UPDATE accounts SET parent_id = p.id, updated_at = now() FROM accounts p
               WHERE accounts.id = %s AND p.external_id = %s AND p.id <> accounts.id
                 AND accounts.parent_id IS DISTINCT FROM p.id""",
            (account_id, op.parent),
        )
    pending = attach_events_to_accounts(pg, [op.group_id])[1]
    reprocess_unmatched(pg, [op.group_id, str(op.custom.get("stripe_customer_id") or "")])
    if op.user_id:
        pg.execute(
            """
            INSERT INTO contacts AS c (external_id, account_id) VALUES (%s, %s)
            ON CONFLICT (external_id) DO UPDATE SET account_id = EXCLUDED.account_id, updated_at = now()
            WHERE c.account_id IS DISTINCT FROM EXCLUDED.account_id
            """,
            (op.user_id, account_id),
        )
        pending += attach_events_to_users(pg, [op.user_id])[1]
    return int(account_id), pending
