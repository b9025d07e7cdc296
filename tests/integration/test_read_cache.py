"""The read cache on the real Redis and PostgreSQL: a repeated question is answered from Redis; a recompute or
an import bumps the data version and the next answer is fresh; filters never share an entry; Redis away
still gives correct answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
import psycopg
import pytest
from flask import Flask
from sqlalchemy import text

from dashapp.analytics.activity_cohorts import activity_cohorts
from dashapp.cache import ReadCache, bump_data_version, init_read_cache, read_version
from dashapp.cache.reads import EXTENSION_KEY
from dashapp.filters import Filters
from dashapp.filters.sql import VIEWER
from dashapp.ingest.csv_import import ImportOptions, run_import
from dashapp.queries import cohorts, overview
from dashapp.services import libpq_url
from dashapp.settings import Settings
from jobs import scores
from jobs.queues import redis_connection
from models.db import Database
from tests.scoring.book import seed_book
from tests.support.jobs import committed_database, drain, job_database, worker_environment


@pytest.fixture(scope="module")
def cache_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_readcache") as url:
        yield url


@pytest.fixture
def local(settings: Settings, cache_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings on the committed database with a Redis namespace of their own, seen by jobs too."""
    with worker_environment(settings, cache_url, "rc", monkeypatch) as own:
        yield own


@pytest.fixture
def db(local: Settings) -> Iterator[Database]:
    with job_database(local) as database:
        database.session_info.update(local.money)
        yield database


@pytest.fixture
def cache(local: Settings) -> Iterator[ReadCache]:
    """A Flask app holding the read cache, its context pushed: queries go through the cache."""
    app = Flask("read-cache-test")
    read_cache = init_read_cache(app, local)
    with app.app_context():
        yield read_cache


def _scored_book(local: Settings, db: Database) -> None:
    with psycopg.connect(libpq_url(db.url)) as conn:
        seed_book(conn, accounts=16, days=60)
    scores.enqueue_recompute(local, db, days=1)
    drain(local, "scores")


EVERY = Filters()


def _summary(db: Database, filters: Filters = EVERY):
    with db.session() as session:
        return overview.summary(session, filters)


def _fresh(db: Database, filters: Filters = EVERY):
    with db.session() as session:
        return overview.summary.uncached(session, filters)


def _execute(db: Database, sql: str) -> None:
    with db.transaction() as session:
        session.execute(text(sql))


def test_the_second_call_is_served_from_the_cache(local: Settings, db: Database, cache: ReadCache) -> None:
    _scored_book(local, db)
    first = _summary(db)
    assert cache.stats.misses == 1 and cache.stats.hits == 0
    # Changed behind the cache's back (no bump): only a cached answer can still show the old numbers.
    _execute(db, "UPDATE account_health SET score = 1, band = 'red'")
    second = _summary(db)
    assert cache.stats.hits == 1
    assert second == first
    assert _fresh(db)[0].avg_score == 1 and first[0].avg_score != 1


def test_a_recompute_bumps_the_version_and_the_next_call_is_fresh(
    local: Settings, db: Database, cache: ReadCache
) -> None:
    _scored_book(local, db)
    before = _summary(db)
    version = read_version(cache.conn, local.redis_namespace)
    # Usage stops for the last month: the next recompute scores lower.
    cutoff = (datetime.now(UTC).date() - timedelta(days=30)).isoformat()
    _execute(
        db,
        "UPDATE account_daily_metrics SET active_users = 0, sessions = 0, logins = 0, events = 0, "
        f"feature_usage = '{{}}' WHERE day > '{cutoff}'",
    )
    assert _summary(db) == before  # no bump yet: still the cached answer
    scores.enqueue_recompute(local, db, days=1)
    drain(local, "scores")
    assert read_version(cache.conn, local.redis_namespace) > version
    after = _summary(db)
    assert after == _fresh(db)
    assert after[0].avg_score < before[0].avg_score


def test_an_import_bumps_the_version_and_the_next_call_counts_the_new_accounts(
    local: Settings, db: Database, cache: ReadCache, tmp_path
) -> None:
    _scored_book(local, db)
    before = _summary(db)[0].accounts
    version = read_version(cache.conn, local.redis_namespace)
    path = tmp_path / "accounts.csv"
    path.write_text("id,name,mrr\nrc-1,Acme,100\nrc-2,Beta,200\nrc-3,Gamma,300\n", encoding="utf-8")
    result = run_import(db, path, ImportOptions(kind="accounts"), settings=local)
    assert result["inserted"] == 3, result
    assert read_version(cache.conn, local.redis_namespace) == version + 1
    assert _summary(db)[0].accounts == before + 3


def test_a_dry_run_import_leaves_the_version_alone(
    local: Settings, db: Database, cache: ReadCache, tmp_path
) -> None:
    path = tmp_path / "accounts.csv"
    path.write_text("id,name\nrc-9,Dry\n", encoding="utf-8")
    version = read_version(cache.conn, local.redis_namespace)
    run_import(db, path, ImportOptions(kind="accounts", dry_run=True), settings=local)
    assert read_version(cache.conn, local.redis_namespace) == version


def test_different_filters_never_share_an_entry(local: Settings, db: Database, cache: ReadCache) -> None:
    _scored_book(local, db)
    questions = [
        Filters(),
        Filters(segment=("smb",)),
        Filters(segment=("enterprise",)),
        Filters(band=("red",)),
        Filters(status="all"),
        Filters(owner=("me",)),
    ]
    for filters in questions:
        assert _summary(db, filters) == _fresh(db, filters)
    # "me" is whoever asks: another viewer gets an entry of their own.
    token = VIEWER.set(424242)
    try:
        assert _summary(db, Filters(owner=("me",))) == _fresh(db, Filters(owner=("me",)))
    finally:
        VIEWER.reset(token)
    keys = list(cache.conn.scan_iter(match=f"{local.redis_namespace}readcache:overview.summary:*"))
    assert len(keys) == len(questions) + 1
    assert cache.stats.hits == 0
    # The same filters written differently are one question.
    assert _summary(db, Filters(segment=("smb",), plan=())) == _fresh(db, Filters(segment=("smb",)))
    assert cache.stats.hits == 1


def test_trend_and_cohort_rows_come_back_with_their_types(
    local: Settings, db: Database, cache: ReadCache
) -> None:
    _scored_book(local, db)
    since = datetime.now(UTC).date() - timedelta(days=400)
    with db.session() as session:
        trend = overview.band_trend(session, Filters())
        rows = cohorts.cohort_rows(
            session, Filters(), date_field="contract_start", split="segment", since=since
        )
        ages = cohorts.health_by_age(session, Filters(), date_field="contract_start", split="")
        assert overview.band_trend(session, Filters()) == trend
        again = cohorts.cohort_rows(
            session, Filters(), date_field="contract_start", split="segment", since=since
        )
        assert (
            again == rows
            and cohorts.health_by_age(session, Filters(), date_field="contract_start", split="") == ages
        )
        other_split = cohorts.cohort_rows(
            session, Filters(), date_field="contract_start", split="", since=since
        )
        assert other_split == cohorts.cohort_rows.uncached(
            session, Filters(), date_field="contract_start", split="", since=since
        )
    assert trend and rows["sizes"] and ages
    assert cache.stats.hits == 3 and cache.stats.misses == 4


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_with_redis_down_the_answers_are_still_right(
    local: Settings, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    _scored_book(local, db)
    app = Flask("read-cache-down")
    dead = local.with_overrides(redis_url=_dead_url())
    down = init_read_cache(app, dead)
    with app.app_context():
        for _ in range(3):
            assert _summary(db) == _fresh(db)
            assert _summary(db, Filters(band=("red",))) == _fresh(db, Filters(band=("red",)))
    assert down.stats.skipped == 6 and down.stats.hits == down.stats.misses == 0
    assert sum("Redis unavailable" in r.getMessage() for r in caplog.records) == 1
    assert bump_data_version(dead, "test") is None  # a write never fails because Redis is away


def test_the_cache_is_off_with_no_ttl(local: Settings, db: Database) -> None:
    _scored_book(local, db)
    app = Flask("read-cache-off")
    off = init_read_cache(app, local.with_overrides(read_cache_seconds=0))
    with app.app_context():
        _summary(db)
        _summary(db)
    assert off.stats.skipped == 2 and app.extensions[EXTENSION_KEY] is off
    assert not list(
        redis_connection(local.redis_url or "").scan_iter(match=f"{local.redis_namespace}readcache:o*")
    )


def test_activity_retention_is_cached_and_draws_the_same_frames(
    local: Settings, db: Database, cache: ReadCache
) -> None:
    _scored_book(local, db)
    with db.session() as session:
        active, last_day = cohorts.activity_rows(session, Filters(), split="segment")
        direct = activity_cohorts(pd.DataFrame(active), last_day)
        first = cohorts.activity_retention(session, Filters(), split="segment")
        assert cohorts.activity_retention(session, Filters(), split="segment") == first
    assert cache.stats.hits == 1 and first["rows"]
    back = cohorts.as_activity_cohorts(first)
    assert back.last_month == direct.last_month
    pd.testing.assert_frame_equal(back.retention, direct.retention, check_column_type=False)
    pd.testing.assert_series_equal(back.sizes, direct.sizes, check_index_type=False)
