"""The retrain job on the "analytics" queue, run by a real worker process on the real Redis, and the
schedule entries that run it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from dashapp.services import libpq_url
from dashapp.settings import Settings
from jobs import churn
from jobs.schedule import SCHEDULE
from jobs.scheduler import tick
from models.churn import ChurnModel, ChurnScore
from models.db import Database
from models.job import JobRun
from tests.scoring.book import seed_book
from tests.support.jobs import committed_database, job_database, own_namespace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def jobs_url(server_settings: Settings) -> Iterator[str]:
    """A database of its own: the worker process must see committed data."""
    with committed_database(server_settings, "hd_churn_jobs") as url:
        yield url


@pytest.fixture
def jobs_settings(settings: Settings, jobs_url: str) -> Iterator[Settings]:
    with own_namespace(settings, jobs_url, "churn") as local:
        yield local


@pytest.fixture
def jobs_db(jobs_settings: Settings) -> Iterator[Database]:
    with job_database(jobs_settings) as database:
        yield database


def _run(db: Database, run_id: int) -> JobRun:
    with db.transaction() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        return run


@pytest.mark.slow
def test_a_worker_retrains_and_scores_on_the_analytics_queue(
    jobs_settings: Settings, jobs_db: Database, test_env: dict[str, str]
) -> None:
    with psycopg.connect(libpq_url(jobs_db.url)) as conn:
        book = seed_book(conn, accounts=200, days=260, churn_fraction=0.4, prefix="jobs")
        conn.commit()
    run = churn.enqueue_train(jobs_settings, jobs_db, horizon_days=30, as_of=None)
    assert run.queue == "analytics" and run.kind == "churn.train"
    # Asking again while it waits returns the same run.
    assert churn.enqueue_train(jobs_settings, jobs_db, horizon_days=30).id == run.id
    env = {
        **test_env,
        "DATABASE_URL": libpq_url(jobs_db.url),
        "HEALTHDASH_REDIS_NAMESPACE": jobs_settings.redis_namespace,
    }
    worker = subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "analytics", "--burst"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=600,
    )
    output = (worker.stdout + worker.stderr).decode()[-3000:]
    assert worker.returncode == 0, output
    done = _run(jobs_db, run.id)
    assert done.status == "finished", f"{done.status}: {done.error}\n{output}"
    assert done.progress == 1.0 and done.result is not None
    with jobs_db.transaction() as session:
        model = session.scalar(select(ChurnModel).where(ChurnModel.is_active))
        assert model is not None and model.id == done.result["model_id"]
        assert model.mode == "history" and model.evaluation["validation"]["method"] == "time"
        scored = session.scalars(select(ChurnScore.account_id).where(ChurnScore.model_id == model.id)).all()
    open_accounts = len(book.account_ids) - len(book.churned)
    assert done.result["scored"] == len(scored) == open_accounts
    assert done.result["roc_auc"] == model.roc_auc


def test_the_schedule_retrains_weekly_and_scores_nightly(jobs_settings: Settings, jobs_db: Database) -> None:
    entries = {p.name: p for p in SCHEDULE}
    assert entries["churn-weekly"].func is churn.train and entries["churn-weekly"].queue == "analytics"
    assert entries["churn-nightly-score"].func is churn.score
    monday = datetime(2031, 5, 5, 3, 31, tzinfo=UTC)
    runs = tick(jobs_settings, jobs_db, now=monday)
    assert "churn-weekly" in {r.params["schedule"] for r in runs}
    weekly = next(r for r in runs if r.params["schedule"] == "churn-weekly")
    assert weekly.kind == "churn.train" and weekly.queue == "analytics"
    # The nightly scoring with no model yet ends with nothing done, not a failure.
    assert churn.score.__wrapped__() == {"skipped": "there is no active churn model yet"}
