"""Customer accounts (with hierarchy and custom attributes) and their contacts.

Accounts and contacts deleted through the API are kept, with `deleted_at` set, until the retention period
ends (then purged): every read of accounts or contacts keeps only the live ones through `live()` (or
`live_sql()` in hand-written SQL), so a deleted account leaves lists, pages, scoring, alerts and exports.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from models.db import Base, BigId, TimestampMixin

SEGMENTS = ("enterprise", "mid-market", "smb")
LIFECYCLE_STAGES = ("onboarding", "adopting", "mature", "renewing", "churned")


class Account(TimestampMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("mrr >= 0", name="mrr_not_negative"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        Index("ix_accounts_custom_attributes", "custom_attributes", postgresql_using="gin"),
        Index("ix_accounts_name_lower", text("lower(name)")),
        # Sorting the account list by name pages through this index instead of sorting the whole book.
        Index("ix_accounts_name", "name"),
        # The purge and the restore window look at deleted rows only; lists read the live ones by name.
        Index("ix_accounts_deleted_at", "deleted_at", postgresql_where=text("deleted_at IS NOT NULL")),
        Index("ix_accounts_live_name", "name", "id", postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[BigId]
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    parent_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="SET NULL"), index=True
    )
    segment: Mapped[str | None] = mapped_column(String(64), index=True)
    plan: Mapped[str | None] = mapped_column(String(64), index=True)
    industry: Mapped[str | None] = mapped_column(String(128), index=True)
    region: Mapped[str | None] = mapped_column(String(64), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    lifecycle_stage: Mapped[str | None] = mapped_column(String(32), index=True)
    # Money is exact: NUMERIC with its currency. ARR is derived from MRR so the two never disagree.
    mrr: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"), server_default="0")
    arr: Mapped[Decimal] = mapped_column(Numeric(16, 2), Computed("mrr * 12", persisted=True), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    contract_start: Mapped[date | None] = mapped_column(Date, index=True)
    renewal_date: Mapped[date | None] = mapped_column(Date, index=True)
    churned_at: Mapped[datetime | None] = mapped_column(index=True)
    churn_reason: Mapped[str | None] = mapped_column(Text)
    custom_attributes: Mapped[dict[str, Any]] = mapped_column(
        JSONB, default=dict, server_default=text("'{}'::jsonb")
    )
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    parent: Mapped[Account | None] = relationship(remote_side="Account.id", back_populates="children")
    children: Mapped[list[Account]] = relationship(back_populates="parent")
    contacts: Mapped[list[Contact]] = relationship(back_populates="account")

    @property
    def is_churned(self) -> bool:
        return self.churned_at is not None

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.external_id}>"


class Contact(TimestampMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_deleted_at", "deleted_at", postgresql_where=text("deleted_at IS NOT NULL")),
        Index("ix_contacts_live_account", "account_id", "id", postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[BigId]
    # A contact seen (e.g. by a Segment identify) before it is linked to an account has no account yet.
    account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    traits: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    last_seen_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    account: Mapped[Account | None] = relationship(back_populates="contacts")


def live(model: type[Account] | type[Contact] | Any = Account) -> ColumnElement[bool]:
    """THE predicate for rows not deleted: `model` is Account, Contact or an alias of either."""
    return model.deleted_at.is_(None)


def live_sql(alias: str = "accounts") -> str:
    """`live()` for hand-written SQL over accounts or contacts read as `alias`."""
    return f"{alias}.deleted_at IS NULL"
