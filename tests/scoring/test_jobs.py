"""The job system with real RQ workers on the real Redis: run records (success, failure, retry), unique
ids, the periodic schedule, and a worker killed with SIGKILL in the middle of a recompute."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from rq import Retry
from sqlalchemy import select

from dashapp.services import libpq_url
from dashapp.settings import Settings
from jobs import scores
from jobs.queues import enqueue, get_queue
from jobs.recovery import recover_abandoned
from jobs.schedule import SCHEDULE
from jobs.scheduler import tick
from models.db import Database
from models.job import JobRun
from tests.scoring import jobs_for_tests
from tests.scoring.book import seed_book
from tests.support.jobs import committed_database, drain, job_database, own_namespace

ROOT = Path(__file__).resolve().parents[2]
EVERY_FEW_MINUTES = {"notify-sweep", "alerts-escalate"}


@pytest.fixture(scope="module")
def jobs_url(server_settings: Settings) -> Iterator[str]:
    """A database of its own: workers in other processes must see committed data."""
    with committed_database(server_settings, "hd_jobs") as url:
        yield url


@pytest.fixture
def jobs_settings(settings: Settings, jobs_url: str) -> Iterator[Settings]:
    with own_namespace(settings, jobs_url, "jobs") as local:
        yield local


@pytest.fixture
def jobs_db(jobs_settings: Settings) -> Iterator[Database]:
    with job_database(jobs_settings) as database:
        yield database


def _work(settings: Settings, queue: str = "default") -> None:
    drain(settings, queue)


def _run(db: Database, run_id: int) -> JobRun:
    with db.transaction() as session:
        run = session.get(JobRun, run_id)
        assert run is not None
        return run


def test_a_recompute_job_records_its_run(jobs_settings: Settings, jobs_db: Database) -> None:
    with psycopg.connect(libpq_url(jobs_db.url)) as conn:
        seed_book(conn, accounts=12, days=60)
    run = scores.enqueue_recompute(jobs_settings, jobs_db, days=2)
    assert run.status == "queued" and run.kind == "scores.recompute" and run.queue == "scores"
    job = get_queue("scores", jobs_settings).fetch_job(run.rq_job_id)
    assert job is not None and job.meta["run_id"] == run.id and job.meta["title"] == run.title
    _work(jobs_settings, "scores")
    done = _run(jobs_db, run.id)
    assert done.status == "finished" and done.progress == 1.0 and done.attempts == 1
    assert done.started_at is not None and done.ended_at is not None and done.error is None
    assert done.result is not None and done.result["snapshots"] == 24 and len(done.result["days"]) == 2


def test_the_same_request_while_pending_returns_the_pending_run(
    jobs_settings: Settings, jobs_db: Database
) -> None:
    first = scores.enqueue_recompute(jobs_settings, jobs_db, segment="smb")
    again = scores.enqueue_recompute(jobs_settings, jobs_db, segment="smb")
    other = scores.enqueue_recompute(jobs_settings, jobs_db, segment="enterprise")
    assert again.id == first.id and other.id != first.id
    _work(jobs_settings, "scores")
    assert _run(jobs_db, first.id).status == "finished"
    later = scores.enqueue_recompute(jobs_settings, jobs_db, segment="smb")
    assert later.id != first.id and later.status == "queued"


def test_a_failing_job_is_retried_and_its_error_recorded(jobs_settings: Settings, jobs_db: Database) -> None:
    run = enqueue(
        jobs_settings,
        jobs_db,
        jobs_for_tests.fails,
        "the data is broken",
        kind="test.fails",
        retry=Retry(max=1),
    )
    _work(jobs_settings)
    failed = _run(jobs_db, run.id)
    assert failed.status == "failed" and failed.attempts == 2 and failed.ended_at is not None
    assert "RuntimeError: the data is broken" in (failed.error or "")


def test_a_retried_job_that_then_succeeds_ends_finished(jobs_settings: Settings, jobs_db: Database) -> None:
    key = f"{jobs_settings.redis_namespace}attempts"
    run = enqueue(
        jobs_settings, jobs_db, jobs_for_tests.fails_once, key, kind="test.flaky", retry=Retry(max=2)
    )
    _work(jobs_settings)
    done = _run(jobs_db, run.id)
    assert done.status == "finished" and done.attempts == 2 and done.result == {"attempt": 2}
    assert done.error is None


def test_the_schedule_enqueues_each_job_once_per_period(jobs_settings: Settings, jobs_db: Database) -> None:
    t0 = datetime(2031, 5, 6, 14, 25, tzinfo=UTC)
    everything = tick(jobs_settings, jobs_db, now=t0)
    first = [r for r in everything if r.params["schedule"].startswith("scores-")]
    assert sorted(r.params["schedule"] for r in first) == ["scores-hourly", "scores-nightly"]
    periods = {r.params["schedule"]: r.params["period"] for r in first}
    assert periods == {
        "scores-nightly": "2031-05-06T02:00:00+00:00",
        "scores-hourly": "2031-05-06T14:20:00+00:00",
    }

    # The same period again, and a second scheduler: nothing new (but the notification sweep every minute
    # and the escalation every 15 minutes).
    def hourly_or_slower(runs: list) -> list:
        return [r for r in runs if r.params["schedule"] not in EVERY_FEW_MINUTES]

    again = tick(jobs_settings, jobs_db, now=t0 + timedelta(minutes=20))
    assert hourly_or_slower(again) == []
    assert tick(jobs_settings, jobs_db, now=t0 + timedelta(seconds=5)) == []
    # The next hour brings the next hourly run only.
    later_everything = tick(jobs_settings, jobs_db, now=t0 + timedelta(hours=1))
    later = [r for r in later_everything if r.params["schedule"].startswith("scores-")]
    assert [r.params["schedule"] for r in later] == ["scores-hourly"]
    queue = get_queue("scores", jobs_settings)
    jobs = [queue.fetch_job(j) for j in queue.get_job_ids()]
    assert sorted(j.id for j in jobs) == sorted(r.rq_job_id for r in [*first, *later] if r.queue == "scores")
    hourly = next(j for j in jobs if "hourly" in j.id)
    assert hourly.func_name == "jobs.scores.recompute" and hourly.kwargs == {"incremental": True}
    assert {p.name for p in SCHEDULE} >= {"scores-nightly", "scores-hourly"}
    with jobs_db.transaction() as session:
        assert len(session.scalars(select(JobRun)).all()) == len(everything) + len(again) + len(
            later_everything
        )


def _counts(url: str, days: list) -> dict:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT day, count(*) FROM health_snapshots WHERE day = ANY(%s) GROUP BY day", (days,)
        ).fetchall()
    found = dict(rows)
    return {d: found.get(d, 0) for d in days}


def _seed_large(url: str, accounts: int, days: int, today) -> int:
    """Accounts and daily metrics generated server-side (fast), enough to make a backfill take seconds."""
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute(
            """INSERT INTO accounts (external_id, name, segment, mrr, contract_start)
               SELECT 'big-' || g, 'Big ' || g, (ARRAY['enterprise','mid-market','smb'])[1 + g %% 3],
                      100 + g %% 900, %(start)s
               FROM generate_series(1, %(n)s) g""",
            {"n": accounts, "start": today - timedelta(days=days + 30)},
        )
        conn.execute(
            """INSERT INTO account_daily_metrics (account_id, day, active_users, sessions, logins, events,
                                                  feature_usage)
               SELECT a.id, d::date, 1 + (a.id * 7 + i) %% 23, 2 + (a.id + i) %% 31, 1 + (a.id + i) %% 17,
                      10 + (a.id * 3 + i) %% 200,
                      jsonb_build_object('reports', 1, 'f' || (a.id + i) %% 7, 2)
               FROM accounts a, generate_series(0, %(days)s - 1) i,
                    LATERAL (SELECT %(today)s::date - i AS d) dd""",
            {"days": days, "today": today},
        )
        return conn.execute("SELECT count(*) FROM accounts").fetchone()[0]


def _worker(env: dict[str, str], name: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "scores", "--name", name, *extra],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@pytest.mark.slow
def test_a_worker_killed_mid_recompute_leaves_no_half_written_day_and_the_rerun_completes_it(
    jobs_settings: Settings, jobs_db: Database, test_env: dict[str, str]
) -> None:
    today = datetime.now(UTC).date()
    accounts = _seed_large(jobs_db.url, accounts=2500, days=120, today=today)
    env = {
        **test_env,
        "DATABASE_URL": libpq_url(jobs_db.url),
        "HEALTHDASH_REDIS_NAMESPACE": jobs_settings.redis_namespace,
    }
    backfill = 30
    days = [today - timedelta(days=i) for i in range(backfill)]
    run = scores.enqueue_recompute(jobs_settings, jobs_db, days=backfill, as_of=today)
    first = _worker(env, f"kill-me-{uuid.uuid4().hex[:6]}")
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            current = _run(jobs_db, run.id)
            if current.status == "started" and current.progress > 0:
                break
            assert current.status in ("queued", "started"), current.error
            time.sleep(0.05)
        else:
            pytest.fail("the recompute never started")
        os.killpg(first.pid, signal.SIGKILL)
    finally:
        first.wait(timeout=30)
        if first.stdout is not None:
            first.stdout.close()
    after_kill = _counts(jobs_db.url, days)
    assert set(after_kill.values()) <= {0, accounts}, f"half-written day: {after_kill}"
    assert 0 < sum(v == accounts for v in after_kill.values()) < backfill, "the kill should land mid-run"
    assert _run(jobs_db, run.id).status == "started"  # nobody has closed it yet

    second = _worker(env, f"rescuer-{uuid.uuid4().hex[:6]}", "--burst")
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output.decode()
    assert b"Recovered 1 job(s) left by dead workers" in output
    done = _run(jobs_db, run.id)
    assert done.status == "finished", f"{done.status}: {done.error}\n{output.decode()[-3000:]}"
    assert done.attempts == 2 and done.result is not None and done.result["snapshots"] == accounts * backfill
    assert _counts(jobs_db.url, days) == {d: accounts for d in days}
    with psycopg.connect(libpq_url(jobs_db.url)) as conn:
        current = conn.execute("SELECT count(*), min(day), max(day) FROM account_health").fetchone()
    assert current == (accounts, today, today)


def test_a_job_without_retries_killed_with_its_worker_is_closed_as_failed(
    jobs_settings: Settings, jobs_db: Database, test_env: dict[str, str]
) -> None:
    env = {
        **test_env,
        "DATABASE_URL": libpq_url(jobs_db.url),
        "HEALTHDASH_REDIS_NAMESPACE": jobs_settings.redis_namespace,
    }
    run = enqueue(jobs_settings, jobs_db, jobs_for_tests.sleeps, 60, kind="test.sleeps")
    worker = subprocess.Popen(
        [sys.executable, "-m", "dashapp.cli.entry", "worker", "--queue", "default"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _run(jobs_db, run.id).progress == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _run(jobs_db, run.id).status == "started"
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    assert recover_abandoned(jobs_settings) == [run.rq_job_id]
    closed = _run(jobs_db, run.id)
    assert closed.status == "failed" and closed.ended_at is not None
    assert "stopped before it finished (AbandonedJobError" in (closed.error or "")
    job = get_queue("default", jobs_settings).fetch_job(run.rq_job_id)
    assert job is not None and job.get_status() == "failed"
    assert recover_abandoned(jobs_settings) == []  # nothing left to recover
