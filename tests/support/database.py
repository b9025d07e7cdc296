"""One throw-away database per test run on the configured (or embedded) PostgreSQL server."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy.engine import make_url

from dashapp.services import libpq_url


def admin_url(database_url: str) -> str:
    """The same server, maintenance database `postgres`."""
    url = make_url(database_url).set(database="postgres")
    return url.render_as_string(hide_password=False)


def create_test_database(server_url: str, prefix: str = "hd_test") -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(admin_url(server_url)), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_database(database_url: str) -> None:
    name = make_url(database_url).database
    with psycopg.connect(libpq_url(admin_url(database_url)), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def truncate_all(engine, attempts: int = 5) -> None:
    """Empty every table (for tests whose data had to be committed, e.g. for a live server).

    A worker or server of the test may still be finishing a job on those rows: the TRUNCATE then loses a
    deadlock (PostgreSQL aborts it, never the other side's work) and is simply tried again."""
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from models.db import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError as exc:
            if not isinstance(exc.orig, psycopg.errors.DeadlockDetected) or attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))
