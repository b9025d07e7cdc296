"""Ingestion bookkeeping: write keys, received webhooks, CSV imports and their row errors, the roll-up
queue of touched account-days, and billing subscriptions (which own an account's MRR once linked)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

IMPORT_KINDS = ("accounts", "contacts", "events", "tickets", "invoices", "surveys", "online-retail")
IMPORT_STATUSES = ("running", "finished", "failed")
WEBHOOK_STATUSES = ("processed", "ignored", "unmatched")


# Account fields a new write key may set from `group` traits. Write keys ship inside browser JavaScript, so
# billing and lifecycle fields (MRR, currency, contract and renewal dates, churn, lifecycle stage, parent) are
# left to billing, CRM and admins unless an admin allows them on a key. `custom` = custom attributes.
DEFAULT_WRITE_KEY_FIELDS = ("name", "domain", "segment", "plan", "industry", "region", "custom")


class WriteKey(Base):
    """A Segment-style write key. Only its SHA-256 is stored; the key itself is shown once at creation."""

    __tablename__ = "write_keys"

    id: Mapped[BigId]
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the key, so admins can tell keys apart without the secret.
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    # The account fields `group` calls sent with this key may change (see DEFAULT_WRITE_KEY_FIELDS).
    account_fields: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)),
        default=lambda: list(DEFAULT_WRITE_KEY_FIELDS),
        server_default=text("'{" + ",".join(DEFAULT_WRITE_KEY_FIELDS) + "}'::varchar(64)[]"),
    )


class WebhookEvent(Base):
    """Every verified webhook delivery, by source and event id: replays are recognised and ignored.

    `unmatched` deliveries (no account for the customer/account they name) keep their payload and are
    processed again when that account appears.
    """

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("source", "event_id"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in WEBHOOK_STATUSES)})", name="status"),
        Index("ix_webhook_events_unmatched", "account_ref", postgresql_where=text("status = 'unmatched'")),
        Index("ix_webhook_events_received_at", "received_at", postgresql_using="brin"),
    )

    id: Mapped[BigId]
    source: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))
    # What the event points at, as received: an account external id or a billing customer id.
    account_ref: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[str] = mapped_column(Text, default="", server_default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())
    processed_at: Mapped[datetime | None]


class DataImport(Base):
    """One CSV import (from the CLI or the admin page): what, by whom, how far, with what outcome."""

    __tablename__ = "data_imports"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in IMPORT_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in IMPORT_STATUSES)})", name="status"),
    )

    id: Mapped[BigId]
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="running", server_default="running")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    requested_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    rows_read: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_inserted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_updated: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_failed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # All errors are counted; only the first `MAX_STORED_ERRORS` are kept as rows.
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    started_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    finished_at: Mapped[datetime | None]


class ImportRowError(Base):
    """One problem with one row (or the whole file, row 0) of an import."""

    __tablename__ = "import_row_errors"

    id: Mapped[BigId]
    import_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("data_imports.id", ondelete="CASCADE"), index=True
    )
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(255), default="", server_default="")
    value: Mapped[str] = mapped_column(Text, default="", server_default="")
    reason: Mapped[str] = mapped_column(Text)


class RollupPending(Base):
    """Account-days whose raw events changed since the last roll-up; the roll-up job drains it."""

    __tablename__ = "rollup_pending"

    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class Subscription(TimestampMixin, Base):
    """A billing subscription (from Stripe). An account with linked subscriptions takes its MRR from them."""

    __tablename__ = "subscriptions"

    id: Mapped[BigId]
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(16), default="stripe", server_default="stripe")
    status: Mapped[str] = mapped_column(String(32))
    mrr: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), server_default="0")
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    started_at: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
