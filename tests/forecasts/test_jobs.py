"""The forecast jobs with a real RQ worker on the real Redis: the coordinator queues one fit per series
on the analytics queue, the worker fits them, a second run refits nothing, and the nightly entry exists."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from dashapp.settings import Settings
from jobs import forecasts, runtime
from jobs.queues import get_queue
from jobs.schedule import SCHEDULE
from models.db import Database
from models.forecast import ForecastResult, ForecastSeries
from models.job import JobRun
from tests.forecasts.book import seed_forecast_book
from tests.support.jobs import committed_database, drain, job_database, own_namespace

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def jobs_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_fcjobs") as url:
        yield url


@pytest.fixture
def jobs_settings(settings: Settings, jobs_url: str) -> Iterator[Settings]:
    with own_namespace(settings, jobs_url, "fc") as local:
        yield local


@pytest.fixture
def jobs_db(jobs_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    # The coordinator enqueues from inside the worker with the worker's settings (its environment).
    monkeypatch.setenv("DATABASE_URL", jobs_settings.database_url or "")
    monkeypatch.setenv("REDIS_URL", jobs_settings.redis_url or "")
    monkeypatch.setenv("HEALTHDASH_REDIS_NAMESPACE", jobs_settings.redis_namespace)
    with job_database(jobs_settings) as database:
        yield database


def _work(settings: Settings) -> None:
    drain(settings, "analytics")


def _runs(db: Database, kind: str) -> list[JobRun]:
    with db.transaction() as session:
        return list(session.scalars(select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id)))


def test_the_coordinator_fans_out_one_fit_per_series_and_a_rerun_refits_nothing(
    jobs_settings: Settings, jobs_db: Database
) -> None:
    assert runtime.job_settings().redis_namespace == jobs_settings.redis_namespace
    with jobs_db.transaction() as session:
        accounts = seed_forecast_book(session, days=45)
        red_id = accounts[0].id
    run = forecasts.enqueue_run(jobs_settings, jobs_db)
    assert run.queue == "analytics" and run.kind == "forecasts.run"
    assert forecasts.enqueue_run(jobs_settings, jobs_db).id == run.id  # pending: the same run
    _work(jobs_settings)

    [coordinator] = _runs(jobs_db, "forecasts.run")
    assert coordinator.status == "finished" and coordinator.result is not None
    planned = coordinator.result["series"]
    assert planned == 6 * 3 + 3  # book + two segments, six metrics each; three live accounts
    fits = _runs(jobs_db, "forecasts.fit")
    assert len(fits) == planned and {f.status for f in fits} == {"finished"}
    assert {f.queue for f in fits} == {"analytics"}
    statuses = {f.params["key"]: f.result["status"] for f in fits if f.result}
    # The enterprise accounts started 25 and 15 days ago: their MRR has too short a history to forecast.
    assert statuses.pop("segment:enterprise:mrr") == "insufficient_history"
    assert set(statuses.values()) == {"fitted"}
    with jobs_db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ForecastSeries)) == planned
        assert session.scalar(select(func.count()).select_from(ForecastResult)) == (planned - 1) * 2
        account_row = session.scalar(select(ForecastSeries).where(ForecastSeries.account_id == red_id))
        assert account_row is not None and account_row.status == "fitted"

    forecasts.enqueue_run(jobs_settings, jobs_db)
    _work(jobs_settings)
    second = _runs(jobs_db, "forecasts.fit")[planned:]
    assert len(second) == planned and {f.result["status"] for f in second if f.result} == {"unchanged"}


def test_a_single_series_fit_and_a_bad_key(jobs_settings: Settings, jobs_db: Database) -> None:
    with jobs_db.transaction() as session:
        seed_forecast_book(session, days=40)
    with pytest.raises(ValueError, match="series key"):
        forecasts.enqueue_fit(jobs_settings, jobs_db, "book:everything")
    run = forecasts.enqueue_fit(jobs_settings, jobs_db, "segment:smb:avg_score")
    assert get_queue("analytics", jobs_settings).fetch_job(run.rq_job_id) is not None
    _work(jobs_settings)
    with jobs_db.transaction() as session:
        done = session.get(JobRun, run.id)
        assert done is not None and done.status == "finished" and done.result["status"] == "fitted"


def test_forecasts_run_nightly_on_the_analytics_queue() -> None:
    [entry] = [p for p in SCHEDULE if p.name == "forecasts-nightly"]
    assert entry.func is forecasts.run_all and entry.queue == "analytics" and entry.cron == "0 4 * * *"
