"""Fixtures for operations tests: a committed database and Redis namespace for jobs, and a scrape helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from dashapp.settings import Settings
from jobs.queues import all_queues, redis_connection
from jobs.workers import Worker
from models.db import Database
from tests.support.database import truncate_all
from tests.support.jobs import committed_database, job_database, worker_environment


@pytest.fixture(scope="module")
def ops_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_ops") as url:
        yield url


@pytest.fixture
def osettings(settings: Settings, ops_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings of their own (database, Redis namespace), also seen by jobs through the environment."""
    with worker_environment(settings, ops_url, "ops", monkeypatch) as local:
        yield local


@pytest.fixture
def odb(osettings: Settings) -> Iterator[Database]:
    with job_database(osettings) as database:
        yield database
        truncate_all(database.engine)


@pytest.fixture
def live_worker(settings: Settings) -> Iterator[Worker]:
    """A worker registered in RQ's registry on the app's queues, as `healthdash worker` registers itself."""
    worker = Worker(all_queues(settings), connection=redis_connection(settings.redis_url or ""))
    worker.register_birth()
    try:
        yield worker
    finally:
        worker.register_death()


def scrape(client: FlaskClient, **kwargs) -> dict[str, list]:
    """GET /metrics, parsed by the official parser: {family name: [samples]}."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    families = text_string_to_metric_families(response.get_data(as_text=True))
    return {family.name: family.samples for family in families}


def sample_value(samples: list, name: str, **labels: str) -> float | None:
    for sample in samples:
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
            return sample.value
    return None
