"""Figures for comparing filter sets side by side: size, ARR, score, band mix and churn."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.filters import Filters, apply, health_join
from dashapp.money import Money
from models.account import Account


def churn(
    session: Session, filters: Filters, *, days: int = 365, today: date | None = None
) -> dict[str, Any]:
    """Accounts of the set (ignoring its churn-status filter) that churned in the last `days`, and the rate
    over the accounts that were active at the start of that period."""
    today = today or date.today()
    start = datetime.combine(today - timedelta(days=days), time.min, UTC)
    everyone = filters.model_copy(update={"status": "all"})
    money = Money.of(session)
    lost = money.convert(Account.arr, Account.currency, Account.churned_at)  # at the rate of the churn day
    stmt = apply(
        select(
            func.count().filter(Account.churned_at >= start).label("churned"),
            func.count().filter((Account.churned_at.is_(None)) | (Account.churned_at >= start)).label("base"),
            func.coalesce(func.sum(lost).filter(Account.churned_at >= start), 0).label("churned_arr"),
        ).select_from(health_join()),
        everyone,
        today,
    )
    row = session.execute(stmt).one()
    ids = apply(select(Account.id).select_from(health_join()), everyone, today)
    money.check(
        select(Account.currency, Account.churned_at).where(Account.id.in_(ids), Account.churned_at >= start)
    )
    return {
        "churned": row.churned,
        "base": row.base,
        "rate": 100.0 * row.churned / row.base if row.base else None,
        "churned_arr": float(row.churned_arr),
        "currency": money.currency,
        "fx_warnings": money.warnings,
    }
