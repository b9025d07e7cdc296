"""Audit log: who did what to which object, when; and every change to an account's fields, with its source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import Base, BigId


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[BigId]
    at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    actor_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Kept as text too, so the record still says who acted after the user is deleted (or for "system").
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))
    ip: Mapped[str | None] = mapped_column(String(64))


def record(
    session: Session,
    *,
    actor_id: int | None,
    actor: str,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditLog:
    """Add an audit entry to the session (committed with the change it describes)."""
    entry = AuditLog(
        actor_id=actor_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
        ip=ip,
    )
    session.add(entry)
    return entry


class AccountChange(Base):
    """One field of one account changed (or the account created: field `(created)`), and where from.

    Written by a trigger on `accounts` (migration 0015), so no code path can change an account unrecorded.
    The writer names itself per transaction with `set_change_source`; unnamed writes are source `system`.
    """

    __tablename__ = "account_changes"
    __table_args__ = (Index("ix_account_changes_account_at", "account_id", "at"),)

    id: Mapped[BigId]
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    account_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="SET NULL"))
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[Any | None] = mapped_column(JSONB)
    new_value: Mapped[Any | None] = mapped_column(JSONB)
    # segment, csv_import, stripe, support, admin, api, system
    source: Mapped[str] = mapped_column(String(32), index=True)
    # Who: a write key ("write_key:<name> (<prefix>)"), a user's email, "cli" or "system".
    actor: Mapped[str] = mapped_column(String(320))


def set_change_source(pg: Any, source: str, actor: str) -> None:
    """Name the source and actor of the account changes the rest of this transaction makes.

    `pg` is a psycopg connection (SQLAlchemy callers: `session.connection().connection.driver_connection`).
    """
    pg.execute(
        "SELECT set_config('healthdash.change_source', %s, true), set_config('healthdash.change_actor', %s, true)",
        (source[:32], actor[:320]),
    )
