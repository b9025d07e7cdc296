"""Run one CSV import: stream the file, convert and validate rows, write them a chunk at a time.

Used by `healthdash import KIND FILE` and by the admin page's import job. Every import is recorded in
`data_imports` with its counts; row errors go to `import_row_errors` (the first `MAX_STORED_ERRORS`, all
counted) from which the error report CSV is produced. Each chunk is committed on its own (progress is
durable and a re-run resumes for free, since imports are idempotent); a dry run does all the work in
one transaction and rolls it back, so its report says exactly what a real run would do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from dashapp.cache import bump_data_version
from dashapp.csvsafe import neutralise_row
from dashapp.ingest.csv_reader import CsvStream, FileProblem, normalise_encoding
from dashapp.ingest.importers import ChunkImporter, ErrorRow
from dashapp.ingest.mapping import build_mapping, convert, parse_overrides
from dashapp.settings import Settings
from models.audit import set_change_source
from models.db import Database
from models.ingest import DataImport, ImportRowError

CHUNK_ROWS = 10_000
MAX_STORED_ERRORS = 100_000
Progress = Callable[[float, str], None]


@dataclass
class ImportOptions:
    kind: str
    mapping: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    encoding: str = "utf-8"
    filename: str = ""
    requested_by_id: int | None = None
    churned_on: date | None = None  # accounts: the day a yes in a churn flag column churned on

    @classmethod
    def from_cli(cls, kind: str, maps: tuple[str, ...], **kw: Any) -> ImportOptions:
        return cls(kind=kind, mapping=parse_overrides(maps), **kw)


def start_import(db: Database, options: ImportOptions) -> int:
    """Record an import about to run (the admin page does this before enqueuing the job)."""
    with db.transaction() as session:
        row = DataImport(
            kind=options.kind,
            filename=options.filename[:500],
            dry_run=options.dry_run,
            requested_by_id=options.requested_by_id,
            options={
                "mapping": options.mapping,
                "encoding": options.encoding,
                **({"churned_on": options.churned_on.isoformat()} if options.churned_on else {}),
            },
        )
        session.add(row)
        session.flush()
        return row.id


class _Book:
    """The import's record and its row errors, written on their own connection as the import goes."""

    def __init__(self, db: Database, import_id: int) -> None:
        self.db, self.import_id = db, import_id
        self.counts = {
            "rows_read": 0,
            "rows_inserted": 0,
            "rows_updated": 0,
            "rows_unchanged": 0,
            "rows_failed": 0,
        }
        self.error_count = 0
        self._errors: list[ErrorRow] = []

    def error(self, row: int, column: str, value: str, reason: str) -> None:
        self.error_count += 1
        if self.error_count <= MAX_STORED_ERRORS:
            self._errors.append((row, column, value[:500], reason))

    def flush(self, message: str = "", **final: Any) -> None:
        with self.db.transaction() as session:
            if self._errors:
                session.execute(
                    insert(ImportRowError),
                    [
                        {"import_id": self.import_id, "row": r, "column": c[:255], "value": v, "reason": why}
                        for r, c, v, why in self._errors
                    ],
                )
                self._errors = []
            row = session.get(DataImport, self.import_id)
            assert row is not None
            for key, value in self.counts.items():
                setattr(row, key, value)
            row.error_count = self.error_count
            if message:
                row.message = message
            for key, value in final.items():
                setattr(row, key, value)


def run_import(
    db: Database,
    path: Path | str,
    options: ImportOptions,
    *,
    import_id: int | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Import `path`; returns the summary also stored in `data_imports`. Never raises for bad input."""
    path = Path(path)
    options.filename = options.filename or path.name
    import_id = import_id or start_import(db, options)
    book = _Book(db, import_id)
    try:
        encoding = normalise_encoding(options.encoding)
        size = max(1, path.stat().st_size)
        with path.open("rb", buffering=1024 * 1024) as binary:
            stream = CsvStream(binary, encoding)
            mapping = build_mapping(
                options.kind, stream.header, options.mapping, churned_on=options.churned_on
            )
            pending = _import_rows(db, stream, mapping, options, book, size, progress)
    except FileProblem as exc:
        book.error(1, "", "", str(exc))
        book.flush(str(exc), status="failed", finished_at=datetime.now(UTC))
        return summary(db, import_id)
    except Exception as exc:
        book.flush(f"the import stopped: {exc}", status="failed", finished_at=datetime.now(UTC))
        raise
    finally:
        if settings is not None and not options.dry_run:  # chunks are committed as they go
            bump_data_version(settings, "CSV import")
    if pending and settings is not None and not options.dry_run:
        from jobs.rollup import schedule

        schedule(settings, db)
    c = book.counts
    message = (
        f"{c['rows_read']:,} rows read: {c['rows_inserted']:,} new, {c['rows_updated']:,} updated, "
        f"{c['rows_unchanged']:,} unchanged, {c['rows_failed']:,} refused"
        + (f"; {book.error_count:,} errors in the report" if book.error_count else "")
        + (" (dry run: nothing was saved)" if options.dry_run else "")
    )
    book.flush(message, status="finished", finished_at=datetime.now(UTC))
    if progress:
        progress(1.0, message)
    return summary(db, import_id)


def _import_rows(db, stream: CsvStream, mapping, options, book: _Book, size: int, progress) -> int:
    """Parse and validate in this thread while the previous chunk is written in another (the database
    work waits on the network and releases the GIL), so reading and writing overlap."""
    key_field = "message_id" if options.kind == "events" else "external_id"
    headers = {spec.name: mapping.header[i] for i, spec in mapping.fields.items()}
    key_column = headers.get(key_field, key_field)
    with db.engine.connect() as conn, ThreadPoolExecutor(max_workers=1) as writer:
        pg = conn.connection.driver_connection
        pg.commit()
        importer = ChunkImporter(pg, options.kind)
        chunk: list[tuple[Any, ...]] = []
        in_flight: Future | None = None

        def write(rows: list[tuple[Any, ...]]) -> tuple[dict[str, int], list[ErrorRow]]:
            set_change_source(pg, "csv_import", f"data_import:{book.import_id}")
            result = importer.process(rows, key_column)
            if not options.dry_run:
                pg.commit()
            return result

        def account(done: Future) -> None:
            counts, errors = done.result()
            for row, column, value, reason in errors:
                book.error(row, headers.get(column, column), str(value or ""), reason)
            book.counts["rows_failed"] += len({e[0] for e in errors})
            for key in ("inserted", "updated", "unchanged"):
                book.counts[f"rows_{key}"] += counts[key]
            book.flush(f"{book.counts['rows_read']:,} rows read")
            if progress:
                progress(min(0.99, stream.bytes_read / size), f"{book.counts['rows_read']:,} rows read")

        try:
            for record in stream:
                book.counts["rows_read"] += 1
                if record.error:
                    book.error(record.row, "", "", record.error)
                    book.counts["rows_failed"] += 1
                    continue
                values = convert(mapping, record.cells)
                if values.errors:
                    for column, value, reason in values.errors:
                        book.error(record.row, column, value, reason)
                    book.counts["rows_failed"] += 1
                    continue
                staged = importer.to_stage(record.row, values, record.cells)
                if isinstance(staged, str):
                    book.error(record.row, "", "", staged)
                    book.counts["rows_failed"] += 1
                    continue
                chunk.append(staged)
                if len(chunk) >= CHUNK_ROWS:
                    if in_flight is not None:
                        account(in_flight)
                    in_flight, chunk = writer.submit(write, chunk), []
            if chunk:
                if in_flight is not None:
                    account(in_flight)
                in_flight = writer.submit(write, chunk)
        finally:
            if in_flight is not None:
                account(in_flight)
        for row, column, value, reason in importer.finish():
            book.error(row, headers.get(column, column), str(value or ""), reason)
        if book.counts["rows_read"] == 0:
            raise FileProblem("the file has a header but no data rows")
        if options.dry_run:
            pg.rollback()
        else:
            pg.commit()
        return importer.pending


def summary(db: Database, import_id: int) -> dict[str, Any]:
    with db.transaction() as session:
        row = session.get(DataImport, import_id)
        assert row is not None
        return {
            "import_id": row.id,
            "kind": row.kind,
            "filename": row.filename,
            "status": row.status,
            "dry_run": row.dry_run,
            "rows_read": row.rows_read,
            "inserted": row.rows_inserted,
            "updated": row.rows_updated,
            "unchanged": row.rows_unchanged,
            "failed": row.rows_failed,
            "errors": row.error_count,
            "message": row.message,
        }


def error_report_lines(db: Database, import_id: int) -> Iterator[str]:
    """The error report as CSV text lines: row, column, value, reason (streamed, a page at a time)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "value", "reason"])
    yield buffer.getvalue()
    last_id = 0
    while True:
        with db.transaction() as session:
            page = session.execute(
                select(ImportRowError.id, ImportRowError.row, ImportRowError.column, ImportRowError.value,
                       ImportRowError.reason)
                .where(ImportRowError.import_id == import_id, ImportRowError.id > last_id)
                .order_by(ImportRowError.id)
                .limit(5000)
            ).all()  # fmt: skip
        if not page:
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row_id, row, column, value, reason in page:
            writer.writerow(neutralise_row([row, column, value, reason]))
            last_id = row_id
        yield buffer.getvalue()
