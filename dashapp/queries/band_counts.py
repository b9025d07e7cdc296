"""Band migration over many accounts without reading every snapshot.

`health_band_counts` holds, per day and band, how many snapshots there are and their score total over the
whole book (kept exact by triggers on `health_snapshots`). A filter that keeps most accounts is answered as
book totals minus the snapshots of the accounts it leaves out; a narrow filter reads its own accounts'
snapshots. Either way at most half the book's snapshots are read, and the usual views (active accounts,
a large segment, no filter at all) read only the few accounts they exclude.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Select, and_, any_, bindparam, func, not_, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement

from dashapp.filters import Filters, health_join
from dashapp.filters.sql import conditions
from models.account import Account
from models.health import HealthSnapshot
from models.health_counts import HealthBandCount

Totals = dict[tuple[date, str], tuple[int, float]]


def _snapshot_totals(session: Session, days: list[date], ids: Select | list[int]) -> Totals:
    """Snapshots per day and band of some accounts: a subquery (the planner joins it as it sees fit), or
    a short list of ids as one array (read through the (account_id, day) covering index)."""
    if isinstance(ids, list):
        if not ids:
            return {}
        accounts = HealthSnapshot.account_id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger)))
    else:
        accounts = HealthSnapshot.account_id.in_(ids)
    stmt = (
        select(HealthSnapshot.day, HealthSnapshot.band, func.count(), func.sum(HealthSnapshot.score))
        .where(HealthSnapshot.day.in_(days), accounts)
        .group_by(HealthSnapshot.day, HealthSnapshot.band)
    )
    return {(d, b): (int(n), float(s or 0)) for d, b, n, s in session.execute(stmt)}


def _book_totals(session: Session, days: list[date]) -> Totals:
    stmt = select(
        HealthBandCount.day, HealthBandCount.band, HealthBandCount.accounts, HealthBandCount.score_sum
    ).where(HealthBandCount.day.in_(days), HealthBandCount.accounts > 0)
    return {(d, b): (int(n), float(s)) for d, b, n, s in session.execute(stmt)}


def _rows(totals: Iterable[tuple[tuple[date, str], tuple[int, float]]]) -> list[dict[str, Any]]:
    rows = [
        {"day": day, "band": band, "accounts": n, "avg_score": round(s / n, 4)}
        for (day, band), (n, s) in totals
        if n > 0
    ]
    return sorted(rows, key=lambda r: (r["day"], r["band"]))


def band_counts(
    session: Session, days: list[date], filters: Filters, today: date | None = None
) -> list[dict[str, Any]]:
    """Per day in `days` and band: snapshots of the accounts `filters` selects, and their average score."""
    if not days:
        return []
    source = health_join() if filters.needs_health() else Account.__table__
    where = conditions(filters, today)
    ids = select(Account.id).select_from(source)
    # The planner's estimates pick the cheaper way (both are exact): no filter runs twice.
    if 2 * _estimate(session, ids.where(*where)) <= _estimate(session, ids):
        return _rows(_snapshot_totals(session, days, ids.where(*where)).items())
    # A filter that keeps most of the book: the book's totals less the accounts it leaves out (NULL counts
    # as left out, so the two sets are exact complements).
    kept = func.coalesce(and_(*where), False) if where else true()
    left_out = list(session.scalars(ids.where(not_(kept))))
    totals = _book_totals(session, days)
    for key, (n, s) in _snapshot_totals(session, days, left_out).items():
        total_n, total_s = totals.get(key, (0, 0.0))
        totals[key] = (total_n - n, total_s - s)
    return _rows(totals.items())


class _Explain(Executable, ClauseElement):
    """`EXPLAIN (FORMAT JSON) <select>`, its parameters bound as the select's own."""

    inherit_cache = False

    def __init__(self, stmt: Select) -> None:
        self.stmt = stmt


@compiles(_Explain, "postgresql")
def _compile_explain(element: _Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + compiler.process(element.stmt, **kw)


def _estimate(session: Session, stmt: Select) -> float:
    """The planner's estimate of how many rows `stmt` returns (no rows are read)."""
    plan = session.execute(_Explain(stmt)).scalar_one()
    return float(plan[0]["Plan"]["Plan Rows"])
