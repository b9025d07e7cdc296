"""Scoring fixtures: the app database bound to the test's rolled-back transaction, and a seeded book."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy.engine import Connection

from models.db import Database
from tests.scoring.book import Book, seed_book


@pytest.fixture
def scoring_db(db: Database, connection: Connection) -> Iterator[Database]:
    """`db` whose sessions join the test transaction (rolled back after the test), as the engine uses it."""
    db.bind_to(connection)
    try:
        yield db
    finally:
        db.unbind()


@pytest.fixture
def raw(connection: Connection) -> psycopg.Connection:
    return connection.connection.driver_connection  # type: ignore[return-value]


@pytest.fixture
def book(raw: psycopg.Connection) -> Book:
    return seed_book(raw, accounts=36, days=150)
