"""Playbooks (ordered steps with due offsets), the tasks people work through, and free-text account notes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, BigId, TimestampMixin

TASK_STATUSES = ("open", "done", "cancelled")
TASK_SOURCES = ("manual", "playbook")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Playbook(TimestampMixin, Base):
    """A named list of steps; an alert rule naming it turns each of its alerts into those steps as tasks."""

    __tablename__ = "playbooks"

    id: Mapped[BigId]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class PlaybookStep(Base):
    """One step: what to do, and how many days after the alert opened it is due."""

    __tablename__ = "playbook_steps"
    __table_args__ = (
        UniqueConstraint("playbook_id", "position"),
        CheckConstraint("due_days >= 0 AND due_days <= 365", name="due_days_range"),
    )

    id: Mapped[BigId]
    playbook_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("playbooks.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    due_days: Mapped[int] = mapped_column(Integer)


class Task(TimestampMixin, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(_in("status", TASK_STATUSES), name="status"),
        CheckConstraint(_in("source", TASK_SOURCES), name="source"),
        CheckConstraint("(status = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        # One task per alert and playbook step: a re-run of the dispatch inserts nothing new.
        UniqueConstraint("alert_id", "playbook_step_id"),
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_date"),
        Index("ix_tasks_account_status", "account_id", "status"),
        Index("ix_tasks_open_due", "due_date", postgresql_where=text("status = 'open'")),
    )

    id: Mapped[BigId]
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(String(16), default="manual", server_default="manual")
    alert_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("alerts.id", ondelete="SET NULL"))
    playbook_step_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("playbook_steps.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class AccountNote(Base):
    """A free-text note on an account; it shows on the account's timeline."""

    __tablename__ = "account_notes"
    __table_args__ = (Index("ix_account_notes_account_created", "account_id", "created_at"),)

    id: Mapped[BigId]
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("accounts.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
