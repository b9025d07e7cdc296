"""Segments from the database: the feature SQL on hand-made rows, the job on a real RQ worker and the real
Redis, and `healthdash segments` run as a user runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.analytics.segment_store import load_features
from dashapp.services import libpq_url
from dashapp.settings import Settings
from jobs import segments
from jobs.schedule import SCHEDULE
from models.activity import AccountDailyMetric
from models.billing import Invoice
from models.db import Database
from models.job import JobRun
from models.segments import SegmentAssignment, SegmentRun
from models.support import SupportTicket
from tests.scoring.book import seed_book
from tests.support.cli import healthdash, one_line_error
from tests.support.factories import make_account, utc
from tests.support.jobs import committed_database, drain, job_database, own_namespace

AS_OF = date(2026, 6, 30)


def test_features_are_read_over_the_window(session: Session) -> None:
    a = make_account(session, mrr=Decimal("1500"))
    quiet = make_account(session, mrr=Decimal("0"))
    gone = make_account(session, churned_at=utc(2026, 5, 1))
    for day, users, sessions, events, feats in (
        (AS_OF, 4, 6, 10, {"reports": 2, "api": 1}),
        (AS_OF - timedelta(days=1), 2, 3, 0, {"reports": 1}),
        (AS_OF - timedelta(days=89), 3, 3, 5, {"sso": 1}),
        (AS_OF - timedelta(days=90), 100, 100, 100, {"old": 1}),  # outside the window
        (AS_OF + timedelta(days=1), 100, 100, 100, {"future": 1}),  # after as-of
    ):
        session.add(
            AccountDailyMetric(
                account_id=a.id,
                day=day,
                active_users=users,
                sessions=sessions,
                events=events,
                feature_usage=feats,
            )
        )
    for n, (priority, csat, opened) in enumerate(
        (("urgent", 2, utc(2026, 6, 1)), ("normal", 4, utc(2026, 6, 2)), ("low", None, utc(2026, 1, 1)))
    ):
        session.add(
            SupportTicket(
                external_id=f"t-{a.id}-{n}", account_id=a.id, priority=priority, csat=csat, opened_at=opened
            )
        )
    invoices = (
        ("paid", utc(2026, 5, 1), utc(2026, 5, 31), utc(2026, 5, 20)),  # on time
        ("paid", utc(2026, 6, 1), utc(2026, 6, 10), utc(2026, 6, 15)),  # late
        ("failed", utc(2026, 6, 5), utc(2026, 6, 5), None),  # failed
        ("open", utc(2026, 6, 20), utc(2026, 7, 20), None),  # not due yet
        ("void", utc(2026, 6, 21), utc(2026, 6, 21), None),  # not counted
    )
    for n, (status, issued, due, paid) in enumerate(invoices):
        session.add(
            Invoice(
                external_id=f"i-{a.id}-{n}",
                account_id=a.id,
                amount=Decimal("1500"),
                status=status,
                issued_at=issued,
                due_at=due,
                paid_at=paid,
            )
        )
    session.flush()
    frame = load_features(session, AS_OF)
    assert gone.id not in frame.index and {a.id, quiet.id} <= set(frame.index)
    row = frame.loc[a.id]
    assert row["active_users"] == pytest.approx(9 / 90)
    assert row["sessions"] == pytest.approx(12 / 90)
    assert row["active_days"] == pytest.approx(2 / 90)
    assert row["features_used"] == 3  # reports, api, sso
    assert (
        row["tickets"] == 2 and row["urgent_share"] == pytest.approx(0.5) and row["csat"] == pytest.approx(3)
    )
    assert row["mrr"] == 1500 and row["late_payments"] == pytest.approx(2 / 4)
    empty = frame.loc[quiet.id]
    assert empty["active_users"] == 0 and empty["tickets"] == 0 and pd_isna(empty["csat"])


def pd_isna(value: object) -> bool:
    return value != value  # NaN


# ---- the job on a real worker ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seg_url(server_settings: Settings) -> Iterator[str]:
    """A database of its own: the worker must see committed data."""
    with committed_database(server_settings, "hd_seg") as url:
        yield url


@pytest.fixture
def seg_settings(settings: Settings, seg_url: str) -> Iterator[Settings]:
    with own_namespace(settings, seg_url, "seg") as local:
        yield local


@pytest.fixture
def seg_db(seg_settings: Settings) -> Iterator[Database]:
    with job_database(seg_settings) as database:
        yield database


def _work(settings: Settings) -> None:
    drain(settings, "analytics")


def test_the_segmentation_job_runs_on_a_worker_and_stores_the_run(
    seg_settings: Settings, seg_db: Database
) -> None:
    with psycopg.connect(libpq_url(seg_db.url)) as conn:
        book = seed_book(conn, accounts=60, days=120, seed=3, churn_fraction=0.4)
    live = len(book.account_ids) - sum(1 for d in book.churned.values() if d <= book.today)
    run = segments.enqueue_run(seg_settings, seg_db)
    again = segments.enqueue_run(seg_settings, seg_db)
    assert run.queue == "analytics" and run.kind == "segments.run" and again.id == run.id
    _work(seg_settings)
    with seg_db.transaction() as session:
        done = session.get(JobRun, run.id)
        assert done is not None and done.status == "finished", done.error
        result = done.result or {}
        assert result["stored"] is True and result["accounts"] == live
        stored = session.get(SegmentRun, result["segment_run_id"])
        assert stored is not None and 2 <= stored.k <= 8 and len(stored.clusters) == stored.k
        assert 0 <= stored.stability <= 1 and len(stored.details["ari"]) == 5
        assert sum(c["size"] for c in stored.clusters) == live
        assert all(c["name"] and c["features"] for c in stored.clusters)
        assigned = session.scalar(
            select(func.count(func.distinct(SegmentAssignment.account_id))).where(
                SegmentAssignment.run_id == stored.id
            )
        )
        assert assigned == live


def test_a_book_too_small_to_segment_finishes_with_the_reason(
    seg_settings: Settings, seg_db: Database
) -> None:
    with psycopg.connect(libpq_url(seg_db.url)) as conn:
        seed_book(conn, accounts=4, days=30, seed=4, churn_fraction=0)
    run = segments.enqueue_run(seg_settings, seg_db, k=3)
    _work(seg_settings)
    with seg_db.transaction() as session:
        done = session.get(JobRun, run.id)
        assert done is not None and done.status == "finished"
        assert done.result == {
            "stored": False,
            "as_of": date.today().isoformat(),
            "reason": done.result["reason"],
        }
        assert "at least 10 are needed" in done.result["reason"]
        assert session.scalar(select(func.count()).select_from(SegmentRun)) == 0


def test_segmentation_is_scheduled_nightly_on_the_analytics_queue() -> None:
    entry = next(p for p in SCHEDULE if p.name == "segments-nightly")
    assert entry.func is segments.run and entry.queue == "analytics"


def test_the_cli_runs_and_shows_segments(
    test_env: dict[str, str], seg_db: Database, seg_settings: Settings
) -> None:
    env = {
        **test_env,
        "DATABASE_URL": libpq_url(seg_db.url),
        "HEALTHDASH_REDIS_NAMESPACE": seg_settings.redis_namespace,
    }
    assert "no segmentation run yet" in one_line_error(healthdash(env, "segments", "show"))
    assert "cannot segment: 0 accounts" in one_line_error(healthdash(env, "segments", "run"))
    with psycopg.connect(libpq_url(seg_db.url)) as conn:
        seed_book(conn, accounts=40, days=100, seed=9)
    assert "--as-of: 'soon' is not a date" in one_line_error(
        healthdash(env, "segments", "run", "--as-of", "soon")
    )
    done = healthdash(env, "segments", "run", "--k", "3")
    assert done.returncode == 0, done.stderr
    assert "3 segments over" in done.stdout and "#1 " in done.stdout and "stability" in done.stdout
    shown = healthdash(env, "segments", "show")
    assert shown.returncode == 0 and shown.stdout.splitlines()[1:] == done.stdout.splitlines()[1:]
    queued = healthdash(env, "segments", "run", "--enqueue")
    assert queued.returncode == 0 and "Queued run" in queued.stdout
