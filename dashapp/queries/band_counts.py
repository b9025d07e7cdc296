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

from sqlalchemy import BigInteger, Select, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from models.account import Account
from models.health import HealthSnapshot
from models.health_counts import HealthBandCount

Totals = dict[tuple[date, str], tuple[int, float]]


def _snapshot_totals(session: Session, days: list[date], account_ids: Select) -> Totals:
    # The ids are fetched first and passed as one array: the planner then knows how few there are and
    # reads them through the (account_id, day) index, where a subquery's estimate often sends it to a
    # scan of every snapshot of those days.
    ids = list(session.scalars(account_ids))
    if not ids:
        return {}
    stmt = (
        select(HealthSnapshot.day, HealthSnapshot.band, func.count(), func.sum(HealthSnapshot.score))
        .where(
            HealthSnapshot.day.in_(days),
            HealthSnapshot.account_id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger))),
        )
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


def band_counts(session: Session, days: list[date], account_ids: Select) -> list[dict[str, Any]]:
    """Per day in `days` and band: snapshots of the accounts `account_ids` selects, and their average score."""
    if not days:
        return []
    selected = session.scalar(select(func.count()).select_from(account_ids.subquery()))
    book = session.scalar(select(func.count()).select_from(Account)) or 0
    if 2 * (selected or 0) <= book:
        return _rows(_snapshot_totals(session, days, account_ids).items())
    left_out = _snapshot_totals(session, days, select(Account.id).except_(account_ids))
    totals = _book_totals(session, days)
    for key, (n, s) in left_out.items():
        total_n, total_s = totals.get(key, (0, 0.0))
        totals[key] = (total_n - n, total_s - s)
    return _rows(totals.items())
