"""Read stored forecasts for pages, the API and the CLI. Nothing here fits anything (see `jobs.forecasts`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.forecast import ForecastResult, ForecastSeries

SCOPE_ORDER = {"book": 0, "segment": 1, "account": 2}


@dataclass
class ResultView:
    horizon: int
    points: list[dict[str, Any]]
    mase: float | None
    beats_naive: bool | None
    model_mae: float | None
    naive_mae: float | None
    scaled_mase: float | None
    naive_scaled_mase: float | None
    folds: list[dict[str, Any]]
    evaluation_note: str


@dataclass
class SeriesView:
    key: str
    scope: str
    scope_value: str
    metric: str
    label: str
    account_id: int | None
    status: str
    message: str
    history: dict[str, Any]
    history_start: date | None
    history_end: date | None
    fitted_at: datetime
    checked_at: datetime
    results: list[ResultView] = field(default_factory=list)

    def result(self, horizon: int) -> ResultView | None:
        return next((r for r in self.results if r.horizon == horizon), None)


def _view(row: ForecastSeries, results: list[ForecastResult]) -> SeriesView:
    return SeriesView(
        key=row.key,
        scope=row.scope,
        scope_value=row.scope_value,
        metric=row.metric,
        label=row.label,
        account_id=row.account_id,
        status=row.status,
        message=row.message,
        history=row.history or {},
        history_start=row.history_start,
        history_end=row.history_end,
        fitted_at=row.fitted_at,
        checked_at=row.checked_at,
        results=[
            ResultView(
                horizon=r.horizon,
                points=r.points,
                mase=r.mase,
                beats_naive=r.beats_naive,
                model_mae=r.model_mae,
                naive_mae=r.naive_mae,
                scaled_mase=r.scaled_mase,
                naive_scaled_mase=r.naive_scaled_mase,
                folds=r.folds,
                evaluation_note=r.evaluation_note,
            )
            for r in sorted(results, key=lambda r: r.horizon)
        ],
    )


def list_series(
    session: Session,
    *,
    scope: str | None = None,
    segment: str | None = None,
    metric: str | None = None,
    account_id: int | None = None,
) -> list[SeriesView]:
    """Stored series (book first, then segments, then accounts), each with its results per horizon."""
    stmt = select(ForecastSeries)
    if scope is not None:
        stmt = stmt.where(ForecastSeries.scope == scope)
    if segment is not None:
        stmt = stmt.where(ForecastSeries.scope == "segment", ForecastSeries.scope_value == segment)
    if metric is not None:
        stmt = stmt.where(ForecastSeries.metric == metric)
    if account_id is not None:
        stmt = stmt.where(ForecastSeries.account_id == account_id)
    rows = session.scalars(stmt).all()
    ids = [r.id for r in rows]
    results: dict[int, list[ForecastResult]] = {}
    if ids:
        for result in session.scalars(select(ForecastResult).where(ForecastResult.series_id.in_(ids))):
            results.setdefault(result.series_id, []).append(result)
    views = [_view(r, results.get(r.id, [])) for r in rows]
    return sorted(views, key=lambda v: (SCOPE_ORDER.get(v.scope, 9), v.scope_value, v.metric))


def has_any(session: Session) -> bool:
    return session.scalar(select(ForecastSeries.id).limit(1)) is not None


def get_series(session: Session, key: str) -> SeriesView | None:
    row = session.scalar(select(ForecastSeries).where(ForecastSeries.key == key))
    if row is None:
        return None
    results = list(session.scalars(select(ForecastResult).where(ForecastResult.series_id == row.id)))
    return _view(row, results)


def segments(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(ForecastSeries.scope_value)
            .where(ForecastSeries.scope == "segment")
            .distinct()
            .order_by(ForecastSeries.scope_value)
        )
    )


def account_forecast(session: Session, account_id: int) -> SeriesView | None:
    views = list_series(session, account_id=account_id)
    return views[0] if views else None
