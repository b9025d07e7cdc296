"""The `healthdash` commands of this area, run as a user would (child processes on this run's database)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from models.account import Account
from models.activity import AccountDailyMetric, UsageEvent
from models.db import Database


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashapp.cli.entry", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_import_command_reports_writes_the_error_file_and_dry_runs(
    committed: Database, test_env, tmp_path
) -> None:
    source = tmp_path / "accounts.csv"
    source.write_text("id,name,mrr\nc-1,One,10\nc-2,Two,ten\n")
    dry = _cli(test_env, "import", "accounts", str(source), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1 new" in dry.stdout and "dry run" in dry.stdout
    with committed.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 0
    real = _cli(test_env, "import", "accounts", str(source))
    assert real.returncode == 0 and "1 refused" in real.stdout
    report = Path(str(source) + ".errors.csv").read_text()
    assert report.splitlines() == ["row,column,value,reason", "3,mrr,ten,mrr: 'ten' is not a number"]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    failed = _cli(test_env, "import", "contacts", str(empty))
    assert failed.returncode == 1 and "empty" in failed.stderr
    bad_map = _cli(test_env, "import", "accounts", str(source), "--map", "nonsense")
    assert bad_map.returncode == 1 and "COLUMN=FIELD" in bad_map.stderr


def test_write_keys_commands(committed: Database, test_env) -> None:
    created = _cli(test_env, "write-keys", "create", "mobile app")
    assert created.returncode == 0 and created.stdout.strip().splitlines()[-1].startswith("hdwk_")
    assert _cli(test_env, "write-keys", "create", "mobile app").returncode == 1
    listed = _cli(test_env, "write-keys", "list")
    assert "mobile app" in listed.stdout and "active" in listed.stdout and "hdwk_" in listed.stdout
    assert created.stdout.strip().splitlines()[-1] not in listed.stdout
    assert _cli(test_env, "write-keys", "revoke", "mobile app").returncode == 0
    assert "revoked" in _cli(test_env, "write-keys", "list").stdout
    missing = _cli(test_env, "write-keys", "revoke", "mobile app")
    assert missing.returncode == 1 and "no active write key" in missing.stderr


def test_rollup_rebuild_command(committed: Database, test_env, tmp_path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("account,user,event,timestamp\nr-1,u1,Signed In,2024-02-01T10:00:00Z\n")
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("id,name\nr-1,Rolled\n")
    assert _cli(test_env, "import", "accounts", str(accounts)).returncode == 0
    assert _cli(test_env, "import", "events", str(events)).returncode == 0
    result = _cli(test_env, "rollup", "rebuild")
    assert result.returncode == 0, result.stderr
    assert "1 accounts, 1 account-days: 1 changed" in result.stdout
    with committed.transaction() as session:
        metric = session.scalar(select(AccountDailyMetric))
        assert (metric.events, metric.logins, metric.active_users) == (1, 1, 1)
        assert session.scalar(select(func.count()).select_from(UsageEvent)) == 1
    assert _cli(test_env, "rollup", "rebuild", "--account", "999").returncode == 1
