"""Overview figures over the filtered accounts: KPIs, distribution, band migration, movers, renewals at risk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, cast, func, select
from sqlalchemy.orm import Session

from dashapp.cache import cached_read, codec
from dashapp.filters import Filters, apply, health_join
from dashapp.money import Money
from dashapp.queries.band_counts import band_counts
from models.account import Account
from models.health import AccountHealth

TREND_POINTS = 14  # at most this many days are sampled across the trend window


@codec.register
@dataclass(frozen=True)
class Kpis:
    accounts: int
    scored: int
    arr: Decimal
    avg_score: float | None
    avg_score_30d_ago: float | None
    arr_by_band: dict[str, Decimal] = field(default_factory=dict)
    accounts_by_band: dict[str, int] = field(default_factory=dict)
    # ARR is in `currency` (the reporting currency), converted at today's rates; warnings name missing rates.
    currency: str = "USD"
    fx_warnings: tuple[str, ...] = ()

    @property
    def avg_change(self) -> float | None:
        if self.avg_score is None or self.avg_score_30d_ago is None:
            return None
        return self.avg_score - self.avg_score_30d_ago


@cached_read("overview.summary")
def summary(
    session: Session, filters: Filters, today: date | None = None
) -> tuple[Kpis, list[dict[str, Any]]]:
    """KPIs and the score distribution in one pass over the filtered accounts (grouped by band and
    10-point bucket: at most 31 groups). ARR is converted to the reporting currency at today's rates."""
    day = today or date.today()
    money = Money.of(session)
    band = func.coalesce(AccountHealth.band, "unscored").label("band")
    bucket = func.least(cast(func.floor(AccountHealth.score / 10), Float), 9).label("bucket")
    stmt = apply(
        select(
            band,
            bucket,
            func.count().label("accounts"),
            func.coalesce(func.sum(money.convert(Account.arr, Account.currency, day)), 0).label("arr"),
            func.sum(AccountHealth.score).label("score_sum"),
            func.count(AccountHealth.score).label("scored"),
            func.sum(AccountHealth.score - AccountHealth.delta_30).label("past_sum"),
            func.count(AccountHealth.delta_30).label("past_n"),
        )
        .select_from(health_join())
        .group_by(band, bucket),
        filters,
        today,
    )
    rows = session.execute(stmt).all()
    scored = sum(r.scored for r in rows)
    past_n = sum(r.past_n for r in rows)
    arr_by_band: dict[str, Decimal] = {}
    accounts_by_band: dict[str, int] = {}
    for r in rows:
        arr_by_band[r.band] = arr_by_band.get(r.band, Decimal(0)) + Decimal(r.arr)
        accounts_by_band[r.band] = accounts_by_band.get(r.band, 0) + r.accounts
    kpis = Kpis(
        accounts=sum(r.accounts for r in rows),
        scored=scored,
        arr=sum(arr_by_band.values(), Decimal(0)),
        avg_score=(sum(r.score_sum or 0 for r in rows) / scored) if scored else None,
        avg_score_30d_ago=(sum(r.past_sum or 0 for r in rows) / past_n) if past_n else None,
        arr_by_band=arr_by_band,
        accounts_by_band=accounts_by_band,
        currency=money.currency,
        fx_warnings=tuple(money.check_day(account_currencies(filters, today), day)),
    )
    distribution = sorted(
        (
            {"bucket": int(r.bucket), "band": r.band, "accounts": r.accounts}
            for r in rows
            if r.bucket is not None
        ),
        key=lambda d: (d["bucket"], d["band"]),
    )
    return kpis, distribution


def kpis(session: Session, filters: Filters, today: date | None = None) -> Kpis:
    return summary(session, filters, today)[0]


def score_distribution(session: Session, filters: Filters, today: date | None = None) -> list[dict[str, Any]]:
    """Accounts per 10-point score bucket and band: [{"bucket": 0..9, "band", "accounts"}]."""
    return summary(session, filters, today)[1]


def sample_days(start: date, end: date, points: int = TREND_POINTS) -> list[date]:
    """Evenly spaced days ending on `end` (the latest day is always included)."""
    span = (end - start).days
    step = max(1, -(-span // max(points - 1, 1)))
    days = [end - timedelta(days=i * step) for i in range(points) if end - timedelta(days=i * step) >= start]
    return sorted(days)


def account_currencies(filters: Filters, today: date | None = None) -> Any:
    """The currencies of the filtered accounts (for naming missing rates)."""
    return select(Account.currency).where(Account.id.in_(filtered_ids(filters, today))).distinct()


def filtered_ids(filters: Filters, today: date | None = None) -> Any:
    """A subquery of the filtered accounts' ids."""
    source = health_join() if filters.needs_health() else Account.__table__
    return apply(select(Account.id).select_from(source), filters, today)


@cached_read("overview.band_trend")
def band_trend(session: Session, filters: Filters, today: date | None = None) -> list[dict[str, Any]]:
    """Per sampled day of the trend window: accounts per band and the average score."""
    start, end = filters.trend_window(today)
    return band_counts(session, sample_days(start, end), filters, today)


def movers(
    session: Session, filters: Filters, *, days: int = 30, limit: int = 8, today: date | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Biggest score changes up and down over `days` (7, 30 or 90), with their why-it-moved sentence."""
    delta = {7: AccountHealth.delta_7, 30: AccountHealth.delta_30, 90: AccountHealth.delta_90}[days]
    base = apply(
        select(
            Account.external_id,
            Account.name,
            Account.arr,
            Account.currency,
            AccountHealth.score,
            AccountHealth.band,
            delta.label("change"),
            AccountHealth.explanation_text.label("why"),
        )
        .select_from(health_join())
        .where(delta.is_not(None)),
        filters,
        today,
    )
    up = session.execute(base.where(delta > 0).order_by(delta.desc(), Account.id).limit(limit)).all()
    down = session.execute(base.where(delta < 0).order_by(delta.asc(), Account.id).limit(limit)).all()
    return {"up": [r._asdict() for r in up], "down": [r._asdict() for r in down]}


def renewals_at_risk(
    session: Session, filters: Filters, *, within_days: int = 90, limit: int = 10, today: date | None = None
) -> list[dict[str, Any]]:
    """Red and yellow accounts renewing within `within_days`, soonest first."""
    today = today or date.today()
    stmt = apply(
        select(
            Account.external_id,
            Account.name,
            Account.arr,
            Account.currency,
            Account.renewal_date,
            AccountHealth.score,
            AccountHealth.band,
            AccountHealth.explanation_text.label("why"),
        )
        .select_from(health_join())
        .where(
            AccountHealth.band.in_(("red", "yellow")),
            Account.renewal_date >= today,
            Account.renewal_date <= today + timedelta(days=within_days),
        )
        .order_by(Account.renewal_date, Account.arr.desc(), Account.id)
        .limit(limit),
        filters,
        today,
    )
    return [r._asdict() for r in session.execute(stmt)]
