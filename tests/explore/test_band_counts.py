"""Band migration from `health_band_counts`: the triggers keep the book totals exact through inserts,
updates (overrides), deletes and truncation, and both ways of answering (own accounts, or book minus the
accounts left out) give what a plain aggregate over the snapshots gives."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from dashapp.filters import Filters
from dashapp.queries import overview as q
from dashapp.queries.band_counts import band_counts
from models.account import Account
from models.health import HealthSnapshot
from models.health_counts import HealthBandCount
from tests.support.factories import make_account
from tests.support.health_rows import make_history


def plain(session: Session, filters: Filters) -> list[dict]:
    """The straightforward aggregate the counts stand in for."""
    start, end = filters.trend_window()
    days = q.sample_days(start, end)
    rows = session.execute(
        select(HealthSnapshot.day, HealthSnapshot.band, func.count(), func.avg(HealthSnapshot.score))
        .where(HealthSnapshot.day.in_(days), HealthSnapshot.account_id.in_(q.filtered_ids(filters)))
        .group_by(HealthSnapshot.day, HealthSnapshot.band)
    ).all()
    return sorted(
        ({"day": d, "band": b, "accounts": n, "avg_score": round(float(a), 4)} for d, b, n, a in rows),
        key=lambda r: (r["day"], r["band"]),
    )


def book_totals(session: Session) -> dict:
    rows = session.execute(
        select(HealthBandCount.day, HealthBandCount.band, HealthBandCount.accounts, HealthBandCount.score_sum)
    ).all()
    return {(d, b): (n, round(s, 3)) for d, b, n, s in rows if n}


def recount(session: Session) -> dict:
    rows = session.execute(
        select(
            HealthSnapshot.day, HealthSnapshot.band, func.count(), func.sum(HealthSnapshot.score)
        ).group_by(HealthSnapshot.day, HealthSnapshot.band)
    ).all()
    return {(d, b): (n, round(s, 3)) for d, b, n, s in rows}


@pytest.fixture
def many(session: Session) -> list[Account]:
    accounts = []
    for i in range(12):
        account = make_account(
            session, external_id=f"bc-{i}", segment="smb" if i < 9 else "enterprise", region="EMEA"
        )
        make_history(session, account, [20 + 6 * i + (d % 5) for d in range(40)])
        accounts.append(account)
    return accounts


def test_triggers_keep_book_totals_exact(session: Session, many: list[Account]) -> None:
    assert book_totals(session) == recount(session)
    # An override rewrites today's band and score; a recompute replaces a day; an account is deleted.
    session.execute(
        text("UPDATE health_snapshots SET score = 5, band = 'red' WHERE account_id = :a AND day = :d"),
        {"a": many[11].id, "d": date.today()},
    )
    session.execute(
        text("DELETE FROM health_snapshots WHERE day = :d AND account_id = ANY(:ids)"),
        {"d": date.today() - timedelta(days=3), "ids": [a.id for a in many[:4]]},
    )
    session.execute(text("DELETE FROM accounts WHERE id = :a"), {"a": many[5].id})
    session.flush()
    assert book_totals(session) == recount(session)
    session.execute(text("TRUNCATE health_snapshots"))
    assert book_totals(session) == {}


@pytest.mark.parametrize(
    "filters",
    [
        Filters(),  # every account: book totals minus nothing
        Filters(status="all"),
        Filters(segment=["smb"]),  # 9 of 12: book minus the 3 enterprise accounts
        Filters(segment=["enterprise"]),  # 3 of 12: read their own snapshots
        Filters(q="bc-1"),
        Filters(segment=["none-such"]),
    ],
)
def test_band_trend_matches_the_plain_aggregate(session: Session, many: list[Account], filters) -> None:
    make_account(session, external_id="bc-unscored", segment="smb")
    ours = q.band_trend(session, filters)
    assert ours == plain(session, filters)
    if filters.segment == ["smb"]:
        assert {r["band"] for r in ours} >= {"red", "yellow", "green"}


def test_empty_days_give_nothing(session: Session, many: list[Account]) -> None:
    assert band_counts(session, [], Filters()) == []


@pytest.mark.parametrize("estimate", ["narrow", "wide"])
@pytest.mark.parametrize("filters", [Filters(), Filters(segment=["smb"]), Filters(segment=["enterprise"])])
def test_both_ways_give_the_same_answer(session: Session, many, monkeypatch, estimate, filters) -> None:
    """Whichever way the planner's estimate sends the query, the answer is exact."""
    from dashapp.queries import band_counts as module

    calls = iter([0.0, 1.0] if estimate == "narrow" else [1.0, 1.0])
    monkeypatch.setattr(module, "_estimate", lambda _session, _stmt: next(calls))
    assert q.band_trend(session, filters) == plain(session, filters)
