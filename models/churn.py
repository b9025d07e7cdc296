"""Churn models (versioned, one active) and each account's churn score from a model.

A model version is immutable: its fitted pipeline (joblib bytes), its feature list, the training window
and its held-out evaluation (with the logistic baseline's) are stored together, so a probability can
always be shown beside the figures of the model that produced it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base


class ChurnModel(Base):
    __tablename__ = "churn_models"
    __table_args__ = (
        # At most one active model.
        Index("uq_churn_models_active", "is_active", unique=True, postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # "history" (point-in-time rows over several as-of dates) or "snapshot" (a book without history).
    mode: Mapped[str] = mapped_column(String(16))
    # "churned" (churned_at within the horizon) or "inactive" (no activity within it).
    label: Mapped[str] = mapped_column(String(16), default="churned", server_default="churned")
    horizon_days: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(Text)
    # {"numeric": [...], "categorical": [...], "mode": ...} and each feature's reference value.
    features: Mapped[dict[str, Any]] = mapped_column(JSONB)
    references: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    # {"model": {...}, "baseline": {...}, "rankings": {...}, "validation": {...}, "window": {...},
    #  "importance": [...]}: the held-out evaluation shown on the model card.
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSONB)
    roc_auc: Mapped[float | None] = mapped_column(Float)
    brier: Mapped[float | None] = mapped_column(Float)
    train_from: Mapped[date] = mapped_column(Date)
    train_to: Mapped[date] = mapped_column(Date)
    test_from: Mapped[date] = mapped_column(Date)
    test_to: Mapped[date] = mapped_column(Date)
    artefact: Mapped[bytes] = mapped_column(LargeBinary)
    library_versions: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    requested_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    activated_at: Mapped[datetime | None]
    scored_at: Mapped[datetime | None]


class ChurnScore(Base):
    """One account's churn probability from one model version, as of a day, with its top drivers."""

    __tablename__ = "churn_scores"
    __table_args__ = (Index("ix_churn_scores_model_probability", "model_id", "probability"),)

    model_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("churn_models.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    as_of: Mapped[date] = mapped_column(Date)
    probability: Mapped[float] = mapped_column(Float)
    # [{"feature", "label", "value", "reference", "contribution"}], largest |contribution| first.
    drivers: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    computed_at: Mapped[datetime] = mapped_column(server_default=func.now())
