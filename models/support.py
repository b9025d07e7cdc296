"""Support tickets and their satisfaction ratings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")


class SupportTicket(TimestampMixin, Base):
    __tablename__ = "support_tickets"
    __table_args__ = (
        CheckConstraint(f"priority IN ({', '.join(repr(p) for p in TICKET_PRIORITIES)})", name="priority"),
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in TICKET_STATUSES)})", name="status"),
        CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="csat_range"),
        Index("ix_support_tickets_account_opened", "account_id", "opened_at"),
    )

    id: Mapped[BigId]
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(500), default="", server_default="")
    priority: Mapped[str] = mapped_column(String(8), default="normal", server_default="normal", index=True)
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open", index=True)
    opened_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    csat: Mapped[int | None] = mapped_column(SmallInteger)
