"""Store and read FX rates: idempotent upserts (from an ECB file, the API or the demo) and listings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from dashapp.money.ecb import Rate, parse
from models.fx import FX_SOURCES, FxRate

BATCH = 5_000


@dataclass(frozen=True)
class ImportResult:
    rates: int
    days: int
    currencies: tuple[str, ...]
    first_day: date | None
    last_day: date | None


def upsert(session: Session, rates: Iterable[Rate], source: str, *, replace: bool = True) -> ImportResult:
    """Insert or replace each (currency, day) rate; loading the same rates twice changes nothing.
    `replace=False` keeps the rates already stored (the demo never overwrites imported ones)."""
    if source not in FX_SOURCES:
        raise ValueError(f"source must be one of {', '.join(FX_SOURCES)}")
    rows = [{"currency": r.currency, "day": r.day, "rate": r.rate, "source": source} for r in rates]
    for start in range(0, len(rows), BATCH):
        stmt = insert(FxRate).values(rows[start : start + BATCH])
        if not replace:
            session.execute(stmt.on_conflict_do_nothing(index_elements=[FxRate.currency, FxRate.day]))
            continue
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[FxRate.currency, FxRate.day],
                set_={"rate": stmt.excluded.rate, "source": stmt.excluded.source, "updated_at": func.now()},
                where=(FxRate.rate != stmt.excluded.rate) | (FxRate.source != stmt.excluded.source),
            )
        )
    days = sorted({r["day"] for r in rows})
    return ImportResult(
        rates=len(rows),
        days=len(days),
        currencies=tuple(sorted({r["currency"] for r in rows})),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )


def import_ecb(session: Session, text: str, source: str = "ecb") -> ImportResult:
    """Parse an ECB reference-rate CSV (historical or daily) and upsert its rates. Nothing is written when
    any cell is bad (`FxParseError` names it)."""
    return upsert(session, parse(text), source)


def list_rates(
    session: Session,
    *,
    currency: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 1000,
) -> list[FxRate]:
    """Rates newest day first, then by currency."""
    stmt = select(FxRate)
    if currency:
        stmt = stmt.where(FxRate.currency == currency.upper())
    if start:
        stmt = stmt.where(FxRate.day >= start)
    if end:
        stmt = stmt.where(FxRate.day <= end)
    return list(session.scalars(stmt.order_by(FxRate.day.desc(), FxRate.currency).limit(limit)))
