"""Cohort rows over the filtered accounts: sizes and month-0 MRR, churn months, monthly revenue per cohort
(definitions in `analytics.cohorts`), and health by cohort age."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Date, Integer, cast, func, literal, select
from sqlalchemy.orm import Session

from dashapp.analytics.activity_cohorts import ActivityCohorts, activity_cohorts
from dashapp.cache import cached_read
from dashapp.filters import Filters, apply, health_join
from dashapp.money import Money
from models.account import Account
from models.billing import Invoice
from models.health import AccountHealth

DATE_FIELDS = {"contract_start": "Contract start", "created_at": "Created in healthdash"}
SPLITS = {"": "No split", "segment": "Segment", "plan": "Plan", "region": "Region"}


def _months(later: Any, earlier: Any) -> Any:
    return cast(
        (func.extract("year", later) - func.extract("year", earlier)) * 12
        + func.extract("month", later)
        - func.extract("month", earlier),
        Integer,
    )


def _accounts_cte(filters: Filters, date_field: str, split: str, since: date, today: date | None) -> Any:
    column = getattr(Account, date_field if date_field in DATE_FIELDS else "contract_start")
    split_col = (
        func.coalesce(getattr(Account, split), "unassigned") if split in SPLITS and split else literal("All")
    )
    stmt = (
        select(
            Account.id.label("id"),
            cast(func.date_trunc("month", column), Date).label("cohort"),
            Account.churned_at.label("churned_at"),
            split_col.label("split"),
        )
        .select_from(health_join())
        .where(column.is_not(None), column >= since)
    )
    return apply(
        stmt, filters.model_copy(update={"status": "all"}) if filters.status == "active" else filters, today
    ).cte("acc")


@cached_read("cohorts.cohort_rows")
def cohort_rows(
    session: Session, filters: Filters, *, date_field: str, split: str, since: date, today: date | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Cohorts keep their churned accounts (that is what retention measures), so `status=active` is ignored.
    Revenue is in the reporting currency, each invoice at the rate of its issue day; `fx_warnings` names the
    missing rates (those invoices are left out)."""
    acc = _accounts_cte(filters, date_field, split, since, today)
    month = cast(func.date_trunc("month", Invoice.issued_at), Date)
    money = Money.of(session)
    paid = Invoice.status.in_(("paid", "refunded"))
    net = money.convert(Invoice.amount - Invoice.amount_refunded, Invoice.currency, Invoice.issued_at)
    rev = (
        select(
            Invoice.account_id.label("account_id"),
            month.label("month"),
            func.sum(net).label("mrr"),
        )
        .join(acc, acc.c.id == Invoice.account_id)
        .where(paid)
        .group_by(Invoice.account_id, month)
        .cte("rev")
    )
    rev_k = (
        select(
            rev.c.account_id,
            acc.c.cohort,
            acc.c.split,
            _months(rev.c.month, acc.c.cohort).label("k"),
            rev.c.mrr,
        )
        .join(acc, acc.c.id == rev.c.account_id)
        .where(rev.c.month >= acc.c.cohort)
        .cte("rev_k")
    )
    base = select(rev_k.c.account_id, rev_k.c.mrr.label("mrr0")).where(rev_k.c.k == 0).cte("base")
    revenue = session.execute(
        select(
            rev_k.c.split,
            rev_k.c.cohort,
            rev_k.c.k.label("month"),
            func.sum(rev_k.c.mrr).label("revenue"),
            func.sum(func.least(rev_k.c.mrr, func.coalesce(base.c.mrr0, 0))).label("kept"),
        )
        .select_from(rev_k.outerjoin(base, base.c.account_id == rev_k.c.account_id))
        .group_by(rev_k.c.split, rev_k.c.cohort, rev_k.c.k)
    ).all()
    sizes = session.execute(
        select(
            acc.c.split,
            acc.c.cohort,
            func.count().label("accounts"),
            func.coalesce(func.sum(base.c.mrr0), 0).label("mrr0"),
        )
        .select_from(acc.outerjoin(base, base.c.account_id == acc.c.id))
        .group_by(acc.c.split, acc.c.cohort)
        .order_by(acc.c.split, acc.c.cohort)
    ).all()
    churn_k = _months(acc.c.churned_at, acc.c.cohort)
    churns = session.execute(
        select(acc.c.split, acc.c.cohort, churn_k.label("month"), func.count().label("accounts"))
        .where(acc.c.churned_at.is_not(None))
        .group_by(acc.c.split, acc.c.cohort, churn_k)
    ).all()
    money.check(
        select(Invoice.currency, Invoice.issued_at).join(acc, acc.c.id == Invoice.account_id).where(paid)
    )
    return {
        "sizes": [r._asdict() for r in sizes],
        "churns": [r._asdict() for r in churns],
        "revenue": [r._asdict() for r in revenue],
        "currency": money.currency,
        "fx_warnings": money.warnings,
    }


AGE_BUCKETS = (
    (0, 3, "0-3 months"),
    (3, 6, "3-6 months"),
    (6, 12, "6-12 months"),
    (12, 24, "1-2 years"),
    (24, 10_000, "2+ years"),
)


@cached_read("cohorts.health_by_age")
def health_by_age(
    session: Session, filters: Filters, *, date_field: str, split: str, today: date | None = None
) -> list[dict[str, Any]]:
    """Average current score and accounts per cohort-age bucket (months since the start date)."""
    today = today or date.today()
    column = getattr(Account, date_field if date_field in DATE_FIELDS else "contract_start")
    split_col = (
        func.coalesce(getattr(Account, split), "unassigned") if split in SPLITS and split else literal("All")
    )
    age = _months(literal(today, Date), column)
    stmt = apply(
        select(
            split_col.label("split"),
            age.label("age"),
            func.count().label("accounts"),
            func.avg(AccountHealth.score).label("avg_score"),
        )
        .select_from(health_join())
        .where(column.is_not(None), AccountHealth.score.is_not(None))
        .group_by(split_col, age),
        filters,
        today,
    )
    buckets: dict[tuple[str, str], list[float]] = {}
    for r in session.execute(stmt):
        label = next(lab for lo, hi, lab in AGE_BUCKETS if lo <= max(r.age, 0) < hi)
        total = buckets.setdefault((r.split, label), [0.0, 0.0])
        total[0] += r.accounts
        total[1] += float(r.avg_score) * r.accounts
    return [
        {"split": s, "bucket": lab, "accounts": int(n), "avg_score": total / n if n else None}
        for (s, lab), (n, total) in sorted(
            buckets.items(), key=lambda kv: (kv[0][0], [b[2] for b in AGE_BUCKETS].index(kv[0][1]))
        )
    ]


def activity_rows(
    session: Session, filters: Filters, *, split: str, today: date | None = None
) -> tuple[list[dict[str, Any]], date | None]:
    """(one row per filtered account and month with any activity: a usage day with events, or a paid or
    refunded invoice; the last day of activity in the whole book). Cohorts keep their lapsed accounts, so
    `status=active` is ignored, as in `cohort_rows`."""
    from models.activity import AccountDailyMetric

    split_col = (
        func.coalesce(getattr(Account, split), "unassigned") if split in SPLITS and split else literal("All")
    )
    accounts = apply(
        select(Account.id.label("id"), split_col.label("split")).select_from(health_join()),
        filters.model_copy(update={"status": "all"}) if filters.status == "active" else filters,
        today,
    ).cte("acc")
    usage_month = cast(func.date_trunc("month", AccountDailyMetric.day), Date)
    invoice_month = cast(func.date_trunc("month", func.timezone("UTC", Invoice.issued_at)), Date)
    months = (
        select(AccountDailyMetric.account_id.label("account_id"), usage_month.label("month"))
        .where(AccountDailyMetric.events > 0)
        .union(
            select(Invoice.account_id, invoice_month).where(
                Invoice.account_id.is_not(None), Invoice.status.in_(("paid", "refunded"))
            )
        )
        .subquery("months")
    )
    rows = session.execute(
        select(months.c.account_id, months.c.month, accounts.c.split).join(
            accounts, accounts.c.id == months.c.account_id
        )
    ).all()
    last_usage = session.scalar(select(func.max(AccountDailyMetric.day)))
    last_invoice = session.scalar(select(func.max(cast(func.timezone("UTC", Invoice.issued_at), Date))))
    last = max((d for d in (last_usage, last_invoice) if d is not None), default=None)
    return [r._asdict() for r in rows], last


@cached_read("cohorts.activity_retention")
def activity_retention(
    session: Session, filters: Filters, *, split: str, max_months: int = 36, today: date | None = None
) -> dict[str, Any]:
    """First-activity cohorts (`analytics.activity_cohorts`) as plain rows, small enough to cache even when
    `activity_rows` is millions of account-months: {"last_month", "rows": [{"split", "label", "accounts",
    "retention": [percent or None per month since the cohort]}]}."""
    active, last_day = activity_rows(session, filters, split=split, today=today)
    result = activity_cohorts(pd.DataFrame(active), last_day, max_months=max_months)
    rows = [
        {
            "split": split_value,
            "label": label,
            "accounts": int(result.sizes[(split_value, label)]),
            "retention": [None if math.isnan(v) else float(v) for v in values.tolist()],
        }
        for (split_value, label), values in result.retention.iterrows()
    ]
    return {"last_month": result.last_month, "rows": rows}


def as_activity_cohorts(retention: dict[str, Any]) -> ActivityCohorts:
    """`activity_retention`'s rows back as the frames the charts draw."""
    rows = retention["rows"]
    if not rows:
        return ActivityCohorts(pd.DataFrame(), pd.Series(dtype=int), retention["last_month"])
    index = pd.MultiIndex.from_tuples([(r["split"], r["label"]) for r in rows], names=["split", "label"])
    values = [[float("nan") if v is None else v for v in r["retention"]] for r in rows]
    table = pd.DataFrame(values, index=index, columns=range(len(values[0])), dtype=float)
    sizes = pd.Series([r["accounts"] for r in rows], index=index)
    return ActivityCohorts(table, sizes, retention["last_month"])
