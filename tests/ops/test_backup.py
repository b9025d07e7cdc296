"""`healthdash backup create` then `healthdash backup restore` into a fresh database: every table's row count
and checksum, and every export file, come back the same; a non-empty database is refused."""

from __future__ import annotations

import hashlib
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from dashapp.ops.figures import table_figures
from dashapp.services import libpq_url
from models.activity import UsageEvent
from models.db import Database
from tests.support.cli import healthdash, one_line_error
from tests.support.database import create_test_database, drop_database
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health


def _figures(url: str) -> dict:
    with psycopg.connect(libpq_url(url)) as conn:
        return table_figures(conn)


def _seed(db: Database) -> None:
    with db.transaction() as session:
        make_user(session, role="admin")
        account = make_account(session, name="Zoë & Co — «quoted»")
        now = datetime(2026, 11, 3, 12, 30, 15, 123456, tzinfo=UTC)
        session.add_all(
            UsageEvent(
                message_id=f"bk-{i}",
                account_id=account.id,
                event="login",
                occurred_at=now,
                properties={"n": i},
            )
            for i in range(25)
        )
        make_health(session, account, 61.25)


def test_a_backup_restores_into_a_fresh_database_table_by_table(
    test_env, ops_url, odb, tmp_path: Path
) -> None:
    _seed(odb)
    exports = tmp_path / "exports"
    (exports / "2026-11").mkdir(parents=True)
    (exports / "2026-11" / "accounts.csv").write_text("id,name\n1,Zoë\n")
    (exports / "book.pdf").write_bytes(b"%PDF-1.7 not really")
    env = {**test_env, "DATABASE_URL": ops_url, "EXPORT_DIR": str(exports)}

    created = healthdash(env, "backup", "create", "--output", str(tmp_path / "backups") + "/")
    assert created.returncode == 0, created.stderr
    archive = Path(created.stdout.strip())
    assert archive.parent == tmp_path / "backups" and archive.is_file()
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    assert {"manifest.json", "database.dump", "files/book.pdf", "files/2026-11/accounts.csv"} <= names
    original = _figures(ops_url)
    assert manifest["database"]["tables"]["public.usage_events"] == {
        "rows": 25,
        "checksum": original["public.usage_events"].checksum,
    }
    assert {f["path"] for f in manifest["files"]} == {"book.pdf", "2026-11/accounts.csv"}

    fresh = create_test_database(ops_url, prefix="hd_restore")
    restored_exports = tmp_path / "restored-exports"
    try:
        restore_env = {**env, "DATABASE_URL": fresh, "EXPORT_DIR": str(restored_exports)}
        restored = healthdash(restore_env, "backup", "restore", str(archive))
        assert restored.returncode == 0, restored.stderr
        assert "all matching the backup" in restored.stdout
        copy = _figures(fresh)
        assert set(copy) == set(original)
        for table, figures in original.items():
            assert copy[table] == figures, table
        assert original["public.usage_events"].rows == 25 and original["public.accounts"].rows == 1
        for relative in ("book.pdf", "2026-11/accounts.csv"):
            assert (
                hashlib.sha256((restored_exports / relative).read_bytes()).digest()
                == hashlib.sha256((exports / relative).read_bytes()).digest()
            )

        again = healthdash(restore_env, "backup", "restore", str(archive))
        assert "is not empty" in one_line_error(again)
    finally:
        drop_database(fresh)


def test_a_damaged_archive_is_refused_before_anything_is_restored(
    test_env, ops_url, odb, tmp_path: Path
) -> None:
    _seed(odb)
    env = {**test_env, "DATABASE_URL": ops_url, "EXPORT_DIR": str(tmp_path / "none")}
    archive = Path(healthdash(env, "backup", "create", "--output", str(tmp_path / "b.tar")).stdout.strip())
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "database.dump":
                data = data[:-10] + b"0123456789"
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            target.addfile(info, __import__("io").BytesIO(data))
    fresh = create_test_database(ops_url, prefix="hd_restore")
    try:
        result = healthdash({**env, "DATABASE_URL": fresh}, "backup", "restore", str(damaged))
        assert "damaged" in one_line_error(result)
        assert _figures(fresh) == {}
    finally:
        drop_database(fresh)
