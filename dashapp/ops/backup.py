"""`healthdash backup create`: one tar archive holding everything needed to rebuild an install.

    manifest.json      what is inside: per-table row counts and checksums, file checksums, versions
    database.dump      pg_dump, custom format (compressed; restorable table by table with pg_restore)
    files/...          the export files directory (CSV and PDF exports users can still download)

The row counts and checksums are read in the very snapshot pg_dump dumps (`pg_export_snapshot`), so the
manifest describes exactly the data in the dump even while the app keeps writing.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

from dashapp.exports.files import export_dir
from dashapp.ops.figures import server_major, table_figures
from dashapp.ops.pgtools import find_tool
from dashapp.services import libpq_url
from dashapp.settings import Settings

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says why in one line."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_dir(settings: Settings) -> Path:
    return settings.backup_dir or settings.data_dir / "backups"


def default_name(now: datetime) -> str:
    return f"healthdash-backup-{now:%Y%m%dT%H%M%SZ}.tar"


def _version() -> str:
    try:
        return metadata.version("healthdash")
    except metadata.PackageNotFoundError:
        return "unknown"


def _files(folder: Path) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    return [
        {"path": path.relative_to(folder).as_posix(), "size": path.stat().st_size, "sha256": sha256_of(path)}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    ]


def _dump(settings: Settings, target: Path) -> dict[str, Any]:
    """pg_dump into `target` from a snapshot whose tables are measured in the same transaction."""
    url = libpq_url(settings.database_url or "")
    with psycopg.connect(url) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        major = server_major(conn)
        pg_dump = find_tool("pg_dump", major)
        revision = (
            conn.execute("SELECT version_num FROM alembic_version LIMIT 1").fetchone()
            if _has_alembic(conn)
            else None
        )
        command = [str(pg_dump), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"]
        command += [f"--file={target}", f"--dbname={url}"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=24 * 3600)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {first_line(done.stderr)}")
        tables = table_figures(conn)
        conn.rollback()
    return {
        "server_major": major,
        "pg_dump": str(pg_dump),
        "schema_revision": revision[0] if revision else None,
        "tables": {name: asdict(fig) for name, fig in tables.items()},
    }


def _has_alembic(conn: psycopg.Connection) -> bool:
    return bool(conn.execute("SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()[0])  # type: ignore[index]


def first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no error output"


def create_backup(settings: Settings, output: Path | None = None, now: datetime | None = None) -> Path:
    """Write the archive and return its path: `output` is the archive's name when it ends in .tar, else the
    folder to put it in (created if needed); without it, the backup folder."""
    now = now or datetime.now(UTC)
    if output is None:
        target = backup_dir(settings) / default_name(now)
    elif output.suffix == ".tar" and not output.is_dir():
        target = output
    else:
        target = output / default_name(now)
    target = target.expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"{target} already exists; choose another --output")
    exports = export_dir(settings)
    with tempfile.TemporaryDirectory(prefix="healthdash-backup-", dir=target.parent) as work:
        dump = Path(work) / DUMP
        database = _dump(settings, dump)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "healthdash_version": _version(),
            "database": {**database, "dump_sha256": sha256_of(dump), "dump_size": dump.stat().st_size},
            "files": _files(exports),
        }
        manifest_path = Path(work) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = Path(work) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            archive.add(manifest_path, arcname=MANIFEST)
            archive.add(dump, arcname=DUMP)
            for entry in manifest["files"]:
                archive.add(exports / entry["path"], arcname=f"{FILES}/{entry['path']}")
        partial.chmod(0o600)  # the dump holds every customer's data
        partial.replace(target)
    return target
