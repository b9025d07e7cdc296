"""Alert rules, the alerts they open, every change to an alert, and the outbox of alert events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

SEVERITIES = ("info", "warning", "critical")
ALERT_STATES = ("open", "acknowledged", "snoozed", "resolved")
EVENT_KINDS = ("opened", "resolved", "reopened", "escalated")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AlertRule(TimestampMixin, Base):
    __tablename__ = "alert_rules"
    __table_args__ = (
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint("cooldown_hours >= 0", name="cooldown_not_negative"),
    )

    id: Mapped[BigId]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    # Which accounts the rule watches: a filter-model query string ("segment=smb&band=red"); "" = all active.
    scope: Mapped[str] = mapped_column(Text, default="", server_default="")
    severity: Mapped[str] = mapped_column(String(16), default="warning", server_default="warning")
    # [{"to": "owner"} | {"to": "manager"} | {"to": "user", "user_id": 7} | {"to": "role", "role": "admin"}]
    routing: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, default=list, server_default=text("'[]'::jsonb")
    )
    channels: Mapped[list[str]] = mapped_column(JSONB, default=list, server_default=text("'[]'::jsonb"))
    cooldown_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Unacknowledged alerts go up these steps: [{"after_hours": 4, "target": "manager"}, ...];
    # NULL = the severity's default (`dashapp.alerts.rules.DEFAULT_ESCALATION`), [] = never escalate.
    escalation: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB(none_as_null=True))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # When an alert of this rule opens, this playbook's steps become tasks for the account owner.
    playbook_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("playbooks.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(_in("state", ALERT_STATES), name="state"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        # One alert that is not resolved per (rule, account): re-evaluating never duplicates.
        Index(
            "uq_alerts_rule_account_unresolved",
            "rule_id",
            "account_id",
            unique=True,
            postgresql_where=text("state <> 'resolved'"),
        ),
        Index("ix_alerts_rule_account_resolved", "rule_id", "account_id", "resolved_at"),
        Index("ix_alerts_recipient_ids", "recipient_ids", postgresql_using="gin"),
        Index("ix_alerts_state_opened", "state", "opened_at"),
    )

    id: Mapped[BigId]
    rule_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("alert_rules.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    severity: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    recipient_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), default=list, server_default=text("'{}'::bigint[]")
    )
    opened_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    snoozed_until: Mapped[datetime | None]
    snooze_reason: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    resolution: Mapped[str | None] = mapped_column(Text)


class AlertChange(Base):
    """One state change of an alert: who (NULL = the system) and when, and why."""

    __tablename__ = "alert_changes"

    id: Mapped[BigId]
    alert_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    at: Mapped[datetime]


class AlertEvent(Base):
    """Outbox: written in the transaction that changes an alert; a job delivers and marks it processed."""

    __tablename__ = "alert_events"
    __table_args__ = (
        CheckConstraint(_in("kind", EVENT_KINDS), name="kind"),
        Index("ix_alert_events_unprocessed", "id", postgresql_where=text("processed_at IS NULL")),
    )

    id: Mapped[BigId]
    alert_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    recipient_ids: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), default=list, server_default=text("'{}'::bigint[]")
    )
    # What the event adds: an escalation's {"step": 1, "target": "manager"}.
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    processed_at: Mapped[datetime | None]
