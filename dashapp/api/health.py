"""`/accounts/{external_id}/health`: the current score with its breakdown, and the daily series."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Response

from dashapp.api.accounts import EXTERNAL_ID, trend
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, finite, json_response
from dashapp.api.schemas import Health, HealthHistory, HistoryQuery
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.queries.account_health import account_id, current_health, health_history

DEFAULT_HISTORY_DAYS = 90


def _no_account(external_id: str) -> ApiError:
    return ApiError(404, f"There is no account with external id {external_id!r}.")


@operation(
    bp,
    "GET",
    "/accounts/{external_id}/health",
    summary="Current health of one account",
    tag="Health",
    response=Health,
    errors=(404,),
    path_params=EXTERNAL_ID,
)
def get_health(caller: Any, external_id: str) -> Response:
    """The current snapshot: score and band (and what the scorecard computed, if overridden), the
    measure-by-measure breakdown, the trend and why it moved. 404 when the account is not scored yet."""
    exists, row = current_health(db_session(), external_id)
    if not exists:
        raise _no_account(external_id)
    if row is None:
        raise ApiError(404, f"Account {external_id!r} has no health score yet.", title="Not Scored")
    body = {
        "external_id": external_id,
        "day": row.day,
        "score": finite(row.score),
        "band": row.band,
        "computed_score": finite(row.computed_score),
        "computed_band": row.computed_band,
        "overridden": row.overridden,
        "scorecard_version_id": row.scorecard_version_id,
        "trend": trend(row.delta_7, row.delta_30, row.delta_90),
        "measures": row.measures or [],
        "why": row.explanation_text or "",
        "explanation": row.explanation or {},
        "computed_at": row.computed_at,
    }
    return json_response(body)


@operation(
    bp,
    "GET",
    "/accounts/{external_id}/health/history",
    summary="Daily health series of one account",
    tag="Health",
    query=HistoryQuery,
    response=HealthHistory,
    errors=(400, 404),
    path_params=EXTERNAL_ID,
)
def get_health_history(caller: Any, external_id: str, query: HistoryQuery) -> Response:
    """One point per scored day from `from` to `to` (default: the last 90 days)."""
    last = query.to or date.today()
    first = query.from_ or last - timedelta(days=DEFAULT_HISTORY_DAYS - 1)
    if first > last:
        raise ApiError(
            400,
            f"from ({first}) is after to ({last}).",
            errors=[{"name": "from", "message": f"is after to ({last})"}],
        )
    session = db_session()
    pk = account_id(session, external_id)
    if pk is None:
        raise _no_account(external_id)
    points = [
        {
            "day": r.day,
            "score": finite(r.score),
            "band": r.band,
            "computed_score": finite(r.computed_score),
            "overridden": r.overridden,
            "change7": finite(r.delta_7),
            "change30": finite(r.delta_30),
            "change90": finite(r.delta_90),
        }
        for r in health_history(session, pk, first, last)
    ]
    return json_response({"external_id": external_id, "from": first, "to": last, "points": points})
