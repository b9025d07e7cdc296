"""The daily roll-up follows models.conventions, runs as a coalesced RQ job, and rebuilds on demand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from dashapp.ingest import rollup as core
from dashapp.ingest import writer
from dashapp.ingest.payload import EventRow
from dashapp.settings import Settings
from jobs import rollup
from jobs.queues import get_queue, redis_connection
from jobs.runtime import use_database
from jobs.workers import SimpleWorker
from models.activity import AccountDailyMetric
from models.db import Database
from models.job import JobRun
from tests.support.factories import make_account


def _ev(mid: str, user: str | None, event: str, at: datetime, account: str = "roll-1", kind: str = "track",
        **props) -> EventRow:  # fmt: skip
    return EventRow(mid, account, user, kind, event, at, props)


DAY1 = [
    _ev("r1", "alice", "Signed In", datetime(2024, 3, 1, 9, 5, tzinfo=UTC)),
    _ev("r2", "alice", "Report Exported", datetime(2024, 3, 1, 9, 30, tzinfo=UTC), feature="reports"),
    _ev("r3", "alice", "Report Exported", datetime(2024, 3, 1, 14, 0, tzinfo=UTC)),
    _ev("r4", "bob", "login", datetime(2024, 3, 1, 9, 59, tzinfo=UTC)),
    _ev("r5", "bob", "Dashboard", datetime(2024, 3, 1, 23, 59, 59, tzinfo=UTC), kind="page"),
    _ev("r6", "bob", "Search", datetime(2024, 3, 1, 10, 0, tzinfo=UTC), feature=""),
    _ev("r7", None, "Webhook Fired", datetime(2024, 3, 1, 11, 0, tzinfo=UTC)),
    # the next UTC day, although it is still 1 March in New York
    _ev("r8", "alice", "Report Exported", datetime(2024, 3, 2, 0, 0, 1, tzinfo=UTC), feature="reports"),
]


def _metrics(session, account_id: int) -> dict[date, tuple]:
    rows = session.scalars(select(AccountDailyMetric).where(AccountDailyMetric.account_id == account_id))
    return {m.day: (m.events, m.active_users, m.logins, m.sessions, m.feature_usage) for m in rows}


def test_rollup_follows_the_conventions(connection, session) -> None:
    account = make_account(session, external_id="roll-1")
    pg = connection.connection.driver_connection
    inserted, pending = writer.write_events(pg, DAY1)
    assert (inserted, pending) == (8, 2)
    core.drain_pending(pg, 100)
    result = core.rollup_scope(pg)
    assert result == {"account_days": 2, "changed": 2, "removed": 0}
    session.expire_all()
    assert _metrics(session, account.id) == {
        # events, active users (alice, bob; the anonymous webhook counts as an event only), logins
        # (Signed In, login), sessions (alice@9, alice@14, bob@9, bob@23, bob@10), features (track, non-login)
        date(2024, 3, 1): (7, 2, 2, 5, {"reports": 1, "Report Exported": 1, "Search": 1, "Webhook Fired": 1}),
        date(2024, 3, 2): (1, 1, 0, 1, {"reports": 1}),
    }
    assert pg.execute("SELECT count(*) FROM rollup_pending").fetchone()[0] == 0
    # Rolling up again changes nothing (updated_at kept); a new event updates only its day.
    core.prepare_scope(pg)
    pg.execute(f"INSERT INTO {core.SCOPE_TABLE} VALUES (%s, '2024-03-01')", (account.id,))
    assert core.rollup_scope(pg)["changed"] == 0
    writer.write_events(pg, [_ev("r9", "carol", "Signed In", datetime(2024, 3, 2, 8, tzinfo=UTC))])
    core.drain_pending(pg, 100)
    assert core.rollup_scope(pg) == {"account_days": 1, "changed": 1, "removed": 0}
    session.expire_all()
    assert _metrics(session, account.id)[date(2024, 3, 2)] == (2, 2, 1, 2, {"reports": 1})


def test_rebuild_recomputes_and_removes_days_without_events(connection, session, db) -> None:
    account = make_account(session, external_id="roll-1")
    pg = connection.connection.driver_connection
    writer.write_events(pg, DAY1)
    pg.execute("DELETE FROM rollup_pending")
    session.add(AccountDailyMetric(account_id=account.id, day=date(2024, 2, 1), events=99))
    session.flush()
    core.scope_for_rebuild(pg, [account.id], None)
    assert core.rollup_scope(pg) == {"account_days": 2, "changed": 2, "removed": 1}
    session.expire_all()
    assert sorted(_metrics(session, account.id)) == [date(2024, 3, 1), date(2024, 3, 2)]
    core.scope_for_rebuild(pg, [account.id], date(2024, 3, 2))
    assert core.rollup_scope(pg)["account_days"] == 1


@pytest.fixture
def worker_env(monkeypatch, test_env: dict[str, str], committed: Database):
    """The in-process worker reads its settings from the environment, as `healthdash worker` does."""
    for key in ("DATABASE_URL", "REDIS_URL", "HEALTHDASH_REDIS_NAMESPACE", "HEALTHDASH_ENV", "SECRET_KEY"):
        monkeypatch.setenv(key, test_env[key])
    use_database(committed)
    yield committed
    use_database(None)


def test_rollup_job_on_a_real_worker_coalesces_a_burst(
    worker_env: Database, settings: Settings, redis_client
) -> None:
    db = worker_env
    with db.transaction() as session:
        account = make_account(session, external_id="roll-1")
        account_id = account.id
    queue = get_queue("ingest", settings)
    for batch in (DAY1[:3], DAY1[3:6], DAY1[6:]):  # a burst of three writes
        with db.engine.begin() as conn:
            writer.write_events(conn.connection.driver_connection, batch)
        rollup.schedule(settings, db)
    assert queue.count == 1
    worker = SimpleWorker([queue], connection=redis_connection(settings.redis_url or ""))
    assert worker.work(burst=True)
    with db.transaction() as session:
        assert _metrics(session, account_id)[date(2024, 3, 1)][0] == 7
        runs = session.scalars(select(JobRun).where(JobRun.kind == "rollup")).all()
        assert [(r.status, r.result["account_days"]) for r in runs] == [("finished", 2)]
    # After the run, the next write schedules a new run.
    with db.engine.begin() as conn:
        writer.write_events(
            conn.connection.driver_connection, [_ev("late", "dan", "Signed In", DAY1[0].occurred_at)]
        )
    assert rollup.schedule(settings, db)
    worker.work(burst=True)
    with db.transaction() as session:
        assert _metrics(session, account_id)[date(2024, 3, 1)][:3] == (8, 3, 3)
        assert session.execute(text("SELECT count(*) FROM rollup_pending")).scalar() == 0
