"""`healthdash forecasts run | list | evaluate`, run as a user runs them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashapp import migrate
from dashapp.services import libpq_url
from dashapp.settings import Settings
from models.db import Database
from tests.forecasts.book import seed_forecast_book
from tests.support.cli import healthdash, one_line_error
from tests.support.database import create_test_database, drop_database

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cli_env(
    test_env: dict[str, str], server_settings: Settings, settings: Settings
) -> Iterator[dict[str, str]]:
    url = create_test_database(server_settings.database_url or "", prefix="hd_fccli")
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as session:
        seed_forecast_book(session, days=40)
    db.engine.dispose()
    namespace = f"{settings.redis_namespace}fccli{uuid.uuid4().hex[:6]}:"
    yield {**test_env, "DATABASE_URL": libpq_url(url), "HEALTHDASH_REDIS_NAMESPACE": namespace}
    drop_database(url)


def test_run_list_and_rerun(cli_env: dict[str, str]) -> None:
    empty = healthdash(cli_env, "forecasts", "list")
    assert empty.returncode == 0 and "No forecasts yet" in empty.stdout
    one = healthdash(cli_env, "forecasts", "run", "--key", "book:all:avg_score")
    assert one.returncode == 0, one.stderr
    assert one.stdout.strip() == "1 series: 1 fitted."
    listed = healthdash(cli_env, "forecasts", "list")
    assert "book:all:avg_score  [fitted]" in listed.stdout and "30 days: " in listed.stdout
    assert "90 days: Not evaluated: needs at least 118 days" in listed.stdout
    again = healthdash(cli_env, "forecasts", "run", "--key", "book:all:avg_score")
    assert again.stdout.strip() == "1 series: 1 unchanged."
    queued = healthdash(cli_env, "forecasts", "run", "--enqueue")
    assert queued.returncode == 0 and queued.stdout.startswith("Queued run ")


def test_a_bad_key_is_one_clear_line(cli_env: dict[str, str]) -> None:
    line = one_line_error(healthdash(cli_env, "forecasts", "run", "--key", "book:all:happiness"))
    assert "is not a series key" in line and "book:all:<metric>" in line


def test_evaluate_a_csv(cli_env: dict[str, str], tmp_path: Path) -> None:
    days = pd.date_range("2025-01-01", periods=120, freq="D")
    weekly = np.array([0, 1, 2, 3, 2, -4, -5.0])[np.arange(120) % 7]
    values = 50 + 0.1 * np.arange(120) + weekly + np.random.default_rng(1).normal(0, 0.3, 120)
    good = tmp_path / "series.csv"
    pd.DataFrame({"ds": days.date, "y": values}).to_csv(good, index=False)
    result = healthdash(cli_env, "forecasts", "evaluate", str(good))
    assert result.returncode == 0, result.stderr
    assert "series.csv: 120 days" in result.stdout
    assert " 30 days: MASE vs seasonal naive " in result.stdout
    assert " 90 days: not evaluated (needs at least 118 days" not in result.stdout  # 120 days is enough
    bad = tmp_path / "bad.csv"
    bad.write_text("day,value\n2025-01-01,1\n")
    assert "missing column(s) ds, y" in one_line_error(healthdash(cli_env, "forecasts", "evaluate", str(bad)))
