"""Revenue impact rows from the database, and `revenue_impact_summary` for pages, the API and reports.

There is no MRR history table, so ARR at a date is derived from invoices (issued monthly for the MRR in
force): 12 x the amount of the account's latest invoice (not draft or void) issued in the `MRR_LOOKBACK_DAYS`
days up to that date. Churn is `accounts.churned_at` falling in the horizon. Scores and bands are the stored
health snapshots of the as-of date. Each invoice is converted to the reporting currency at the rate of its
issue day (`dashapp.money`); missing rates leave the invoice out and are named in `fx_warnings`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Date, Select, and_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from dashapp.analytics.revenue_impact import (
    BOOTSTRAP,
    BOOTSTRAP_MAX_ACCOUNTS,
    HORIZON_DAYS,
    RevenueImpact,
    revenue_impact,
)
from dashapp.filters import Filters, apply, health_join
from dashapp.money import Money
from models.account import Account
from models.billing import Invoice
from models.health import HealthSnapshot

MRR_LOOKBACK_DAYS = 45
METHOD = (
    f"ARR on a date is 12 x the latest invoice (not draft or void) issued in the {MRR_LOOKBACK_DAYS} days up to it, "
    "since invoices are issued monthly for the MRR in force; there is no separate MRR history. An account churned "
    "if its churn date falls in the horizon (its whole starting ARR counts as churned); otherwise it contracted or "
    "expanded when its ARR at the end of the horizon is below or above its starting ARR. Shares of ARR divide by the "
    "group's starting ARR. Intervals are 95%: Wilson for shares of accounts; for shares of ARR a percentile "
    f"bootstrap over the group's accounts ({BOOTSTRAP:,} resamples) when it has up to {BOOTSTRAP_MAX_ACCOUNTS:,} "
    "accounts, the delta-method (linearised) interval of a ratio above that. When no account of a group had an "
    "outcome, its ARR interval is 0-0 by construction: read the Wilson interval of the accounts instead. "
    "Deciles rank accounts by score on the as-of date (D1 = lowest). "
    "Invoices are converted to the reporting currency at the ECB reference rate of their issue day. "
    "Accounts with no invoice at the as-of date, or (if not churned) none at the end, are left out and counted. "
    "Filters pick accounts by what they are now (segment, owner, current score...); bands and deciles are those of "
    "the as-of date."
)


def default_as_of(
    session: Session, horizon_days: int = HORIZON_DAYS, today: date | None = None
) -> date | None:
    """The latest snapshot day whose whole horizon has passed (None when there is none)."""
    last = (today or date.today()) - timedelta(days=horizon_days)
    return session.scalar(select(func.max(HealthSnapshot.day)).where(HealthSnapshot.day <= last))


def _arr_at(day: date, accounts: Any, money: Money) -> Select:
    """12 x the latest invoice amount issued in the lookback window ending on `day`, per account, in the
    reporting currency at the rate of the invoice's day."""
    first = day - timedelta(days=MRR_LOOKBACK_DAYS - 1)
    converted = money.convert(Invoice.amount, Invoice.currency, Invoice.issued_at)
    return (
        select(Invoice.account_id, (converted * 12).label("arr"), Invoice.currency, Invoice.issued_at)
        .where(
            Invoice.account_id.in_(select(accounts.c.id)),
            Invoice.status.not_in(("draft", "void")),
            cast(Invoice.issued_at, Date) >= first,
            cast(Invoice.issued_at, Date) <= day,
        )
        .ext(distinct_on(Invoice.account_id))
        .order_by(Invoice.account_id, Invoice.issued_at.desc(), Invoice.id.desc())
    )


def impact_rows(
    session: Session,
    filters: Filters,
    as_of: date,
    horizon_days: int = HORIZON_DAYS,
    money: Money | None = None,
) -> pd.DataFrame:
    """One row per account matching `filters` that was live and scored on `as_of` (filters' `status` is
    ignored: what counts is being live on the as-of date). ARR is in the reporting currency; `money`
    collects the missing rates."""
    money = money or Money.of(session)
    end = as_of + timedelta(days=horizon_days)
    live = or_(Account.churned_at.is_(None), cast(Account.churned_at, Date) > as_of)
    accounts = apply(
        select(Account.id, Account.churned_at).select_from(health_join()).where(live),
        filters.model_copy(update={"status": "all"}),
    ).cte("acc")
    start_sel, end_sel = _arr_at(as_of, accounts, money), _arr_at(end, accounts, money)
    start_arr, end_arr = start_sel.subquery("start_arr"), end_sel.subquery("end_arr")
    churned = and_(
        accounts.c.churned_at.is_not(None),
        cast(accounts.c.churned_at, Date) > as_of,
        cast(accounts.c.churned_at, Date) <= end,
    )
    stmt = (
        select(
            HealthSnapshot.account_id,
            HealthSnapshot.score,
            HealthSnapshot.band,
            start_arr.c.arr.label("arr_start"),
            end_arr.c.arr.label("arr_end"),
            func.coalesce(churned, False).label("churned"),
        )
        .join(accounts, accounts.c.id == HealthSnapshot.account_id)
        .outerjoin(start_arr, start_arr.c.account_id == HealthSnapshot.account_id)
        .outerjoin(end_arr, end_arr.c.account_id == HealthSnapshot.account_id)
        .where(HealthSnapshot.day == as_of)
        .order_by(HealthSnapshot.account_id)
    )
    rows = session.execute(stmt).mappings().all()
    for used in (start_arr, end_arr):
        money.check(select(used.c.currency, used.c.issued_at))
    frame = pd.DataFrame(rows, columns=["account_id", "score", "band", "arr_start", "arr_end", "churned"])
    for column in ("score", "arr_start", "arr_end"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["churned"] = frame["churned"].astype(bool)
    return frame


def compute(
    session: Session,
    filters: Filters | None = None,
    as_of: date | None = None,
    *,
    horizon_days: int = HORIZON_DAYS,
    today: date | None = None,
    money: Money | None = None,
) -> tuple[date | None, RevenueImpact | None]:
    """(as-of date used, result); (None, None) when no snapshot is old enough for a whole horizon."""
    day = as_of or default_as_of(session, horizon_days, today)
    if day is None:
        return None, None
    frame = impact_rows(session, filters or Filters(), day, horizon_days, money)
    return day, revenue_impact(frame, horizon_days=horizon_days)


def revenue_impact_summary(
    session: Session,
    filters: Filters | None = None,
    as_of: date | None = None,
    *,
    horizon_days: int = HORIZON_DAYS,
    today: date | None = None,
) -> dict[str, Any]:
    """Revenue impact as plain data (for the API, the page and the executive report):
    {"as_of", "horizon_days", "window_complete", "method", "available", "reason", "result", "currency",
    "fx_warnings"}."""
    today = today or date.today()
    money = Money.of(session)
    day, result = compute(session, filters, as_of, horizon_days=horizon_days, today=today, money=money)
    if day is None or result is None:
        return {
            "available": False,
            "reason": f"No health snapshot is at least {horizon_days} days old yet, so no horizon has passed.",
            "as_of": None,
            "horizon_days": horizon_days,
            "window_complete": False,
            "method": METHOD,
            "result": None,
            "currency": money.currency,
            "fx_warnings": [],
        }
    return {
        "available": result.scored > 0,
        "reason": "" if result.scored else f"No account matching the filters had a health snapshot on {day}.",
        "as_of": day,
        "horizon_days": horizon_days,
        "window_complete": day + timedelta(days=horizon_days) <= today,
        "method": METHOD,
        "result": result.as_dict(),
        "currency": money.currency,
        "fx_warnings": money.warnings,
    }
