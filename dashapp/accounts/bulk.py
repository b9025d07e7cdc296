"""Bulk upsert of accounts or contacts through the API, by the CSV import's own machinery.

Each row is checked by the import's parsers (`dashapp.accounts.rows`) and written by its `ChunkImporter`,
so a row gets the same error text and the same upsert rules either way: by external id, a missing field
never erases a stored one, a row that changes nothing changes nothing (a replay is harmless), an id twice
in one request is taken from its first row. Valid rows are saved, refused ones are reported by index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from sqlalchemy.orm import Session

from dashapp.accounts.rows import check_record
from dashapp.accounts.service import Actor, audit, begin
from dashapp.ingest.importers import ChunkImporter

MAX_ROWS = 1000
ATTRIBUTES = {"accounts": "custom_attributes", "contacts": "traits"}


@dataclass(frozen=True)
class RowProblem:
    index: int  # the row's position in the request, from 0
    field: str
    message: str


@dataclass
class BulkOutcome:
    counts: dict[str, int]
    problems: list[RowProblem] = field(default_factory=list)
    pending_rollups: int = 0

    @property
    def refused(self) -> int:
        return len({p.index for p in self.problems})


def upsert_rows(
    session: Session,
    actor: Actor,
    kind: str,
    rows: list[tuple[int, dict[str, Any]]],
    refused: list[RowProblem],
) -> BulkOutcome:
    """Upsert `rows` ((index, record) pairs of `kind`) in the session's transaction. `refused` are the
    problems the caller already found (rows it did not pass on); they are reported with the rest."""
    problems = list(refused)
    begin(session, actor)
    importer = ChunkImporter(
        cast(psycopg.Connection, session.connection().connection.driver_connection), kind
    )
    try:
        staged = []
        for index, record in rows:
            record = dict(record)
            extras = {k: v for k, v in (record.pop(ATTRIBUTES[kind], None) or {}).items() if v is not None}
            values, errors = check_record(kind, record)
            problems += [RowProblem(index, e.field, e.message) for e in errors]
            if errors:
                continue
            values.extras = extras
            row = importer.to_stage(index, values, [])
            if isinstance(row, str):
                problems.append(RowProblem(index, "", row))
            else:
                staged.append(row)
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        if staged:
            counts, written = importer.process(staged, "external_id")
            problems += [RowProblem(r, column, reason) for r, column, _, reason in written]
        problems += [RowProblem(r, column, reason) for r, column, _, reason in importer.finish()]
    finally:
        importer.close()
    problems.sort(key=lambda p: (p.index, p.field))
    outcome = BulkOutcome(counts, problems, importer.pending)
    audit(session, actor, f"{kind[:-1]}.bulk_upsert", kind[:-1], None, **counts, refused=outcome.refused)
    return outcome
