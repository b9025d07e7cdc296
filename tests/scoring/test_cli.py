"""`healthdash scores ...`, `healthdash scorecards ...` and `healthdash scheduler --once`, run as a user runs them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from dashapp import migrate
from dashapp.services import libpq_url
from dashapp.settings import Settings
from jobs.queues import get_queue, job_prefix, redis_connection
from tests.scoring.book import Book, seed_book
from tests.support.cli import healthdash, one_line_error
from tests.support.database import create_test_database, drop_database


@pytest.fixture(scope="module")
def cli_url(server_settings: Settings) -> Iterator[str]:
    url = create_test_database(server_settings.database_url or "", prefix="hd_cli")
    migrate.upgrade(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
def cli_book(cli_url: str) -> Book:
    with psycopg.connect(libpq_url(cli_url)) as conn:
        return seed_book(conn, accounts=60, days=260, seed=5, churn_fraction=0.5)


@pytest.fixture(scope="module")
def env(test_env: dict[str, str], cli_url: str, settings: Settings) -> Iterator[dict[str, str]]:
    namespace = f"{settings.redis_namespace}cli{uuid.uuid4().hex[:6]}:"
    yield {**test_env, "DATABASE_URL": libpq_url(cli_url), "HEALTHDASH_REDIS_NAMESPACE": namespace}
    client = redis_connection(settings.redis_url or "")
    prefix = job_prefix(settings.with_overrides(redis_namespace=namespace))
    keys = [*client.scan_iter(match=f"*{namespace}*"), *client.scan_iter(match=f"*{prefix}*")]
    if keys:
        client.delete(*keys)


def _one(url: str, sql: str, *params: object) -> tuple:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(sql, params).fetchone()


def test_recompute_with_backfill_writes_every_day(env: dict[str, str], cli_url: str, cli_book: Book) -> None:
    result = healthdash(env, "scores", "recompute", "--backfill", "3", "--as-of", cli_book.today.isoformat())
    assert result.returncode == 0, result.stderr
    active = _one(cli_url, "SELECT count(*) FROM accounts WHERE churned_at IS NULL")[0]
    first = (cli_book.today - timedelta(days=2)).isoformat()
    assert f"Wrote {active * 3:,} snapshots for {first} to {cli_book.today.isoformat()}." in result.stdout
    assert _one(cli_url, "SELECT count(DISTINCT day) FROM health_snapshots") == (3,)


def test_recompute_of_one_account_and_unknown_account(env: dict[str, str], cli_book: Book) -> None:
    external = next(
        e
        for a, e in zip(cli_book.account_ids, cli_book.external_ids, strict=True)
        if a not in cli_book.churned
    )
    result = healthdash(env, "scores", "recompute", "--account", external)
    assert result.returncode == 0, result.stderr
    assert "Wrote 1 snapshots" in result.stdout
    assert one_line_error(healthdash(env, "scores", "recompute", "--account", "nope")) == (
        "Error: no account with external id 'nope'"
    )
    assert "is not a date" in one_line_error(healthdash(env, "scores", "recompute", "--as-of", "31/03/2026"))
    assert one_line_error(healthdash(env, "scores", "recompute", "--segment", "smb", "--changed")) == (
        "Error: use one of --account, --segment or --changed"
    )


def test_recompute_enqueue_queues_a_recorded_run(
    env: dict[str, str], cli_url: str, settings: Settings
) -> None:
    result = healthdash(env, "scores", "recompute", "--segment", "smb", "--enqueue")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Queued run ")
    run_id, job_id = _one(cli_url, "SELECT id, rq_job_id FROM job_runs ORDER BY id DESC LIMIT 1")
    assert f"Queued run {run_id}" in result.stdout
    queue = get_queue("scores", settings.with_overrides(redis_namespace=env["HEALTHDASH_REDIS_NAMESPACE"]))
    assert job_id in queue.get_job_ids()


def test_override_set_show_and_clear(env: dict[str, str], cli_url: str, cli_book: Book) -> None:
    external = next(
        e
        for a, e in zip(cli_book.account_ids, cli_book.external_ids, strict=True)
        if a not in cli_book.churned
    )
    assert healthdash(env, "scores", "recompute", "--account", external).returncode == 0
    expires = (datetime.now(UTC).date() + timedelta(days=14)).isoformat()
    result = healthdash(
        env,
        "scores",
        "override",
        external,
        "--score",
        "15",
        "--reason",
        "Exec sponsor left",
        "--expires",
        expires,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Override set: score 15.0 until {expires}."
    shown = healthdash(env, "scores", "show", external)
    assert shown.returncode == 0 and "15.0 (red)" in shown.stdout and "overridden; computed" in shown.stdout
    data = json.loads(healthdash(env, "scores", "show", external, "--json").stdout)
    assert data["override"]["reason"] == "Exec sponsor left" and data["computed_score"] != 15.0
    assert "--expires is required" in one_line_error(
        healthdash(env, "scores", "override", external, "--band", "red", "--reason", "x")
    )
    assert "band: 'purple' is not one of red, yellow, green" in one_line_error(
        healthdash(
            env, "scores", "override", external, "--band", "purple", "--reason", "x", "--expires", expires
        )
    )
    cleared = healthdash(env, "scores", "override", external, "--clear", "--reason", "back on track")
    assert cleared.stdout.strip() == "Override cleared."
    assert _one(cli_url, "SELECT count(*) FROM audit_log WHERE action LIKE 'health.override.%%'") == (2,)


def test_backtest_prints_the_table(env: dict[str, str], cli_book: Book) -> None:
    dates = [(cli_book.today - timedelta(days=d)).isoformat() for d in (150, 120)]
    result = healthdash(
        env, "scores", "backtest", "--horizon-days", "90", "--as-of", dates[0], "--as-of", dates[1]
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    lines = lines[lines.index("Scorecard 'Default', churn within 90 days of each as-of date:") :]
    assert lines[1].split() == [
        "as",
        "of",
        "accounts",
        "churned",
        "AUC",
        "red",
        "churn",
        "yellow",
        "churn",
        "green",
        "churn",
    ]
    assert lines[2].split()[0] == dates[0] and lines[3].split()[0] == dates[1]
    assert lines[-1].startswith("mean AUC: ")


def test_scorecards_list_show_export_import(env: dict[str, str], tmp_path: Path) -> None:
    listed = healthdash(env, "scorecards", "list")
    assert listed.returncode == 0 and "Default\tv1\teveryone else (default)" in listed.stdout
    shown = healthdash(env, "scorecards", "show", "Default")
    assert (
        "Usage (30%)" in shown.stdout and "bands: red from 0, yellow from 45, green from 70" in shown.stdout
    )
    exported = healthdash(env, "scorecards", "export", "default")
    data = json.loads(exported.stdout)
    data.update(name="Enterprise", default=False, match={"segment": ["enterprise"]}, priority=10)
    data["definition"]["bands"][1]["min_score"] = 50
    path = tmp_path / "enterprise.json"
    path.write_text(json.dumps(data))
    assert (
        healthdash(env, "scorecards", "import", str(path)).stdout.strip()
        == "Scorecard 'Enterprise': created."
    )
    assert (
        healthdash(env, "scorecards", "import", str(path)).stdout.strip()
        == "Scorecard 'Enterprise': unchanged."
    )
    data["definition"]["bands"][1]["min_score"] = 55
    path.write_text(json.dumps(data))
    assert (
        healthdash(env, "scorecards", "import", str(path)).stdout.strip()
        == "Scorecard 'Enterprise': updated."
    )
    assert "Enterprise\tv2" in healthdash(env, "scorecards", "list").stdout
    data["definition"]["groups"][0]["weight"] = "heavy"
    path.write_text(json.dumps(data))
    assert "groups[0].weight" in one_line_error(healthdash(env, "scorecards", "import", str(path)))
    path.write_text("{not json")
    assert "is not valid JSON" in one_line_error(healthdash(env, "scorecards", "import", str(path)))
    assert one_line_error(healthdash(env, "scorecards", "show", "Nope")) == "Error: no scorecard named 'Nope'"


def test_scheduler_once_enqueues_what_is_due_once(env: dict[str, str]) -> None:
    # One moment for both runs: the every-minute jobs would otherwise be due again after a minute boundary.
    now = datetime.now(UTC).replace(second=5, microsecond=0).isoformat()
    first = healthdash(env, "scheduler", "--once", "--now", now)
    assert first.returncode == 0, first.stderr
    head, *listed = first.stdout.strip().splitlines()
    assert head == f"Enqueued {len(listed)} job(s)" and len(listed) >= 2
    assert "Nightly health recompute" in first.stdout and "Hourly health recompute" in first.stdout
    again = healthdash(env, "scheduler", "--once", "--now", now)
    assert again.stdout.strip() == "Enqueued 0 job(s)"


def test_as_of_before_any_data_says_so_in_one_line(env: dict[str, str], cli_book: Book) -> None:
    result = healthdash(env, "scores", "recompute", "--as-of", "2001-02-03")
    assert result.returncode == 0, result.stderr
    assert "Nothing to score for 2001-02-03" in result.stdout and "Traceback" not in result.stderr
    backtest = healthdash(env, "scores", "backtest", "--as-of", "2001-02-03", "--label", "inactive")
    assert backtest.returncode != 0 and "Traceback" not in backtest.stderr
    assert "nothing to score" in one_line_error(backtest)


def test_backtest_with_inactivity_as_the_outcome(env: dict[str, str], cli_book: Book) -> None:
    day = (cli_book.today - timedelta(days=120)).isoformat()
    result = healthdash(
        env, "scores", "backtest", "--horizon-days", "60", "--as-of", day, "--label", "inactive"
    )
    assert result.returncode == 0, result.stderr
    assert "Scorecard 'Default', no activity within 60 days of each as-of date:" in result.stdout
