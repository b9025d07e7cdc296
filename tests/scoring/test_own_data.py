"""A book brought as a transaction log: accounts without start dates, activity in the past, churn as
inactivity. Scoring, backtests and churn training dates work on it without a hand-made step."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import psycopg
import pytest
from sqlalchemy.orm import Session

from dashapp.analytics.churn.loader import history_span
from dashapp.analytics.churn.service import as_of_dates
from dashapp.scoring import engine, service
from dashapp.scoring.definition import ScorecardError
from models.db import Database

FIRST = date(2011, 1, 3)
LAST = date(2011, 12, 4)


def _seed_log(conn: psycopg.Connection, customers: int = 60) -> dict[int, date]:
    """Customers (no contract start) buying every week from their first day; a third stop halfway."""
    rng = np.random.default_rng(3)
    firsts: dict[int, date] = {}
    rows = []
    with conn.cursor() as cur:
        for i in range(customers):
            cur.execute(
                "INSERT INTO accounts (external_id, name) VALUES (%s, %s) RETURNING id", (f"log-{i}", f"C{i}")
            )
            account = cur.fetchone()[0]
            first = FIRST + timedelta(days=int(rng.integers(0, 60)))
            stop = first + timedelta(days=int(rng.integers(120, 200))) if i % 3 == 0 else LAST
            firsts[account] = first
            day = first
            while day <= min(stop, LAST):
                n = int(rng.integers(1, 6))
                rows.append((account, day, 1, n, n, n * 3, "{}"))
                day += timedelta(days=int(rng.integers(5, 10)))
        with cur.copy(
            "COPY account_daily_metrics (account_id, day, active_users, sessions, logins, events, feature_usage)"
            " FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    return firsts


def test_start_dates_default_to_first_activity_and_past_days_score(
    scoring_db: Database, raw: psycopg.Connection
) -> None:
    firsts = _seed_log(raw)
    result = engine.recompute(scoring_db, as_of=date(2011, 6, 30))
    starts = dict(raw.execute("SELECT id, contract_start FROM accounts").fetchall())
    assert starts == firsts
    assert result.snapshots == len(firsts)  # every customer had started by then
    # A start date given on import is kept.
    account = next(iter(firsts))
    raw.execute("UPDATE accounts SET contract_start = '2010-01-01' WHERE id = %s", (account,))
    engine.recompute(scoring_db, as_of=date(2011, 6, 30))
    assert raw.execute("SELECT contract_start FROM accounts WHERE id = %s", (account,)).fetchone()[0] == date(
        2010, 1, 1
    )


def test_a_day_before_any_data_has_nothing_to_score(scoring_db: Database, raw: psycopg.Connection) -> None:
    _seed_log(raw)
    result = engine.recompute(scoring_db, as_of=date(2005, 1, 1), days=2)
    assert (result.snapshots, result.unscored) == (0, 0)


def test_backtest_with_inactivity_as_the_outcome(
    scoring_db: Database, raw: psycopg.Connection, session: Session
) -> None:
    _seed_log(raw)
    stored = service.run_backtest(
        session, horizon_days=60, as_of_dates=[date(2011, 7, 31), date(2011, 8, 31)], label="inactive"
    )
    assert [r["label"] for r in stored.results] == ["inactive", "inactive"]
    for r in stored.results:
        assert r["churned"] > 0 and r["auc"] is not None  # lapsed customers exist and are ranked
    with pytest.raises(ScorecardError, match="nothing to score"):
        service.run_backtest(session, horizon_days=60, as_of_dates=[date(2005, 1, 1)], label="inactive")


def test_training_dates_follow_the_activity_not_todays_snapshot(
    scoring_db: Database, raw: psycopg.Connection, session: Session
) -> None:
    _seed_log(raw)
    engine.recompute(scoring_db)  # today: far after the log ends
    first, last = history_span(session.connection())
    assert first >= FIRST and last <= LAST
    dates = as_of_dates(session, 60, count=4, step_days=30)
    assert dates and max(dates) <= LAST - timedelta(days=60)
