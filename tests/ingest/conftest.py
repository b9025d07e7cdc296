"""Fixtures for ingestion tests: write keys, signed webhook helpers, committed-data clean-up."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from dashapp.extensions import runtime as app_runtime
from dashapp.ingest.writekeys import create_write_key
from models.db import Database
from tests.support.database import truncate_all

STRIPE_SECRET = "whsec_test_secret_for_healthdash"
SUPPORT_SECRET = "support-shared-secret-for-tests"


def basic(key: str) -> dict[str, str]:
    """The Authorization header Segment clients send: HTTP Basic with the key as user name."""
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


@pytest.fixture
def write_key(session: Session) -> str:
    _row, key = create_write_key(session, "test source")
    session.flush()
    return key


@pytest.fixture
def webhook_secrets(app: Flask) -> Iterator[None]:
    """Configure the webhook secrets on the running app for one test."""
    with app.app_context():
        rt = app_runtime()
    original = rt.settings
    rt.settings = original.with_overrides(
        stripe_webhook_secret=STRIPE_SECRET, support_webhook_secret=SUPPORT_SECRET
    )
    try:
        yield
    finally:
        rt.settings = original


@pytest.fixture
def committed(db: Database) -> Iterator[Database]:
    """For tests whose data must be committed (CSV imports, jobs, live servers): emptied afterwards."""
    truncate_all(db.engine)
    yield db
    truncate_all(db.engine)
