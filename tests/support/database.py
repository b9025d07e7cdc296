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


def truncate_all(engine) -> None:
    """Empty every table (for tests whose data had to be committed, e.g. for a live server)."""
    from sqlalchemy import text

    from models.db import Base

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
