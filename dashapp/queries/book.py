"""Figures about the whole book of business (accounts, ARR, mix)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from models.account import Account
from models.activity import AccountDailyMetric


@dataclass(frozen=True)
class BookSummary:
    accounts: int
    active_accounts: int
    churned_accounts: int
    arr: Decimal
    currency: str
    last_activity_day: object | None


def book_summary(session: Session) -> BookSummary:
    active = Account.churned_at.is_(None)
    row = session.execute(
        select(
            func.count(),
            func.count().filter(active),
            func.count().filter(~active),
            func.coalesce(func.sum(case((active, Account.arr), else_=0)), 0),
            func.mode().within_group(Account.currency),
        ).select_from(Account)
    ).one()
    last_day = session.scalar(select(func.max(AccountDailyMetric.day)))
    return BookSummary(
        accounts=row[0],
        active_accounts=row[1],
        churned_accounts=row[2],
        arr=Decimal(row[3]),
        currency=row[4] or "USD",
        last_activity_day=last_day,
    )


def accounts_by_segment(session: Session) -> list[dict]:
    """Active accounts and ARR per segment, largest ARR first."""
    segment = func.coalesce(Account.segment, "unassigned")
    rows = session.execute(
        select(segment.label("segment"), func.count().label("accounts"), func.sum(Account.arr).label("arr"))
        .where(Account.churned_at.is_(None))
        .group_by(segment)
        .order_by(func.sum(Account.arr).desc())
    ).all()
    return [{"segment": r.segment, "accounts": r.accounts, "arr": float(r.arr or 0)} for r in rows]
