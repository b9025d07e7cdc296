"""Quick filters on the real PostgreSQL: each one, and combinations, select exactly the right accounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from dashapp.filters import Filters, accounts_query, count_query, parse, to_query, with_quick
from dashapp.filters.sql import VIEWER
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health

TODAY = date(2026, 6, 1)


@pytest.fixture
def book(session: Session) -> dict[str, int]:
    me = make_user(session, role="csm")
    other = make_user(session, role="csm")

    def account(
        key: str, owner: int | None, renewal_days: int | None, score: float | None, drop: float
    ) -> int:
        row = make_account(
            session,
            external_id=key,
            name=key,
            mrr=Decimal("1000"),
            owner_id=owner,
            renewal_date=None if renewal_days is None else TODAY + timedelta(days=renewal_days),
        )
        if score is not None:
            make_health(session, row, score, delta_30=drop)
        return row.id

    ids = {
        "mine-red-soon": account("mine-red-soon", me.id, 30, 20, -12),
        "mine-green-late": account("mine-green-late", me.id, 200, 80, 2),
        "other-yellow-soon": account("other-yellow-soon", other.id, 90, 55, -10),
        "nobody-red-late": account("nobody-red-late", None, 400, 30, -3),
        "nobody-unscored-soon": account("nobody-unscored-soon", None, 5, None, 0),
        "other-green-past": account("other-green-past", other.id, -3, 90, -25),
    }
    session.flush()
    return {**ids, "me": me.id}


def _names(session: Session, book: dict[str, int], filters: Filters) -> set[str]:
    token = VIEWER.set(book["me"])
    try:
        ids = {row.id for row in session.execute(accounts_query(filters, ["name"], today=TODAY))}
        assert session.scalar(count_query(filters, today=TODAY)) == len(ids)
    finally:
        VIEWER.reset(token)
    by_id = {v: k for k, v in book.items() if k != "me"}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize(
    ("quick", "expected"),
    [
        (["mine"], {"mine-red-soon", "mine-green-late"}),
        (["unowned"], {"nobody-red-late", "nobody-unscored-soon"}),
        (
            ["mine", "unowned"],
            {"mine-red-soon", "mine-green-late", "nobody-red-late", "nobody-unscored-soon"},
        ),
        (["at-risk"], {"mine-red-soon", "other-yellow-soon", "nobody-red-late"}),
        (["renewing"], {"mine-red-soon", "other-yellow-soon", "nobody-unscored-soon"}),
        (["dropped"], {"mine-red-soon", "other-yellow-soon", "other-green-past"}),
        (["at-risk", "renewing"], {"mine-red-soon", "other-yellow-soon"}),
        (["at-risk", "renewing", "mine"], {"mine-red-soon"}),
        (["dropped", "unowned"], set()),
    ],
)
def test_quick_filters_select_the_right_accounts(session, book, quick, expected) -> None:
    filters = with_quick(Filters(), quick)
    assert _names(session, book, filters) == expected
    # The same accounts from the URL the page writes.
    assert _names(session, book, parse(to_query(filters))[0]) == expected


def test_nobody_logged_in_means_my_accounts_is_empty(session, book) -> None:
    ids = {row.id for row in session.execute(accounts_query(with_quick(Filters(), ["mine"]), ["name"]))}
    assert ids.isdisjoint(book.values())
