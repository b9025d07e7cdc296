"""`/forecasts` and `/accounts/{external_id}/forecast`: stored forecasts, each with its backtest.

Every forecast carries its own evaluation: MASE against a seasonal-naive forecast over rolling origins
(MAE of the model over MAE of "repeat last week", below 1 when the model beats it), and `beats_naive`
and `verdict` in words. Series with too short a history say why instead of showing a number.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from flask import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from dashapp.analytics.forecasting.model import HORIZONS
from dashapp.api.accounts import EXTERNAL_ID
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, finite, json_response
from dashapp.api.schemas import Strict
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.queries.account_health import account_id
from dashapp.queries.forecasts import ResultView, SeriesView, account_forecast, list_series
from models.account import Account

Metric = Literal["avg_score", "share_red", "share_yellow", "share_green", "active_users", "mrr", "score"]


class AccountForecastQuery(Strict):
    horizon: int | None = Field(
        None, description="Only this horizon, in days.", json_schema_extra={"enum": list(HORIZONS)}
    )
    history: bool = Field(False, description="Include the input history (one point per day).")

    @field_validator("horizon")
    @classmethod
    def _known_horizon(cls, value: int | None) -> int | None:
        if value is not None and value not in HORIZONS:
            raise ValueError(f"must be one of {', '.join(map(str, HORIZONS))}")
        return value


class ForecastsQuery(AccountForecastQuery):
    scope: Literal["book", "segment", "account"] | None = Field(
        None, description="Only series of this scope."
    )
    segment: str | None = Field(
        None, min_length=1, max_length=64, description="Only the series of this segment (scope `segment`)."
    )
    metric: Metric | None = Field(None, description="Only this metric.")

    @field_validator("segment")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        """Segment names are printable text: other characters cannot match one (and NUL cannot be sent
        to PostgreSQL), so they are dropped, as the filters do."""
        return None if value is None else "".join(ch for ch in value if ch.isprintable())


class ForecastPoint(BaseModel):
    ds: date
    yhat: float = Field(description="Point forecast.")
    lower: float = Field(description="Lower end of the 80% band.")
    upper: float = Field(description="Upper end of the 80% band.")


class HistoryPoint(BaseModel):
    ds: date
    y: float


class Evaluation(BaseModel):
    mase: float | None = Field(
        description="MAE of the forecast over MAE of seasonal naive (repeat last week) on the same rolling "
        "origins; below 1 beats naive. Null when the history was too short to backtest this horizon."
    )
    beats_naive: bool | None
    verdict: str = Field(description="The result in words, as the UI shows it.")
    model_mae: float | None
    naive_mae: float | None
    scaled_mase: float | None = Field(description="Textbook MASE (in-sample seasonal-naive scale).")
    naive_scaled_mase: float | None = Field(description="The same for the seasonal-naive forecast.")
    origins: int = Field(description="Rolling origins the backtest used.")


class HorizonForecast(BaseModel):
    horizon: int
    points: list[ForecastPoint]
    evaluation: Evaluation


class ForecastSeriesOut(BaseModel):
    key: str = Field(description="scope:value:metric, e.g. book:all:avg_score.")
    scope: Literal["book", "segment", "account"]
    segment: str | None
    account: str | None = Field(description="The account's external id (scope `account`).")
    metric: Metric
    label: str
    status: Literal["fitted", "insufficient_history"]
    message: str
    history_start: date | None
    history_end: date | None
    fitted_at: datetime
    forecasts: list[HorizonForecast]
    history: list[HistoryPoint] | None = Field(
        description="The input series, when asked for (`history=true`)."
    )


class ForecastList(BaseModel):
    data: list[ForecastSeriesOut]
    count: int


def _evaluation(r: ResultView) -> dict[str, Any]:
    return {
        "mase": finite(r.mase),
        "beats_naive": r.beats_naive,
        "verdict": r.evaluation_note,
        "model_mae": finite(r.model_mae),
        "naive_mae": finite(r.naive_mae),
        "scaled_mase": finite(r.scaled_mase),
        "naive_scaled_mase": finite(r.naive_scaled_mase),
        "origins": len(r.folds),
    }


def series_body(view: SeriesView, external_ids: dict[int, str], horizon: int | None, history: bool) -> dict:
    return {
        "key": view.key,
        "scope": view.scope,
        "segment": view.scope_value if view.scope == "segment" else None,
        "account": external_ids.get(view.account_id) if view.account_id is not None else None,
        "metric": view.metric,
        "label": view.label,
        "status": view.status,
        "message": view.message,
        "history_start": view.history_start,
        "history_end": view.history_end,
        "fitted_at": view.fitted_at,
        "forecasts": [
            {"horizon": r.horizon, "points": r.points, "evaluation": _evaluation(r)}
            for r in view.results
            if horizon is None or r.horizon == horizon
        ],
        "history": [
            {"ds": d, "y": finite(y) if y is not None else None}
            for d, y in zip(view.history.get("ds", []), view.history.get("y", []), strict=False)
            if y is not None
        ]
        if history
        else None,
    }


@operation(
    bp,
    "GET",
    "/forecasts",
    summary="Forecasts of the book, segments and accounts, each with its backtest",
    tag="Forecasts",
    query=ForecastsQuery,
    response=ForecastList,
    errors=(400,),
)
def get_forecasts(caller: Any, query: ForecastsQuery) -> Response:
    """Every stored forecast series (book first, then segments, then accounts) with its 30- and 90-day
    forecasts, 80% bands and, beside each, its rolling-origin backtest against seasonal naive. Fits run
    nightly in the background; an empty list means none has run yet."""
    session = db_session()
    views = [
        v
        for v in list_series(session, scope=query.scope, segment=query.segment, metric=query.metric)
        if v.status in ("fitted", "insufficient_history")
    ]
    ids = [v.account_id for v in views if v.account_id is not None]
    external = dict(session.execute(select(Account.id, Account.external_id).where(Account.id.in_(ids))).all())
    data = [series_body(v, external, query.horizon, query.history) for v in views]
    return json_response({"data": data, "count": len(data)})


@operation(
    bp,
    "GET",
    "/accounts/{external_id}/forecast",
    summary="Health forecast of one account, with its backtest",
    tag="Forecasts",
    query=AccountForecastQuery,
    response=ForecastSeriesOut,
    errors=(400, 404),
    path_params=EXTERNAL_ID,
)
def get_account_forecast(caller: Any, external_id: str, query: AccountForecastQuery) -> Response:
    """The account's health score forecast (forecast for at-risk accounts and the top accounts by ARR).
    404 when the account does not exist or has no forecast."""
    session = db_session()
    pk = account_id(session, external_id)
    if pk is None:
        raise ApiError(404, f"There is no account with external id {external_id!r}.")
    view = account_forecast(session, pk)
    if view is None:
        raise ApiError(
            404,
            f"Account {external_id!r} has no forecast: forecasts cover at-risk (red) accounts and the top "
            "accounts by ARR, and are fitted nightly.",
            title="No Forecast",
        )
    return json_response(series_body(view, {pk: external_id}, query.horizon, query.history))
