"""Behaviour segments: each clustering run (with its quality and stability) and the accounts it assigned.

The newest run is the one pages, filters and the API use; older runs are kept a while for comparison.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, SmallInteger, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId


class SegmentRun(Base):
    __tablename__ = "segment_runs"

    id: Mapped[BigId]
    as_of: Mapped[date] = mapped_column(Date)
    window_days: Mapped[int] = mapped_column(Integer)
    k: Mapped[int] = mapped_column(SmallInteger)
    accounts: Mapped[int] = mapped_column(Integer)
    silhouette: Mapped[float] = mapped_column(Float)
    # Mean adjusted Rand index between this clustering and reruns on bootstrap samples with other seeds.
    stability: Mapped[float] = mapped_column(Float)
    # {"ari": [...], "ari_min": x, "reruns": n, "silhouette_by_k": {"2": s, ...}, "features": [...], ...}
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    # [{"cluster": 1, "name": ..., "size": n, "share": x, "stability": jaccard, "features": [...]}]
    clusters: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


class SegmentAssignment(Base):
    __tablename__ = "segment_assignments"
    __table_args__ = (Index("ix_segment_assignments_run_cluster", "run_id", "cluster"),)

    run_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("segment_runs.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    cluster: Mapped[int] = mapped_column(SmallInteger)
