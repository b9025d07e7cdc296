"""Manual overrides: shown at once, computed score kept beside them, survive recomputes, expire, audited."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.queries.health import current_breakdown
from dashapp.scoring import engine, service
from models.audit import AuditLog
from models.db import Database
from tests.scoring.book import Book
from tests.support.factories import make_user


def _current(raw: psycopg.Connection, account: int) -> tuple:
    return raw.execute(
        "SELECT day, score, band, computed_score, computed_band, overridden FROM account_health WHERE account_id = %s",
        (account,),
    ).fetchone()


def _snapshot(raw: psycopg.Connection, account: int, day) -> tuple:
    return raw.execute(
        "SELECT score, band, computed_score, computed_band, overridden FROM health_snapshots "
        "WHERE account_id = %s AND day = %s",
        (account, day),
    ).fetchone()


@pytest.fixture
def scored(scoring_db: Database, book: Book, raw: psycopg.Connection) -> int:
    engine.recompute(scoring_db, as_of=book.today)
    return raw.execute(
        "SELECT account_id FROM account_health WHERE band <> 'red' ORDER BY account_id LIMIT 1"
    ).fetchone()[0]


def test_override_shows_at_once_survives_a_full_recompute_and_expires_when_due(
    scoring_db: Database, session: Session, raw: psycopg.Connection, book: Book, scored: int
) -> None:
    csm = make_user(session, role="csm")
    expires = book.today + timedelta(days=3)
    service.set_override(
        session,
        scored,
        score=12,
        reason="Champion left; renewal at risk",
        expires_on=expires,
        actor=csm,
        today=book.today,
    )
    session.flush()
    day, score, band, computed, computed_band, overridden = _current(raw, scored)
    assert (day, score, band, overridden) == (book.today, 12.0, "red", True)
    assert computed != 12.0 and computed_band != "red"

    engine.recompute(scoring_db, as_of=book.today)  # the nightly full recompute
    assert _snapshot(raw, scored, book.today)[:2] == (12.0, "red")
    assert _snapshot(raw, scored, book.today)[4] is True

    engine.recompute(scoring_db, as_of=expires - timedelta(days=1))
    assert _snapshot(raw, scored, expires - timedelta(days=1))[4] is True
    engine.recompute(scoring_db, as_of=expires)
    score, band, computed, computed_band, overridden = _snapshot(raw, scored, expires)
    assert overridden is False and (score, band) == (computed, computed_band)
    assert _current(raw, scored)[5] is False  # current health moved on to the expiry day, without it

    entries = session.scalars(select(AuditLog).where(AuditLog.action == "health.override.set")).all()
    assert len(entries) == 1
    assert entries[0].actor == csm.email and entries[0].object_id == str(scored)
    assert entries[0].details["reason"] == "Champion left; renewal at risk"
    assert entries[0].details["expires_on"] == expires.isoformat()


def test_band_only_override_and_clear_restore_the_computed_values(
    session: Session, raw: psycopg.Connection, book: Book, scored: int
) -> None:
    service.set_override(
        session,
        scored,
        band="yellow",
        reason="Exec sponsor engaged",
        expires_on=book.today + timedelta(days=30),
        today=book.today,
    )
    session.flush()
    _day, score, band, computed, _cb, overridden = _current(raw, scored)
    assert band == "yellow" and score == computed and overridden is True
    breakdown = current_breakdown(session, scored)
    assert (
        breakdown["override"]["band"] == "yellow"
        and breakdown["override"]["reason"] == "Exec sponsor engaged"
    )

    ended = service.clear_override(session, scored, reason="resolved", today=book.today)
    session.flush()
    assert ended is not None and ended.cleared_on == book.today
    _day, score, band, computed, computed_band, overridden = _current(raw, scored)
    assert (score, band, overridden) == (computed, computed_band, False)
    actions = [a.action for a in session.scalars(select(AuditLog).order_by(AuditLog.id)).all()]
    assert actions[-2:] == ["health.override.set", "health.override.clear"]
    assert service.clear_override(session, scored, today=book.today) is None


def test_a_cleared_override_does_not_come_back_on_recompute(
    scoring_db: Database, session: Session, raw: psycopg.Connection, book: Book, scored: int
) -> None:
    expires = book.today + timedelta(days=9)
    service.set_override(session, scored, score=5, reason="x", expires_on=expires, today=book.today)
    service.clear_override(session, scored, today=book.today)
    session.flush()
    engine.recompute(scoring_db, as_of=book.today)
    assert _snapshot(raw, scored, book.today)[4] is False


def test_a_new_override_replaces_the_one_in_force(
    session: Session, raw: psycopg.Connection, book: Book, scored: int
) -> None:
    first = service.set_override(
        session, scored, score=30, reason="first", expires_on=book.today + timedelta(days=9), today=book.today
    )
    second = service.set_override(
        session,
        scored,
        score=80,
        reason="second",
        expires_on=book.today + timedelta(days=9),
        today=book.today,
    )
    session.flush()
    assert first.cleared_on == book.today and second.cleared_on is None
    assert _current(raw, scored)[1:3] == (80.0, "green")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"score": 101}, "between 0 and 100"),
        ({"band": "purple"}, "not one of red, yellow, green"),
        ({}, "give a score, a band, or both"),
        ({"score": 50, "reason": " "}, "reason"),
        ({"score": 50, "days": 0}, "is not after today"),
        ({"score": 50, "days": 400}, "at most 366 days"),
    ],
)
def test_bad_override_requests_are_refused_with_a_reason(
    session: Session, book: Book, scored: int, kwargs: dict, message: str
) -> None:
    days = kwargs.pop("days", 10)
    reason = kwargs.pop("reason", "because")
    with pytest.raises(service.OverrideError, match=message):
        service.set_override(
            session,
            scored,
            reason=reason,
            expires_on=book.today + timedelta(days=days),
            today=book.today,
            **kwargs,
        )
