"""`healthdash demo seed` against the real PostgreSQL: exact row counts, referential integrity, raw events that
roll up to the stored metrics, the schema left intact, refusal without --reset, --reset, bad arguments.

The seed commits, so these tests use a database of their own rather than the run's shared one.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from dashapp import migrate
from dashapp.cli import main
from dashapp.demo.book import BLOCK_SIZE, generate
from dashapp.demo.loader import DemoLoadError, load
from dashapp.demo.plan import plan_book
from dashapp.services import libpq_url
from dashapp.settings import Settings
from models import conventions
from models.db import Base, Database
from tests.support.database import create_test_database, drop_database

TODAY = date(2026, 11, 25)
SMALL = ["--accounts", "60", "--months", "4", "--seed", "3", "--today", TODAY.isoformat()]
TABLE_OF_FRAME = {
    "contacts": "contacts",
    "daily_metrics": "account_daily_metrics",
    "tickets": "support_tickets",
    "invoices": "invoices",
    "payments": "payments",
    "surveys": "survey_responses",
    "usage_events": "usage_events",
}


@pytest.fixture(scope="module")
def demo_url(server_settings: Settings) -> Iterator[str]:
    url = create_test_database(server_settings.database_url or "", prefix="hd_demo_test")
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def demo_env(test_env: dict[str, str], demo_url: str) -> dict[str, str]:
    return {**test_env, "DATABASE_URL": demo_url}


@pytest.fixture(scope="module")
def pg(demo_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(libpq_url(demo_url), autocommit=True) as conn:
        yield conn


def healthdash(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", "demo", "seed", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def counts(pg: psycopg.Connection) -> dict[str, int]:
    tables = ["accounts", *TABLE_OF_FRAME.values()]
    return {t: pg.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def expected_counts(accounts: int, months: int, seed: int) -> dict[str, int]:
    book = generate(accounts, months, seed, TODAY)
    out = {"accounts": accounts}
    out.update({table: len(book.table(frame)) for frame, table in TABLE_OF_FRAME.items()})
    return out


@pytest.fixture(scope="module")
def seeded(demo_env: dict[str, str], pg: psycopg.Connection) -> subprocess.CompletedProcess:
    result = healthdash(demo_env, *SMALL)
    assert result.returncode == 0, result.stderr
    return result


def test_seed_loads_exactly_the_generated_book(
    seeded: subprocess.CompletedProcess, pg: psycopg.Connection
) -> None:
    assert counts(pg) == expected_counts(60, 4, 3)
    assert "Loaded" in seeded.stdout and "account_daily_metrics" in seeded.stdout


def test_the_demo_ships_its_own_labelled_rates_for_every_invoice_and_today(
    seeded, pg: psycopg.Connection
) -> None:
    assert "source 'demo', generated, not ECB figures" in seeded.stdout
    assert pg.execute("SELECT array_agg(DISTINCT source) FROM fx_rates").fetchone()[0] == ["demo"]  # type: ignore[index]
    without_rate = """
        SELECT count(*) FROM (SELECT currency, issued_at::date AS day FROM invoices
                              UNION SELECT code, %s::date FROM unnest(ARRAY['USD', 'GBP']) AS code) AS needed
        WHERE currency <> 'EUR' AND NOT EXISTS (
            SELECT 1 FROM fx_rates r
            WHERE r.currency = needed.currency AND r.day <= needed.day AND r.day >= needed.day - 7)
    """
    assert pg.execute(without_rate, (TODAY,)).fetchone()[0] == 0  # type: ignore[index]
    assert pg.execute("SELECT count(*) FROM fx_rates WHERE extract(isodow FROM day) > 5").fetchone()[0] == 0  # type: ignore[index]


def test_every_reference_holds(seeded, pg: psycopg.Connection) -> None:
    one = lambda q: pg.execute(q).fetchone()[0]  # noqa: E731
    # Children of a contact or invoice belong to the same account.
    for table in ("support_tickets", "survey_responses", "usage_events"):
        assert (
            one(
                f"SELECT count(*) FROM {table} x JOIN contacts c ON c.id = x.contact_id "
                "WHERE c.account_id <> x.account_id"
            )
            == 0
        )
    assert (
        one(
            "SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id "
            "WHERE p.currency <> i.currency"
        )
        == 0
    )
    assert (
        one(
            "SELECT count(*) FROM usage_events e JOIN accounts a ON a.id = e.account_id "
            "WHERE e.account_external_id <> a.external_id"
        )
        == 0
    )
    assert (
        one(
            "SELECT count(*) FROM usage_events e JOIN contacts c ON c.id = e.contact_id "
            "WHERE e.user_external_id <> c.external_id"
        )
        == 0
    )
    # Owners are the CSM users the seed created; a few accounts have a parent.
    assert one("SELECT count(DISTINCT u.role) FROM accounts a JOIN users u ON u.id = a.owner_id") == 1
    assert one("SELECT min(u.role) FROM accounts a JOIN users u ON u.id = a.owner_id") == "csm"
    assert one("SELECT count(*) FROM accounts WHERE parent_id IS NOT NULL") > 0
    assert one("SELECT count(*) FROM accounts WHERE arr <> mrr * 12") == 0
    # Metrics exist for every live account-day, up to yesterday, and none after churn.
    assert one("SELECT max(day) FROM account_daily_metrics") == date(2026, 11, 24)
    assert (
        one(
            "SELECT count(*) FROM account_daily_metrics m JOIN accounts a ON a.id = m.account_id "
            "WHERE a.churned_at IS NOT NULL AND m.day >= a.churned_at::date"
        )
        == 0
    )
    # Sequences continue after the seeded rows.
    for table in ("accounts", "contacts", "invoices", "payments", "usage_events"):
        assert one(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) > (SELECT max(id) FROM {table})")


def test_raw_events_roll_up_to_the_stored_metrics(seeded, pg: psycopg.Connection) -> None:
    """The roll-up defined in models/conventions.py, in SQL, gives back the stored days exactly."""
    result = pg.execute(
        """
        WITH ev AS (
          SELECT account_id, (occurred_at AT TIME ZONE 'UTC')::date AS day,
                 coalesce(user_external_id, contact_id::text) AS who,
                 extract(hour FROM occurred_at AT TIME ZONE 'UTC') AS hour, event, event_type, properties
          FROM usage_events),
        counted AS (
          SELECT account_id, day, count(*) AS events, count(DISTINCT who) AS active_users,
                 count(DISTINCT (who, hour)) AS sessions,
                 count(*) FILTER (WHERE event = ANY(%(logins)s)) AS logins
          FROM ev GROUP BY 1, 2),
        features AS (
          SELECT account_id, day, jsonb_object_agg(feature, uses) AS feature_usage FROM (
            SELECT account_id, day, coalesce(properties->>%(feature)s, event) AS feature, count(*) AS uses
            FROM ev WHERE event_type = 'track' AND NOT event = ANY(%(logins)s) GROUP BY 1, 2, 3) f
          GROUP BY 1, 2),
        rolled AS (
          SELECT c.*, coalesce(f.feature_usage, '{}'::jsonb) AS feature_usage
          FROM counted c LEFT JOIN features f USING (account_id, day)),
        stored AS (
          SELECT * FROM account_daily_metrics
          WHERE day >= (SELECT min(day) FROM rolled) AND events > 0)
        SELECT (SELECT count(*) FROM rolled), (SELECT count(*) FROM stored),
               (SELECT count(*) FROM rolled r JOIN stored s USING (account_id, day)
                WHERE (r.events, r.active_users, r.sessions, r.logins, r.feature_usage)
                    = (s.events, s.active_users, s.sessions, s.logins, s.feature_usage)),
               (SELECT count(DISTINCT day) FROM rolled)
        """,
        {"logins": list(conventions.LOGIN_EVENTS), "feature": conventions.FEATURE_PROPERTY},
    ).fetchone()
    rolled, stored, equal, days = result  # type: ignore[misc]
    assert rolled > 100
    assert rolled == stored == equal
    assert days == plan_book(60, 4, 3, TODAY).raw_event_days == 7


def test_the_schema_is_intact_after_the_bulk_load(seeded, demo_url: str) -> None:
    database = Database(demo_url)
    try:
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        database.engine.dispose()


def test_a_second_seed_is_refused_without_reset(seeded, demo_env, pg: psycopg.Connection) -> None:
    before = counts(pg)
    result = healthdash(demo_env, *SMALL)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "already holds accounts" in result.stderr and "--reset" in result.stderr
    assert counts(pg) == before


def test_reset_replaces_the_book(seeded, demo_env, pg: psycopg.Connection) -> None:
    pg.execute(
        "INSERT INTO usage_events (message_id, account_external_id, event, occurred_at) "
        "VALUES ('stray-1', 'nobody', 'x', now())"
    )
    args = ["--accounts", "45", "--months", "3", "--seed", "8", "--today", TODAY.isoformat(), "--reset"]
    result = healthdash(demo_env, *args)
    assert result.returncode == 0, result.stderr
    assert counts(pg) == expected_counts(45, 3, 8)
    assert pg.execute("SELECT min(id) FROM accounts").fetchone()[0] == 1  # type: ignore[index]
    assert pg.execute("SELECT count(*) FROM users WHERE role = 'csm'").fetchone()[0] == 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "0"], "--accounts must be between 1 and 1,000,000"),
        (["--accounts", "many"], "--accounts must be a whole number"),
        (["--months", "99"], "--months must be between 1 and 60"),
        (["--today", "2026-13-01"], "--today must be a date as YYYY-MM-DD"),
        (["--seed", "-1"], "--seed must be between 0"),
    ],
)
def test_bad_arguments_get_one_clear_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "seed", *args])
    assert exit_info.value.code != 0
    err = capsys.readouterr().err
    assert err.strip().count("\n") == 0, err
    assert message in err


def test_a_failed_load_leaves_nothing_behind(server_settings: Settings) -> None:
    """The load is one transaction: an error half-way keeps neither rows nor dropped indexes."""
    url = create_test_database(server_settings.database_url or "", prefix="hd_demo_test")
    try:
        migrate.upgrade(url)
        plan = plan_book(BLOCK_SIZE + 1, 1, 1, TODAY)  # two blocks

        def fail_after_first_block(done: int, _total: int) -> None:
            raise RuntimeError("stop here")

        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            owners = [
                conn.execute(
                    "INSERT INTO users (email, name, password_hash, role) VALUES (%s, %s, '!', 'csm') RETURNING id",
                    (email, name),
                ).fetchone()[0]  # type: ignore[index]
                for email, name in plan.owners
            ]
            schema = _schema(conn)
            with pytest.raises(RuntimeError, match="stop here"):
                load(conn, plan, owners, progress=fail_after_first_block)
            assert conn.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0  # type: ignore[index]
            assert conn.execute("SELECT count(*) FROM account_daily_metrics").fetchone()[0] == 0  # type: ignore[index]
            assert _schema(conn) == schema
            # ... and the same connection loads fine afterwards, then refuses a second time.
            report = load(conn, plan, owners)
            assert report.rows["accounts"] == BLOCK_SIZE + 1 and report.deferred
            assert _schema(conn) == schema  # every index and constraint rebuilt as it was
            with pytest.raises(DemoLoadError, match="already holds accounts"):
                load(conn, plan, owners)
    finally:
        drop_database(url)


def _schema(conn: psycopg.Connection) -> list[tuple[str, ...]]:
    """Every index and constraint of the public schema, as PostgreSQL would recreate them."""
    indexes = conn.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'").fetchall()
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = 'public'::regnamespace"
    ).fetchall()
    return sorted(tuple(row) for row in [*indexes, *constraints])
