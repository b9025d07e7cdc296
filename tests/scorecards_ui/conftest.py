"""Fixtures for the Scorecards page and the override control: a scored book, and page code run as a user."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import Connection

from dashapp.scoring import engine
from models.db import Database
from tests.explore.conftest import as_user, page  # noqa: F401  (fixtures shared with the explore pages)
from tests.scoring.book import Book, seed_book


@pytest.fixture
def raw(connection: Connection) -> psycopg.Connection:
    return connection.connection.driver_connection  # type: ignore[return-value]


@pytest.fixture
def scored(raw: psycopg.Connection, db: Database, connection: Connection) -> Book:
    """36 accounts with 300 days of usage, tickets, billing and surveys, scored for today."""
    book = seed_book(raw, accounts=36, days=300)
    db.bind_to(connection)
    try:
        engine.recompute(db, as_of=book.today)
    finally:
        db.unbind()
    return book
