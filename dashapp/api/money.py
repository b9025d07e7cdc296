"""`/kpis` (the Overview's figures, money in the reporting currency) and `/fx-rates` (list; admins post)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Response

from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, json_response
from dashapp.api.money_schemas import FxImport, FxRateList, FxRatesIn, FxRatesQuery, Kpis
from dashapp.api.spec import operation
from dashapp.cache import data_changed
from dashapp.extensions import db_session
from dashapp.filters import Filters
from dashapp.money import Money
from dashapp.money.ecb import Rate
from dashapp.money.rates import list_rates, upsert
from dashapp.queries import overview as overview_q


@operation(
    bp,
    "GET",
    "/kpis",
    summary="Overview figures of the filtered book",
    tag="Money",
    filters=True,
    response=Kpis,
)
def get_kpis(caller: Any, filters: Filters) -> Response:
    """Accounts, ARR (in the reporting currency, converted at today's ECB reference rates), ARR per band and
    the average score of the accounts matching the filters: the figures of the Overview page."""
    k = overview_q.kpis(db_session(), filters)
    risk = k.arr_by_band.get("red", Decimal(0)) + k.arr_by_band.get("yellow", Decimal(0))
    return json_response(
        {
            "accounts": k.accounts,
            "scored": k.scored,
            "arr": k.arr,
            "arr_at_risk": risk,
            "arr_by_band": k.arr_by_band,
            "currency": k.currency,
            "avg_score": k.avg_score,
            "avg_score_30d_ago": k.avg_score_30d_ago,
            "fx_warnings": list(k.fx_warnings),
        }
    )


@operation(
    bp, "GET", "/fx-rates", summary="Stored FX rates", tag="Money", query=FxRatesQuery, response=FxRateList
)
def get_fx_rates(caller: Any, query: FxRatesQuery) -> Response:
    """Reference rates (units per 1 EUR), newest day first, with where each came from."""
    session = db_session()
    rows = list_rates(session, currency=query.currency, start=query.start, end=query.end, limit=query.limit)
    data = [{"day": r.day, "currency": r.currency, "rate": r.rate, "source": r.source} for r in rows]
    return json_response({"data": data, "reporting_currency": Money.of(session).currency})


@operation(
    bp,
    "POST",
    "/fx-rates",
    summary="Store FX rates",
    tag="Money",
    body=FxRatesIn,
    response=FxImport,
    scope="write",
    permission="manage_integrations",
    errors=(422,),
)
def post_fx_rates(caller: Any, body: FxRatesIn) -> Response:
    """Store reference rates (units of the currency per 1 EUR), replacing any stored for the same day and
    currency; posting the same rates twice changes nothing. All or nothing."""
    for i, r in enumerate(body.rates):
        if r.currency == "EUR":
            message = "EUR is the base of the rates (always 1) and is not stored"
            raise ApiError(422, message, errors=[{"name": f"body.rates[{i}].currency", "message": message}])
    seen: dict[tuple[Any, str], int] = {}
    for i, r in enumerate(body.rates):
        if (r.day, r.currency) in seen:
            message = f"{r.currency} on {r.day} is also rates[{seen[(r.day, r.currency)]}]"
            raise ApiError(422, message, errors=[{"name": f"body.rates[{i}]", "message": message}])
        seen[(r.day, r.currency)] = i
    session = db_session()
    result = upsert(session, (Rate(r.day, r.currency, Decimal(str(r.rate))) for r in body.rates), "api")
    session.commit()
    data_changed("FX rate import")
    return json_response(
        {
            "rates": result.rates,
            "days": result.days,
            "currencies": list(result.currencies),
            "first_day": result.first_day,
            "last_day": result.last_day,
        },
        status=200,
    )
