"""Churn fixtures: the app database bound to the test's rolled-back transaction, and books to learn from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import Connection

from models.db import Database
from tests.scoring.book import Book, seed_book


def shared_data() -> Path:
    """`../shared/data` beside the checkout (or beside a folder holding it, for a worktree)."""
    for parent in Path(__file__).resolve().parents[2].parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return Path("../shared/data")


TELCO = shared_data() / "telco_churn.csv"


@pytest.fixture
def churn_db(db: Database, connection: Connection) -> Iterator[Database]:
    """`db` whose sessions join the test transaction (rolled back after the test)."""
    db.bind_to(connection)
    try:
        yield db
    finally:
        db.unbind()


@pytest.fixture
def raw(connection: Connection) -> psycopg.Connection:
    return connection.connection.driver_connection  # type: ignore[return-value]


@pytest.fixture
def history_book(raw: psycopg.Connection) -> Book:
    """240 accounts with 260 days of usage, tickets and invoices; about a third churn along the way."""
    return seed_book(raw, accounts=240, days=260, churn_fraction=0.4, prefix="ch")
