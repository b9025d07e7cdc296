"""Raw product usage events and the per-account daily roll-up that scores read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId

EVENT_TYPES = ("track", "page", "screen")


class UsageEvent(Base):
    """One product event. `message_id` makes ingestion idempotent: a replayed message is a no-op.

    `account_external_id` keeps the account reference as received, so events for an account that does not
    exist yet are stored and attached (account_id filled) when it appears.
    """

    __tablename__ = "usage_events"
    __table_args__ = (
        Index("ix_usage_events_account_time", "account_id", "occurred_at"),
        Index("ix_usage_events_received_at", "received_at", postgresql_using="brin"),
        Index(
            "ix_usage_events_unattached",
            "account_external_id",
            postgresql_where=text("account_id IS NULL"),
        ),
        # Events of a user not yet linked to an account, attached when a group call links the user.
        Index(
            "ix_usage_events_unattached_user",
            "user_external_id",
            postgresql_where=text("account_id IS NULL AND account_external_id IS NULL"),
        ),
    )

    id: Mapped[BigId]
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    account_external_id: Mapped[str | None] = mapped_column(String(255))
    contact_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    user_external_id: Mapped[str | None] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(16), default="track", server_default="track")
    event: Mapped[str] = mapped_column(String(255))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    properties: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )


class AccountDailyMetric(Base):
    """One row per account per day: what a health score reads. Rebuilt for the days new events touch."""

    __tablename__ = "account_daily_metrics"
    __table_args__ = (Index("ix_account_daily_metrics_day", "day"),)

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    active_users: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sessions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    events: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # {"feature name": uses that day}
    feature_usage: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
