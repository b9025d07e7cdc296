"""Invoices and payment attempts. Money is NUMERIC with its currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

INVOICE_STATUSES = ("draft", "open", "paid", "failed", "refunded", "void")
PAYMENT_STATUSES = ("succeeded", "failed", "refunded")


class Invoice(TimestampMixin, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in INVOICE_STATUSES)})", name="status"),
        Index("ix_invoices_account_issued", "account_id", "issued_at"),
    )

    id: Mapped[BigId]
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    amount_refunded: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), server_default="0")
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    status: Mapped[str] = mapped_column(String(10), index=True)
    issued_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]


class Payment(TimestampMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in PAYMENT_STATUSES)})", name="status"),
    )

    id: Mapped[BigId]
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    invoice_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempted_at: Mapped[datetime]
    failure_reason: Mapped[str | None] = mapped_column(String(500))
