"""No look-ahead: nothing dated after an as-of date can reach that date's features or the model.

The case is built so leakage would matter: right after the as-of date, every account that is about to
churn gets a perfect tell (a burst of activity, a snapshot scoring 0, a pile of tickets and invoices) and the
others get the opposite. Any of it leaking into the rows would make them, and the trained model, change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import psycopg
from sqlalchemy.orm import Session

from dashapp.analytics.churn import loader, service
from dashapp.analytics.churn.training import train
from models.db import Database
from tests.scoring.book import Book

HORIZON = 30
DATES = 6
STEP = 15


def _dates(session: Session) -> list[date]:
    return service.as_of_dates(session, HORIZON, count=DATES, step_days=STEP)


def _rows(session: Session, dates: list[date]) -> pd.DataFrame:
    return service.training_rows(session, horizon_days=HORIZON, label="churned", dates=dates)


def _plant_tells(raw: psycopg.Connection, book: Book, as_of: date) -> None:
    """Future data that gives each account's outcome away, dated 1..5 days after `as_of`."""
    churners = {a for a, d in book.churned.items() if as_of < d <= as_of + timedelta(days=HORIZON)}
    with raw.cursor() as cur:
        cur.execute("INSERT INTO scorecards (name, is_default) VALUES ('leak test', false) RETURNING id")
        card = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO scorecard_versions (scorecard_id, version, definition) VALUES (%s, 1, '{}') RETURNING id",
            (card,),
        )
        version = cur.fetchone()[0]
        for account_id in book.account_ids:
            tell = account_id in churners
            for k in range(1, 6):
                day = as_of + timedelta(days=k)
                cur.execute(
                    "INSERT INTO account_daily_metrics (account_id, day, active_users, sessions, logins, events)"
                    " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account_id, day) DO UPDATE SET"
                    " active_users = excluded.active_users, sessions = excluded.sessions, events = excluded.events",
                    (account_id, day, 5000 if tell else 1, 5000 if tell else 1, 0, 99_999 if tell else 1),
                )
            score = 0.0 if tell else 100.0
            cur.execute(
                "INSERT INTO health_snapshots (account_id, day, score, band, computed_score, computed_band,"
                " scorecard_version_id, measures, delta_7, delta_30, delta_90)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    account_id,
                    as_of + timedelta(days=1),
                    score,
                    "red" if tell else "green",
                    score,
                    "red" if tell else "green",
                    version,
                    psycopg.types.json.Jsonb([{"key": "logins", "raw": score}]),
                    score,
                    score,
                    score,
                ),
            )
            at = datetime.combine(as_of + timedelta(days=2), time(12), tzinfo=UTC)
            for n in range(20 if tell else 0):
                cur.execute(
                    "INSERT INTO support_tickets (external_id, account_id, priority, status, opened_at)"
                    " VALUES (%s, %s, 'urgent', 'open', %s)",
                    (f"leak-{account_id}-{as_of}-{n}", account_id, at),
                )


def test_rows_as_of_a_date_ignore_everything_after_it(
    churn_db: Database, history_book: Book, raw: psycopg.Connection
) -> None:
    with churn_db.transaction() as session:
        dates = _dates(session)
        target = dates[2]
        book = loader.accounts(session.connection())
        before = loader.rows_as_of(session.connection(), book, target, horizon_days=HORIZON)
    _plant_tells(raw, history_book, target)
    with churn_db.transaction() as session:
        conn = session.connection()
        after = loader.rows_as_of(conn, loader.accounts(conn), target, horizon_days=HORIZON)
        # The planted data is real and decisive: rows as of a later date do see it...
        later = loader.rows_as_of(conn, loader.accounts(conn), target + timedelta(days=5), horizon_days=None)
    assert later["events_30"].max() >= 5 * 99_999
    assert later["score"].notna().all()
    # ...but not one value of the rows as of `target` moved.
    pd.testing.assert_frame_equal(before.sort_index(axis=1), after.sort_index(axis=1))
    assert "score" not in before  # there was no snapshot on or before the date


def test_the_trained_model_is_the_same_with_or_without_future_data(
    churn_db: Database, history_book: Book, raw: psycopg.Connection
) -> None:
    with churn_db.transaction() as session:
        dates = _dates(session)
        clean = train(_rows(session, dates), horizon_days=HORIZON, mode="history")
    # Tells right after the last as-of date (data after an earlier date is, rightly, history of the next).
    _plant_tells(raw, history_book, dates[-1])
    with churn_db.transaction() as session:
        again = train(_rows(session, dates), horizon_days=HORIZON, mode="history")
        leaky = train(_leaky_rows(session, dates), horizon_days=HORIZON, mode="history")
    assert again.metrics == clean.metrics
    assert again.baseline == clean.baseline
    assert again.importance == clean.importance
    # Had the rows read a few days past each as-of date, the tells would have changed the held-out figures.
    assert leaky.metrics != clean.metrics
    assert leaky.baseline["roc_auc"] != clean.baseline["roc_auc"]


def _leaky_rows(session: Session, dates: list[date]) -> pd.DataFrame:
    """What a careless builder would produce: features read 5 days after each as-of date, labels as of it."""
    conn = session.connection()
    book = loader.accounts(conn)
    parts = []
    for as_of in dates:
        honest = loader.rows_as_of(conn, book, as_of, horizon_days=HORIZON)
        peek = loader.rows_as_of(conn, book, as_of + timedelta(days=5), horizon_days=None).set_index(
            "account_id"
        )
        leaked = honest.set_index("account_id")
        for column in peek.columns.difference(["as_of"]):
            leaked[column] = peek[column].reindex(leaked.index)
        parts.append(leaked.reset_index())
    return pd.concat(parts, ignore_index=True)
