"""The `healthdash` command as a user runs it: a child process on this run's database and Redis.

Bad input of every kind ends in one line on stderr that says what is wrong, and a non-zero exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dashapp import migrate
from dashapp.auth.passwords import verify_password
from dashapp.settings import Settings
from models.db import Database
from models.user import User
from tests.support.cli import healthdash, one_line_error
from tests.support.database import create_test_database, drop_database, truncate_all
from tests.support.live_server import child_env


@pytest.fixture
def committed(db: Database) -> Iterator[Database]:
    """The CLI commits in its own process; empty the tables afterwards."""
    yield db
    truncate_all(db.engine)


def test_users_create_reads_the_password_from_stdin(test_env: dict[str, str], committed: Database) -> None:
    result = healthdash(
        test_env, "users", "create", "New.CSM@Example.com", "--role", "csm", "--name", "Nia", "--password-stdin",
        stdin="a-long-password\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Created new.csm@example.com (csm)."
    with committed.transaction() as session:
        user = session.scalars(select(User).where(User.email == "new.csm@example.com")).one()
        assert (user.role, user.name, user.is_active) == ("csm", "Nia", True)
        assert verify_password(user.password_hash, "a-long-password")
    listed = healthdash(test_env, "users", "list")
    assert "new.csm@example.com\tcsm\tactive" in listed.stdout


def test_a_duplicate_user_is_one_line_and_exit_1(test_env: dict[str, str], committed: Database) -> None:
    args = ("users", "create", "dup@example.com", "--role", "viewer", "--password-stdin")
    assert healthdash(test_env, *args, stdin="password-one\n").returncode == 0
    result = healthdash(test_env, *args, stdin="password-two\n")
    assert result.returncode == 1
    assert one_line_error(result) == "Error: a user with email dup@example.com already exists"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--role", "superuser"), "a-long-password\n", "Invalid value for '--role'"),
        ((), "a-long-password\n", "Missing option '--role'"),
    ],
)
def test_malformed_arguments_exit_2(test_env: dict[str, str], args: tuple, stdin: str, message: str) -> None:
    result = healthdash(test_env, "users", "create", "x@example.com", *args, "--password-stdin", stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", "a-long-password", "is not an email address"),
        ("short@example.com", "short-pass", "password is too short"),
        ("common@example.com", "qwerty123456", "too commonly used"),
        ("empty@example.com", "", "no password on standard input"),
    ],
)
def test_bad_user_input_is_one_line(
    test_env: dict[str, str], email: str, password: str, message: str
) -> None:
    result = healthdash(
        test_env, "users", "create", email, "--role", "csm", "--password-stdin", stdin=password + "\n"
    )
    assert result.returncode == 1
    assert message in one_line_error(result)


def test_a_database_url_that_is_not_postgres_is_refused(test_env: dict[str, str]) -> None:
    result = healthdash(child_env(test_env, DATABASE_URL="mysql://root@127.0.0.1/app"), "db", "current")
    line = one_line_error(result)
    assert "DATABASE_URL scheme 'mysql' is not supported" in line


def test_an_unreachable_database_is_one_clear_line(test_env: dict[str, str]) -> None:
    result = healthdash(
        child_env(test_env, DATABASE_URL="postgresql://postgres@127.0.0.1:1/postgres"), "db", "current"
    )
    line = one_line_error(result)
    assert line.startswith("Error: Cannot reach PostgreSQL at")
    assert "Check DATABASE_URL" in line


def _wrong_database_index(redis_url: str) -> str:
    """The same Redis server with a database index it does not have."""
    if redis_url.startswith("unix://"):
        return redis_url.split("?")[0] + "?db=999"
    return redis_url.rsplit("/", 1)[0] + "/999"


@pytest.mark.parametrize("which", ["unreachable", "bad database index"])
def test_an_unreachable_or_wrong_redis_is_one_clear_line(
    test_env: dict[str, str], settings: Settings, which: str
) -> None:
    url = (
        "redis://127.0.0.1:1/0" if which == "unreachable" else _wrong_database_index(settings.redis_url or "")
    )
    result = healthdash(child_env(test_env, REDIS_URL=url), "db", "current")
    line = one_line_error(result)
    assert line.startswith("Error: Cannot reach Redis at")
    assert "Check REDIS_URL" in line


def test_a_password_in_an_unreachable_url_is_not_printed(test_env: dict[str, str]) -> None:
    url = "postgresql://app:s3cret-pass@127.0.0.1:1/postgres"
    line = one_line_error(healthdash(child_env(test_env, DATABASE_URL=url), "db", "current"))
    assert "s3cret-pass" not in line
    assert "app:***@127.0.0.1:1" in line


def test_production_without_secret_key_is_one_clear_line(test_env: dict[str, str]) -> None:
    env = child_env(test_env, HEALTHDASH_ENV="production", SECRET_KEY=None)
    line = one_line_error(healthdash(env, "db", "current"))
    assert "SECRET_KEY is not set" in line


def test_a_malformed_setting_names_the_variable(test_env: dict[str, str]) -> None:
    line = one_line_error(healthdash(child_env(test_env, PORT="eighty"), "db", "current"))
    assert "PORT='eighty' is not a whole number" in line


def test_db_upgrade_current_and_check_on_a_new_database(test_env: dict[str, str], settings: Settings) -> None:
    url = create_test_database(settings.database_url or "", prefix="hd_cli")
    env = child_env(test_env, DATABASE_URL=url)
    try:
        assert healthdash(env, "db", "current").stdout.strip() == "(empty database)"
        behind = healthdash(env, "db", "check")
        assert behind.returncode == 1
        assert "run `healthdash db upgrade`" in one_line_error(behind)
        refused = healthdash(env, "users", "list")
        assert "not migrated" in one_line_error(refused)

        head = migrate.heads()[0]
        upgraded = healthdash(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        assert f"Database at revision {head}." in upgraded.stdout
        assert healthdash(env, "db", "current").stdout.strip() == head
        check = healthdash(env, "db", "check")
        assert check.returncode == 0 and "up to date" in check.stdout
    finally:
        drop_database(url)


def test_services_status_names_external_servers(test_env: dict[str, str]) -> None:
    result = healthdash(test_env, "services", "status")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "PostgreSQL: external (DATABASE_URL)",
        "Redis: external (REDIS_URL)",
    ]


def test_services_status_reports_stopped_embedded_servers(tmp_path: Path) -> None:
    env = child_env(DATABASE_URL=None, REDIS_URL=None, HEALTHDASH_DATA_DIR=str(tmp_path))
    result = healthdash(env, "services", "status")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"PostgreSQL: embedded in {tmp_path / 'postgres'}, stopped",
        f"Redis: embedded in {tmp_path / 'redis'}, stopped",
    ]
