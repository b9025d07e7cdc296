"""Notifications: per-user preferences, each notification delivered (one row per user and channel), outbound
webhook endpoints with their deliveries and every attempt, and the escalation steps taken."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

SEVERITIES = ("info", "warning", "critical")
CHANNELS = ("email", "slack", "sms")
# pending: to send at send_after; sent; failed (gave up); digest: over the daily cap, waits for the digest;
# digested: went out in a digest.
DELIVERY_STATUSES = ("pending", "sent", "failed", "digest", "digested")
WEBHOOK_DELIVERY_STATUSES = ("pending", "succeeded", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class NotificationPreference(TimestampMixin, Base):
    """How one user wants to be told. No row: the defaults of `dashapp.notify.preferences`."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint("daily_cap BETWEEN 1 AND 1000", name="daily_cap"),
        CheckConstraint("digest_hour BETWEEN 0 AND 23", name="digest_hour"),
    )

    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # severity -> channels, e.g. {"critical": ["email", "sms"], "warning": ["email"], "info": []}
    channels: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    quiet_start: Mapped[time | None] = mapped_column(Time)
    quiet_end: Mapped[time | None] = mapped_column(Time)
    daily_cap: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    digest_hour: Mapped[int] = mapped_column(SmallInteger, default=8, server_default="8")
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    slack_webhook_url: Mapped[str] = mapped_column(Text, default="", server_default="")


class NotificationDelivery(Base):
    """One notification to one user on one channel (or held for the digest)."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        CheckConstraint(_in("channel", CHANNELS), name="channel"),
        Index("ix_notification_deliveries_due", "send_after", postgresql_where=text("status = 'pending'")),
        Index("ix_notification_deliveries_user_created", "user_id", "created_at"),
    )

    id: Mapped[BigId]
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    batch: Mapped[str] = mapped_column(String(32))  # one notification to one user: its rows share this
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    # {"items": [{"account_id", "account_name", "line"}], "link": "/accounts/..."}
    content: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(12), default="pending", server_default="pending")
    send_after: Mapped[datetime] = mapped_column(server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]


class DigestRun(Base):
    """One digest email per user and local day: a second run the same day sends nothing."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("user_id", "day", name="uq_notification_digests_day"),)

    id: Mapped[BigId]
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))  # the user's local date, ISO
    items: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WebhookEndpoint(TimestampMixin, Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[BigId]
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(80))  # whsec_<base64>
    events: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failing_since: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event for one endpoint; retried with backoff until it succeeds or runs out of attempts."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", WEBHOOK_DELIVERY_STATUSES), name="status"),
        UniqueConstraint("endpoint_id", "message_id", name="uq_webhook_deliveries_message"),
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[BigId]
    endpoint_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header: same on every retry
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(12), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """Every try of a delivery: when, what came back (or the error), how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[BigId]
    delivery_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime]
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str] = mapped_column(Text, default="", server_default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_delay_seconds: Mapped[int | None] = mapped_column(Integer)


class EscalationStep(Base):
    """One escalation step taken for one alert (at most once: unique per alert and step)."""

    __tablename__ = "escalation_steps"
    __table_args__ = (UniqueConstraint("alert_id", "step", name="uq_escalation_steps_step"),)

    id: Mapped[BigId]
    alert_id: Mapped[int] = mapped_column(BigInteger, index=True)  # alerts.id (owned by dashapp.alerts)
    step: Mapped[int] = mapped_column(SmallInteger)
    target: Mapped[str] = mapped_column(String(16))  # manager | admins
    user_ids: Mapped[list[int]] = mapped_column(JSONB, default=list)
    escalated_at: Mapped[datetime]
