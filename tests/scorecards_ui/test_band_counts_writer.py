"""The score writer (COPY, replace a day, overrides) keeps `health_band_counts` equal to the snapshots."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.engine import Connection

from dashapp.scoring import engine, service
from models.db import Database
from tests.explore.test_band_counts import book_totals, recount


def test_recompute_backfill_and_override_keep_the_counts_exact(
    scored, session, db: Database, connection: Connection
) -> None:
    assert book_totals(session) == recount(session) != {}
    db.bind_to(connection)
    try:
        engine.recompute(db, as_of=scored.today, days=3)  # replaces today, writes two more days
    finally:
        db.unbind()
    service.set_override(
        session,
        scored.account_ids[0],
        reason="test",
        score=3,
        expires_on=scored.today + timedelta(days=5),
        today=scored.today,
    )
    session.flush()
    assert book_totals(session) == recount(session)
