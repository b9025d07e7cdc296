"""Stored forecasts: one row per forecast series (its input and fingerprint) and one per horizon.

Fits run in workers; pages and the API only read these rows. `fingerprint` is a hash of the input series
and the model configuration: a fit whose input has not changed since the stored one is skipped.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId


class ForecastSeries(Base):
    __tablename__ = "forecast_series"

    id: Mapped[BigId]
    # scope:value:metric, e.g. book:all:avg_score, segment:smb:mrr, account:42:score
    key: Mapped[str] = mapped_column(String(255), unique=True)
    scope: Mapped[str] = mapped_column(String(16), index=True)
    scope_value: Mapped[str] = mapped_column(String(128))
    metric: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(400))
    account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    # fitted | insufficient_history | failed
    status: Mapped[str] = mapped_column(String(24))
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    fingerprint: Mapped[str] = mapped_column(String(64))
    # The input the forecast was fitted on: {"ds": [...ISO days], "y": [...]}
    history: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    history_start: Mapped[date | None] = mapped_column(Date)
    history_end: Mapped[date | None] = mapped_column(Date)
    points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fit_seconds: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    fitted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    checked_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ForecastResult(Base):
    """One horizon of a series' forecast, with its rolling-origin backtest against seasonal naive."""

    __tablename__ = "forecast_results"

    series_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("forecast_series.id", ondelete="CASCADE"), primary_key=True
    )
    horizon: Mapped[int] = mapped_column(Integer, primary_key=True)
    # [{"ds", "yhat", "lower", "upper"}], 80% band
    points: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # MAE(model) / MAE(seasonal naive) over the same rolling origins; None when the history was too short
    mase: Mapped[float | None] = mapped_column(Float)
    beats_naive: Mapped[bool | None] = mapped_column(Boolean)
    model_mae: Mapped[float | None] = mapped_column(Float)
    naive_mae: Mapped[float | None] = mapped_column(Float)
    # Textbook MASE (scaled by the in-sample seasonal-naive error) of the model and of the naive forecast
    scaled_mase: Mapped[float | None] = mapped_column(Float)
    naive_scaled_mase: Mapped[float | None] = mapped_column(Float)
    folds: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    evaluation_note: Mapped[str] = mapped_column(Text, default="", server_default="")
