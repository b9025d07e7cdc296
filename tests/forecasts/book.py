"""A small book with weekly-patterned health and usage history, for the forecast tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
from sqlalchemy.orm import Session

from models.account import Account
from models.activity import AccountDailyMetric
from tests.support.factories import make_account
from tests.support.health_rows import make_history

WEEKLY = np.array([0.0, 1.0, 2.0, 2.5, 2.0, -3.0, -4.5])


def score_path(level: float, days: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    values = level + 0.05 * t + WEEKLY[t % 7] * 2 + rng.normal(0, 0.8, days)
    return [float(v) for v in np.clip(values, 0, 100).round(2)]


def seed_forecast_book(
    session: Session, *, days: int = 70, end: date | None = None, prefix: str = "fc"
) -> list[Account]:
    """Four accounts over two segments (one red), each with `days` daily snapshots and usage rows ending
    on `end` (today)."""
    end = end or date.today()
    specs = [
        ("smb", 25.0, "1000"),
        ("smb", 55.0, "500"),
        ("enterprise", 75.0, "9000"),
        ("enterprise", 65.0, "4000"),
    ]
    accounts = []
    for i, (segment, level, mrr) in enumerate(specs):
        account = make_account(
            session,
            external_id=f"{prefix}-{i}",
            name=f"Forecast Co {i}",
            segment=segment,
            mrr=Decimal(mrr),
            contract_start=end - timedelta(days=days - 10 * i),
        )
        make_history(session, account, score_path(level, days, seed=i), end=end)
        start = end - timedelta(days=days - 1)
        for d in range(days):
            day = start + timedelta(days=d)
            if day.weekday() < 5:  # nobody works at weekends: those days have no rows
                session.add(AccountDailyMetric(account_id=account.id, day=day, active_users=3 + i + d % 3))
        accounts.append(account)
    accounts[1].churned_at = datetime.combine(end - timedelta(days=5), datetime.min.time())
    session.flush()
    return accounts
