"""Scorecards (versioned definitions and the rules that pick one per account), manual overrides and backtests.

A scorecard's definition (groups, measures, bands, roll-up rule) lives in `scorecard_versions.definition` as
validated JSON (see `dashapp.scoring.definition`). Versions are immutable: an edit adds a version and moves
`scorecards.current_version_id`, so every snapshot names the exact definition that produced it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin


class Scorecard(TimestampMixin, Base):
    """A named scorecard. `match` picks the accounts it scores; the default one scores everyone else."""

    __tablename__ = "scorecards"
    __table_args__ = (
        # At most one default scorecard.
        Index("uq_scorecards_default", "is_default", unique=True, postgresql_where=text("is_default")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Lower runs first when several scorecards' rules match an account.
    priority: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    # {"segment": [...], "plan": [...], "lifecycle_stage": [...]}: every listed field must match one value.
    match: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    current_version_id: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("scorecard_versions.id", ondelete="SET NULL", use_alter=True),
        index=True,
    )
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ScorecardVersion(Base):
    __tablename__ = "scorecard_versions"
    __table_args__ = (UniqueConstraint("scorecard_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scorecard_id: Mapped[int] = mapped_column(Integer, ForeignKey("scorecards.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class HealthOverride(Base):
    """A manual score and/or band for one account, in force on the days from `starts_on` until `expires_on`
    (exclusive), or until `cleared_on` (exclusive) once cleared or replaced. Rows are kept as history.

    Recomputes apply the override in force on the day they score, so it survives them until it expires or
    is cleared; re-scoring a past day shows what was in force that day.
    """

    __tablename__ = "health_overrides"
    __table_args__ = (
        CheckConstraint("score IS NOT NULL OR band IS NOT NULL", name="score_or_band"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("expires_on > starts_on", name="expires_after_start"),
        CheckConstraint("cleared_on IS NULL OR cleared_on >= starts_on", name="cleared_after_start"),
        Index("ix_health_overrides_account_active", "account_id", "expires_on"),
    )

    id: Mapped[BigId]
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    cleared_at: Mapped[datetime | None]
    cleared_on: Mapped[date | None] = mapped_column(Date)
    cleared_reason: Mapped[str | None] = mapped_column(Text)
    cleared_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class ScoreBacktest(Base):
    """How well a scorecard version ranked the accounts that churned within `horizon_days` of each as-of date."""

    __tablename__ = "score_backtests"

    id: Mapped[BigId]
    scorecard_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("scorecards.id", ondelete="CASCADE"), index=True
    )
    scorecard_version_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("scorecard_versions.id", ondelete="CASCADE"), index=True
    )
    horizon_days: Mapped[int] = mapped_column(Integer)
    # [{"as_of", "accounts", "churned", "auc", "bands": {"red": {"accounts", "churned", "rate"}, ...}}]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # Mean ROC AUC over the as-of dates where both outcomes occurred; None if none did.
    mean_auc: Mapped[float | None] = mapped_column(Float)
    requested_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
