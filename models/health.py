"""Health scores: one snapshot per account per day, and each account's current health.

The scoring core writes both in one transaction: `health_snapshots` is the history (re-running a day
replaces it), `account_health` holds the latest snapshot per account so filters, pages and the API can
join 100,000 accounts to their current score without scanning the history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base

BANDS = ("red", "yellow", "green")


class HealthSnapshot(Base):
    __tablename__ = "health_snapshots"
    __table_args__ = (
        Index("ix_health_snapshots_day_band", "day", "band"),
        # Band and score of some accounts' days without visiting the (wide) rows: band migration.
        Index(
            "ix_health_snapshots_account_day_band", "account_id", "day", postgresql_include=["band", "score"]
        ),
    )

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    # What users see: the computed score, or the manual override while one is in force.
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(16))
    # What the scorecard computed, kept beside any override.
    computed_score: Mapped[float] = mapped_column(Float)
    computed_band: Mapped[str] = mapped_column(String(16))
    overridden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    scorecard_version_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("scorecard_versions.id", ondelete="RESTRICT"), index=True
    )
    # [{"key", "label", "group", "raw", "normalised", "weight", "effective_weight", "contribution", "missing"}]
    measures: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    # Movement since the previous snapshot and since 30 days ago: {"previous": [...], "month": [...]}
    explanation: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    explanation_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    delta_7: Mapped[float | None] = mapped_column(Float)
    delta_30: Mapped[float | None] = mapped_column(Float)
    delta_90: Mapped[float | None] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # A compact copy of each measure's contribution and raw value, in the order of `measures`, so the next
    # recompute explains movement without parsing 100,000 JSON documents. `measure_keys` is NULL when the
    # order is the scorecard version's own (it is spelled out for rolled-up parents).
    measure_keys: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    measure_contributions: Mapped[list[float] | None] = mapped_column(ARRAY(Float))
    measure_raw: Mapped[list[float] | None] = mapped_column(ARRAY(Float))


class AccountHealth(Base):
    """The latest snapshot of each account, denormalised for fast filtering and sorting."""

    __tablename__ = "account_health"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float, index=True)
    band: Mapped[str] = mapped_column(String(16), index=True)
    computed_score: Mapped[float] = mapped_column(Float)
    computed_band: Mapped[str] = mapped_column(String(16))
    overridden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    delta_7: Mapped[float | None] = mapped_column(Float, index=True)
    delta_30: Mapped[float | None] = mapped_column(Float, index=True)
    delta_90: Mapped[float | None] = mapped_column(Float, index=True)
    explanation_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
