"""On the demo book (`healthdash demo seed` with its defaults): every active account gets a snapshot whose
contributions add up to its score, and the default scorecard predicts churn within 90 days with a mean
ROC AUC of at least 0.75."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import psycopg
import pytest

from dashapp import migrate
from dashapp.scoring import backtest as bt
from dashapp.scoring import engine, service
from dashapp.services import libpq_url
from dashapp.settings import Settings
from models.db import Database
from tests.support.cli import healthdash
from tests.support.database import create_test_database, drop_database

TODAY = date(2026, 11, 26)  # a fixed book: the same seed and day always give the same accounts


@pytest.fixture(scope="module")
def demo_db(server_settings: Settings, test_env: dict[str, str]) -> Iterator[Database]:
    url = create_test_database(server_settings.database_url or "", prefix="hd_demo_bt")
    migrate.upgrade(url)
    env = {**test_env, "DATABASE_URL": libpq_url(url)}
    result = healthdash(env, "demo", "seed", "--today", TODAY.isoformat())
    assert result.returncode == 0, result.stderr
    db = Database(url)
    yield db
    db.engine.dispose()
    drop_database(url)


@pytest.mark.slow
def test_every_active_demo_account_gets_a_snapshot_that_adds_up(demo_db: Database) -> None:
    engine.recompute(demo_db, as_of=TODAY)
    with psycopg.connect(libpq_url(demo_db.url)) as conn:
        active = conn.execute(
            "SELECT count(*) FROM accounts WHERE churned_at IS NULL AND contract_start <= %s", (TODAY,)
        ).fetchone()[0]
        rows = conn.execute(
            "SELECT score, measure_contributions FROM health_snapshots WHERE day = %s", (TODAY,)
        ).fetchall()
    assert active > 300 and len(rows) == active
    for score, contributions in rows:
        assert sum(round(c * 10) for c in contributions if c is not None) == round(score * 10)


@pytest.mark.slow
def test_the_default_scorecard_predicts_churn_on_the_demo_book(demo_db: Database) -> None:
    with demo_db.transaction() as session:
        stored = service.run_backtest(session, horizon_days=90)
        table = bt.format_table(stored.results, ["red", "yellow", "green"])
    assert len(stored.results) >= 4, table
    assert sum(r["churned"] for r in stored.results) >= 40, table
    assert stored.mean_auc is not None and stored.mean_auc >= 0.75, table
    # Red accounts churn more often than green ones at every as-of date.
    for result in stored.results:
        red, green = result["bands"]["red"], result["bands"]["green"]
        assert red["rate"] > green["rate"], table
