"""`healthdash backup restore FILE`: rebuild an install from a `healthdash backup create` archive.

Only into an empty database (no tables): restoring over live data would mix two histories. The archive is
checked first (every checksum in its manifest), then pg_restore runs in one transaction, then every
table's row count and checksum is compared with the manifest, then the export files are put back.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from dashapp.cache import bump_data_version
from dashapp.exports.files import export_dir
from dashapp.ops.backup import DUMP, FILES, FORMAT_VERSION, MANIFEST, BackupError, first_line, sha256_of
from dashapp.ops.figures import server_major, table_figures, user_tables
from dashapp.ops.pgtools import find_tool
from dashapp.services import libpq_url
from dashapp.settings import Settings


@dataclass
class RestoreReport:
    database: str
    tables: int
    rows: int
    files: int
    mismatches: list[str] = field(default_factory=list)


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


def _unpack(archive: Path, work: Path) -> dict[str, Any]:
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file")
    try:
        with tarfile.open(archive, "r") as tar:
            members = tar.getmembers()
            bad = [m.name for m in members if not _safe_member(m.name) or not (m.isfile() or m.isdir())]
            if bad:
                raise BackupError(
                    f"{archive} holds unexpected entries ({bad[0]}); it is not a healthdash backup"
                )
            tar.extractall(work, filter="data")
    except tarfile.TarError as exc:
        raise BackupError(f"{archive} is not a readable backup archive ({exc})") from None
    try:
        manifest = json.loads((work / MANIFEST).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        raise BackupError(f"{archive} has no readable {MANIFEST}; it is not a healthdash backup") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(
            f"{archive} is backup format {manifest.get('format')!r}; this version reads {FORMAT_VERSION}"
        )
    return manifest


def _verify_archive(manifest: dict[str, Any], work: Path) -> None:
    dump = work / DUMP
    if not dump.is_file() or sha256_of(dump) != manifest["database"]["dump_sha256"]:
        raise BackupError("the database dump in the archive is damaged (checksum mismatch)")
    for entry in manifest["files"]:
        path = work / FILES / entry["path"]
        if not path.is_file() or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"export file {entry['path']} in the archive is damaged (checksum mismatch)")


def _require_empty(url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(url) as conn:
        tables = user_tables(conn)
    if tables:
        raise BackupError(
            f"database {name!r} is not empty ({len(tables)} tables); restore into a new, empty database"
        )


def compare(expected: dict[str, dict[str, Any]], url: str) -> tuple[list[str], int]:
    """Mismatches between the manifest's table figures and the database's, and the rows counted."""
    with psycopg.connect(url) as conn:
        actual = table_figures(conn)
        conn.rollback()
    problems = []
    for name in sorted(set(expected) | set(actual)):
        want, have = expected.get(name), actual.get(name)
        if want is None or have is None:
            problems.append(f"{name}: {'missing after restore' if have is None else 'not in the backup'}")
        elif (want["rows"], want["checksum"]) != (have.rows, have.checksum):
            problems.append(
                f"{name}: expected {want['rows']} rows, found {have.rows} (or the checksums differ)"
            )
    return problems, sum(fig.rows for fig in actual.values())


def restore_backup(settings: Settings, archive: Path) -> RestoreReport:
    url = libpq_url(settings.database_url or "")
    _require_empty(url)
    with tempfile.TemporaryDirectory(prefix="healthdash-restore-") as tmp:
        work = Path(tmp)
        manifest = _unpack(archive, work)
        _verify_archive(manifest, work)
        with psycopg.connect(url) as conn:
            major = server_major(conn)
        pg_restore = find_tool("pg_restore", major)
        command = [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
        ]
        done = subprocess.run(
            [*command, f"--dbname={url}", str(work / DUMP)], capture_output=True, text=True, timeout=24 * 3600
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {first_line(done.stderr)}")
        mismatches, rows = compare(manifest["database"]["tables"], url)
        bump_data_version(settings, "restore")  # entries cached from whatever was there before
        target = export_dir(settings)
        for entry in manifest["files"]:
            destination = target / entry["path"]
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / FILES / entry["path"], destination)
    report = RestoreReport(
        database=make_url(url).database or "",
        tables=len(manifest["database"]["tables"]),
        rows=rows,
        files=len(manifest["files"]),
        mismatches=mismatches,
    )
    if mismatches:
        raise BackupError(f"the restored database differs from the backup: {'; '.join(mismatches[:3])}")
    return report
