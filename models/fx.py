"""Daily foreign-exchange reference rates: units of a currency per 1 EUR, as the European Central Bank publishes.

Converting between two currencies goes through EUR (`dashapp.money.convert`); EUR itself is never stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base, TimestampMixin

FX_SOURCES = ("ecb", "api", "demo")


class FxRate(TimestampMixin, Base):
    __tablename__ = "fx_rates"
    __table_args__ = (
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency_code"),
        CheckConstraint(f"source IN ({', '.join(repr(s) for s in FX_SOURCES)})", name="source"),
        # All currencies' rates of a few days (one query per page, see `Money.per_eur`) without a full scan.
        Index("ix_fx_rates_day", "day"),
    )

    # (currency, day) is the primary key, so "the latest rate on or before a day" is one index probe.
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    source: Mapped[str] = mapped_column(String(8))

    def __repr__(self) -> str:
        return f"<FxRate {self.currency} {self.day} {self.rate} {self.source}>"
