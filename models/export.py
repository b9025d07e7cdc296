"""Exported files (CSV, PDF) and scheduled reports with their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
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

EXPORT_FORMATS = ("csv", "pdf")
EXPORT_STATUSES = ("queued", "started", "finished", "failed", "expired")
PAPERS = ("a4", "letter")
FREQUENCIES = ("weekly", "monthly")
DELIVERY_STATUSES = ("pending", "sent", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Export(Base):
    """One requested export: what it is of (a page and its query string, or a saved view), the file it made."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint(_in("format", EXPORT_FORMATS), name="format"),
        CheckConstraint(_in("status", EXPORT_STATUSES), name="status"),
        CheckConstraint(_in("paper", PAPERS), name="paper"),
    )

    id: Mapped[BigId]
    # The id in download URLs: random, so one export's URL says nothing about another's.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    job_run_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("job_runs.id", ondelete="SET NULL"), index=True
    )
    view_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("saved_views.id", ondelete="CASCADE"), index=True
    )
    format: Mapped[str] = mapped_column(String(8))
    page: Mapped[str] = mapped_column(String(255))
    query: Mapped[str] = mapped_column(Text, default="", server_default="")
    paper: Mapped[str] = mapped_column(String(8), default="a4", server_default="a4")
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    filename: Mapped[str] = mapped_column(String(255), default="", server_default="")
    path: Mapped[str] = mapped_column(Text, default="", server_default="")
    rows: Mapped[int | None] = mapped_column(BigInteger)
    size: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)


class ReportSchedule(TimestampMixin, Base):
    """A weekly or monthly executive summary of a saved view (or the whole book), emailed to recipients."""

    __tablename__ = "report_schedules"
    __table_args__ = (CheckConstraint(_in("frequency", FREQUENCIES), name="frequency"),)

    id: Mapped[BigId]
    owner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    view_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("saved_views.id", ondelete="CASCADE"), index=True
    )
    frequency: Mapped[str] = mapped_column(String(8), default="weekly", server_default="weekly")
    recipients: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ReportDelivery(Base):
    """One report for one period: at most one per schedule and period, so a retried job never sends twice."""

    __tablename__ = "report_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        UniqueConstraint("schedule_id", "period", name="uq_report_deliveries_period"),
    )

    id: Mapped[BigId]
    schedule_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report_schedules.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(16))  # 2026-W48 or 2026-11
    status: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recipients: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]
