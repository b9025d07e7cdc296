"""`/scores`: current scores of every (filtered) account: paged JSON, or one NDJSON/CSV stream.

The stream reads through a server-side cursor (`yield_per`) and writes as it reads, so a nightly sync of
100,000 accounts is one request in constant memory.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Response, request

from dashapp.api.accounts import page_response, paged, sort_of
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, dumps, finite
from dashapp.api.schemas import ScorePage, ScoresQuery
from dashapp.api.spec import operation
from dashapp.csvsafe import neutralise
from dashapp.extensions import runtime
from dashapp.filters import Filters, accounts_query

FIELDS = [
    "external_id",
    "name",
    "score",
    "band",
    "overridden",
    "score_day",
    "change7",
    "change30",
    "change90",
]
NDJSON = "application/x-ndjson"
CSV = "text/csv"
MEDIA = {"json": "application/json", "ndjson": NDJSON, "csv": CSV}
BATCH = 2000  # rows fetched from the server-side cursor, and written, at a time


def score_row(row: Any) -> dict[str, Any]:
    return {
        "external_id": row.external_id,
        "name": row.name,
        "score": finite(row.score),
        "band": row.band,
        "overridden": row.overridden,
        "score_day": row.score_day,
        "change7": finite(row.change7),
        "change30": finite(row.change30),
        "change90": finite(row.change90),
    }


def _negotiate(explicit: str | None) -> str:
    if explicit:
        return explicit
    accept = request.accept_mimetypes
    if not accept.provided:
        return "json"
    best = accept.best_match([MEDIA["json"], NDJSON, "application/ndjson", CSV])
    if best is None:
        raise ApiError(
            406, "This resource is available as application/json, application/x-ndjson or text/csv."
        )
    return {"application/ndjson": "ndjson", NDJSON: "ndjson", CSV: "csv"}.get(best, "json")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _lines(rows: Iterator[list[Any]], fmt: str) -> Iterator[str]:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(FIELDS)
        for batch in rows:
            for row in batch:
                record = score_row(row)
                writer.writerow([_csv_value(neutralise(record[f])) for f in FIELDS])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()
    else:
        for batch in rows:
            yield "".join(dumps(score_row(row)) + "\n" for row in batch)


def _stream(filters: Filters, sort: list[tuple[str, bool]], fmt: str) -> Response:
    """Run the query now (so a database error is still a clean 500), stream its rows afterwards.

    The rows outlive the request's own session (closed when the view returns), so the stream has its own,
    closed when the last row is sent or the client goes away.
    """
    stmt = accounts_query(filters, ["external_id", *FIELDS[1:]], sort=sort)
    session = runtime().db.session()
    try:
        result = session.execute(stmt, execution_options={"stream_results": True, "yield_per": BATCH})
    except BaseException:
        session.close()
        raise

    def body() -> Iterator[str]:
        try:
            yield from _lines(result.partitions(BATCH), fmt)
        finally:
            session.close()

    response = Response(body(), mimetype=MEDIA[fmt])
    response.call_on_close(session.close)  # also when the body is never read (HEAD, an early disconnect)
    if fmt == "csv":
        response.headers["Content-Disposition"] = (
            f'attachment; filename="scores-{date.today().isoformat()}.csv"'
        )
    return response


@operation(
    bp,
    "GET",
    "/scores",
    summary="Current scores of all (filtered) accounts",
    tag="Scores",
    query=ScoresQuery,
    filters=True,
    response=ScorePage,
    media={
        NDJSON: "One JSON object per line (the fields of `ScoreRow`), every matching account, streamed.",
        CSV: "A header line, then one row per matching account (the fields of `ScoreRow`), streamed.",
    },
    errors=(400, 406),
)
def list_scores(caller: Any, query: ScoresQuery, filters: Filters) -> Response:
    """Scores, bands and trends of the accounts matching the filters. As JSON, a page at a time; with
    `format=ndjson` or `format=csv` (or the matching `Accept` header) every account in one streamed response,
    for nightly syncs into a CRM or warehouse."""
    fmt = _negotiate(query.format)
    if fmt != "json":
        if query.cursor:
            raise ApiError(
                400,
                "cursor: streamed formats send every row at once; leave the cursor out.",
                errors=[{"name": "cursor", "message": "only for format=json"}],
            )
        return _stream(filters, sort_of(query.sort), fmt)
    data, cursor, _warnings = paged(filters, query, ["external_id", *FIELDS[1:]], "scores", score_row)
    return page_response(data, cursor, query.limit)
