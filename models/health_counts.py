"""Accounts and score total per day and band over the whole book, kept exact by triggers.

`health_band_counts` is maintained inside the transaction that writes `health_snapshots` (statement-level
triggers with transition tables, so a bulk COPY or UPDATE adds one aggregate, not one statement per row;
see migration 0011). The Overview's band migration reads it and subtracts the accounts a filter leaves
out, so a filter that keeps most of the book reads few snapshot rows.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, String, text
from sqlalchemy.orm import Mapped, mapped_column

from models.db import Base


class HealthBandCount(Base):
    __tablename__ = "health_band_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    band: Mapped[str] = mapped_column(String(16), primary_key=True)
    accounts: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    score_sum: Mapped[float] = mapped_column(Float, server_default=text("0"))
