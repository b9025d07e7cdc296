"""The bulk upserts' shared handling: the row limit, each row's shape, the upsert, and the answer (200 with
the counts when every row was saved, 422 naming each refused row, with the counts, when some were not)."""

from __future__ import annotations

from typing import Any

from flask import Response
from pydantic import BaseModel, ValidationError

from dashapp.accounts.bulk import MAX_ROWS, RowProblem, upsert_rows
from dashapp.api.http import ApiError, json_response
from dashapp.api.record_http import actor_of
from dashapp.api.record_schemas import AccountRow, ContactRow
from dashapp.extensions import db_session, runtime
from dashapp.field_errors import field_errors

ROW_MODELS: dict[str, type[BaseModel]] = {"accounts": AccountRow, "contacts": ContactRow}


def _shape(kind: str, rows: list[Any]) -> tuple[list[tuple[int, dict[str, Any]]], list[RowProblem]]:
    """Rows whose JSON shape is right (unknown fields and wrong types are refused here, row by row)."""
    good, bad = [], []
    for index, row in enumerate(rows):
        try:
            ROW_MODELS[kind].model_validate(row)
        except ValidationError as exc:
            bad += [RowProblem(index, e["name"], e["message"]) for e in field_errors(exc)]
            continue
        good.append((index, row))
    return good, bad


def bulk_response(caller: Any, kind: str, rows: list[Any]) -> Response:
    if len(rows) > MAX_ROWS:
        message = f"at most {MAX_ROWS} rows per request; send the other {len(rows) - MAX_ROWS} in another"
        raise ApiError(422, f"rows: {message}.", errors=[{"name": "body.rows", "message": message}])
    good, bad = _shape(kind, rows)
    session = db_session()
    outcome = upsert_rows(session, actor_of(caller), kind, good, bad)
    session.commit()
    if outcome.pending_rollups:
        from jobs.rollup import schedule

        rt = runtime()
        schedule(rt.settings, rt.db)
    if not outcome.problems:
        return json_response(outcome.counts)
    saved = len(rows) - outcome.refused
    errors = [
        {"index": p.index, "field": p.field, "name": f"body.rows.{p.index}.{p.field}".rstrip("."),
         "message": p.message}
        for p in outcome.problems
    ]  # fmt: skip
    counts: dict[str, Any] = dict(outcome.counts)
    raise ApiError(
        422,
        f"{outcome.refused} of {len(rows)} rows were refused (see errors); the other {saved} were saved.",
        errors=errors,
        **counts,
    )
