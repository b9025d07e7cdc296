"""Recorded webhook events: applying one with its outcome, and re-applying kept `unmatched` ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import psycopg

from dashapp.ingest import stripe_events, support_events
from dashapp.ingest import validators as v
from dashapp.ingest.stripe_events import EventProblem, Unmatched


def apply_recorded(
    pg: psycopg.Connection, row_id: int, apply: Callable[[psycopg.Connection], str | None]
) -> dict[str, str]:
    try:
        with pg.transaction():
            detail = apply(pg)
        status = "processed" if detail is not None else "ignored"
        detail = detail or "event type not used by healthdash"
        ref = None
    except Unmatched as exc:
        status, detail, ref = "unmatched", f"{exc}; kept until that account appears", exc.ref
    except EventProblem as exc:
        pg.execute("DELETE FROM webhook_events WHERE id = %s", (row_id,))
        return {"status": "invalid", "detail": str(exc)}
    pg.execute(
        "UPDATE webhook_events SET status = %s, detail = %s, account_ref = %s, processed_at = now() WHERE id = %s",
        (status, detail, ref, row_id),
    )
    return {"status": status, "detail": detail}


def reprocess_unmatched(pg: psycopg.Connection, refs: Iterable[str | None]) -> int:
    """Apply kept `unmatched` events that name one of `refs` (account external ids or customer ids)."""
    refs = sorted({r for r in refs if r})
    if not refs:
        return 0
    rows = pg.execute(
        """SELECT id, source, payload FROM webhook_events
           WHERE status = 'unmatched' AND account_ref = ANY(%s) ORDER BY id""",
        (refs,),
    ).fetchall()
    for row_id, source, payload in rows:
        if source == "stripe":
            apply_recorded(pg, row_id, lambda c, p=payload: stripe_events.apply(c, p))
        else:
            occurred = v.parse_datetime(payload.get("occurred_at")) or datetime.now(UTC)
            apply_recorded(pg, row_id, lambda c, p=payload, o=occurred: support_events.apply(c, p, o))
    return len(rows)
