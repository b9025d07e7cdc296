"""Converting money to the reporting currency: the one definition every ARR, MRR, invoice and revenue
aggregate goes through.

An amount in currency C on day D becomes `amount x rate(R, D) / rate(C, D)` in the reporting currency R,
where rate(X, D) is X per 1 EUR (as the ECB publishes; EUR is 1) on D or, failing that, on the latest earlier
day at most `fx_lookback_days` before (weekends, holidays). An amount already in R is kept as it is. When a
rate is missing the converted amount is NULL, so totals leave it out, and `Money.warnings` names the currency
and day; an amount is never counted 1:1 across currencies.

The reporting currency and the lookback travel on the session (`session.info`, filled by `Database` from
the settings), so pages, the API, reports, exports and jobs all convert the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Numeric, Select, case, cast, literal, null, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models.fx import FxRate

EUR = "EUR"
DEFAULT_CURRENCY = "USD"
DEFAULT_LOOKBACK_DAYS = 7


def rate_on(currency: Any, day: Any, lookback_days: int) -> ColumnElement:
    """SQL: units of `currency` per EUR on `day` (a date expression) or the latest earlier day within the
    lookback; 1 for EUR; NULL when there is none."""
    latest = (
        select(FxRate.rate)
        .where(FxRate.currency == currency, FxRate.day <= day, FxRate.day >= day - lookback_days)
        .order_by(FxRate.day.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case((currency == EUR, literal(Decimal(1), Numeric)), else_=latest)


def convert_sql(amount: Any, currency: Any, day: Any, target: str, lookback_days: int) -> ColumnElement:
    """SQL: `amount` in `currency` on `day` (a date expression) in `target`; NULL when a rate is missing."""
    target_lit = literal(target)
    return case(
        (currency == target_lit, amount),
        else_=amount * rate_on(target_lit, day, lookback_days) / rate_on(currency, day, lookback_days),
    )


@dataclass
class Money:
    """The reporting currency of a session, the conversion expressions, and the warnings they gave."""

    session: Session
    currency: str = DEFAULT_CURRENCY
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    missing: dict[str, list[date]] = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session) -> Money:
        info = session.info
        return cls(
            session,
            str(info.get("reporting_currency") or DEFAULT_CURRENCY),
            int(info.get("fx_lookback_days", DEFAULT_LOOKBACK_DAYS)),
        )

    # --- expressions -----------------------------------------------------------------------------------
    def convert(self, amount: Any, currency: Any, day: date | Any) -> ColumnElement:
        """`amount` (in `currency`) on `day` in the reporting currency. `day` is a date (the same day for
        every row: the rates are read once) or a SQL date/timestamp expression (each row's own day)."""
        if isinstance(day, date):
            factors = self.factors(day)
            whens = {code: literal(f, Numeric) for code, f in factors.items() if f is not None}
            if not whens:
                return case((currency == self.currency, amount), else_=null())
            return amount * case(whens, value=currency, else_=null())
        return convert_sql(amount, currency, cast(day, Date), self.currency, self.lookback_days)

    def per_eur(self, day: date) -> dict[str, Decimal]:
        """Units per EUR of each currency with a rate on `day` or within the lookback before it (EUR: 1)."""
        first = day - timedelta(days=self.lookback_days)
        rows = self.session.execute(
            select(FxRate.currency, FxRate.rate)
            .where(FxRate.day <= day, FxRate.day >= first)
            .order_by(FxRate.currency, FxRate.day.desc())
            .ext(distinct_on(FxRate.currency))
        ).all()
        return {**{r.currency: Decimal(r.rate) for r in rows}, EUR: Decimal(1)}

    def factors(self, day: date) -> dict[str, Decimal | None]:
        """Reporting-currency units per unit of each known currency on `day` (None: a rate is missing)."""
        per_eur = self.per_eur(day)
        target = per_eur.get(self.currency)
        out: dict[str, Decimal | None] = {
            code: (target / r if target else None) for code, r in per_eur.items()
        }
        out[self.currency] = Decimal(1)
        return out

    def to_reporting(self, amount: Decimal | float | None, currency: str, day: date) -> Decimal | None:
        """One amount converted in Python (None, with a warning, when a rate is missing)."""
        if amount is None:
            return None
        value = Decimal(str(amount))
        if currency == self.currency:
            return value
        per_eur = self.per_eur(day)
        missing = [code for code in (currency, self.currency) if code not in per_eur]
        for code in missing:
            self.note(code, day)
        return None if missing else value * per_eur[self.currency] / per_eur[currency]

    # --- warnings --------------------------------------------------------------------------------------
    def check(self, pairs: Select) -> list[str]:
        """Record the missing rates for the (currency, day) pairs `pairs` selects (day: a date or timestamp);
        returns all warnings so far."""
        sub = pairs.subquery()
        cur, raw_day = list(sub.c)[:2]
        distinct = (
            select(cur.label("currency"), cast(raw_day, Date).label("day"))
            .where(cur != self.currency, cur.is_not(None))
            .distinct()
            .subquery()
        )
        code, day = distinct.c.currency, distinct.c.day
        rows = self.session.execute(
            select(
                code.label("currency"),
                day.label("day"),
                rate_on(code, day, self.lookback_days).is_(None).label("no_source"),
                rate_on(literal(self.currency), day, self.lookback_days).is_(None).label("no_target"),
            )
        ).all()
        for r in rows:
            if r.no_source:
                self.note(r.currency, r.day)
            if r.no_target:
                self.note(self.currency, r.day)
        return self.warnings

    def check_day(self, currencies: Select, day: date) -> list[str]:
        """`check` for amounts all converted on `day`; `currencies` selects the currencies involved."""
        sub = currencies.subquery()
        return self.check(select(next(iter(sub.c)), literal(day, Date)).distinct())

    def note(self, currency: str, day: date) -> None:
        """Record that `currency` had no rate on `day` (or the lookback before it)."""
        days = self.missing.setdefault(currency, [])
        if day not in days:
            days.append(day)

    @property
    def warnings(self) -> list[str]:
        out = []
        for code in sorted(self.missing):
            days = sorted(self.missing[code])
            more = f" (and {len(days) - 1} earlier days)" if len(days) > 1 else ""
            out.append(
                f"no {code} rate on or before {days[-1].isoformat()}{more} within {self.lookback_days} days: "
                f"amounts needing it are left out of the {self.currency} totals; load rates with "
                "`healthdash fx import`"
            )
        return out
