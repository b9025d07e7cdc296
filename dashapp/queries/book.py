"""Figures about the whole book of business (accounts, ARR, mix)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from dashapp.money import Money
from models.account import Account, live
from models.activity import AccountDailyMetric


@dataclass(frozen=True)
class BookSummary:
    accounts: int
    active_accounts: int
    churned_accounts: int
    arr: Decimal
    currency: str
    last_activity_day: object | None
    fx_warnings: tuple[str, ...] = ()


def book_summary(session: Session, today: date | None = None) -> BookSummary:
    """ARR of the active accounts in the reporting currency, at today's rates."""
    day = today or date.today()
    money = Money.of(session)
    arr = money.convert(Account.arr, Account.currency, day)
    active = Account.churned_at.is_(None)
    row = session.execute(
        select(
            func.count(),
            func.count().filter(active),
            func.count().filter(~active),
            func.coalesce(func.sum(case((active, arr), else_=0)), 0),
        )
        .select_from(Account)
        .where(live(Account))
    ).one()
    last_day = session.scalar(select(func.max(AccountDailyMetric.day)))
    return BookSummary(
        accounts=row[0],
        active_accounts=row[1],
        churned_accounts=row[2],
        arr=Decimal(row[3]),
        currency=money.currency,
        last_activity_day=last_day,
        fx_warnings=tuple(
            money.check_day(select(Account.currency).where(active, live(Account)).distinct(), day)
        ),
    )


def accounts_by_segment(session: Session, today: date | None = None) -> list[dict]:
    """Active accounts and ARR (reporting currency, today's rates) per segment, largest ARR first."""
    segment = func.coalesce(Account.segment, "unassigned")
    arr = func.sum(Money.of(session).convert(Account.arr, Account.currency, today or date.today()))
    rows = session.execute(
        select(segment.label("segment"), func.count().label("accounts"), arr.label("arr"))
        .where(Account.churned_at.is_(None))
        .group_by(segment)
        .order_by(arr.desc().nulls_last())
    ).all()
    return [{"segment": r.segment, "accounts": r.accounts, "arr": float(r.arr or 0)} for r in rows]
