"""The filter model's SQL on the real PostgreSQL: each filter selects exactly the right accounts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from dashapp.filters import Filters, accounts_query, count_query, parse
from tests.support.factories import make_account, make_user, utc
from tests.support.health_rows import make_health

TODAY = date(2026, 6, 1)


@pytest.fixture
def book(session: Session) -> dict[str, int]:
    owner = make_user(session, role="csm")
    a = make_account(
        session,
        external_id="a-acme",
        name="Acme Corp",
        domain="acme.io",
        segment="enterprise",
        plan="pro",
        mrr=Decimal("5000"),
        renewal_date=TODAY + timedelta(days=30),
        owner_id=owner.id,
        custom_attributes={"tier": "gold", "seats": 120},
    )
    b = make_account(
        session,
        external_id="b-beta",
        name="Beta 100% Ltd",
        domain="beta.dev",
        segment="smb",
        plan="growth",
        mrr=Decimal("200"),
        renewal_date=TODAY + timedelta(days=200),
        custom_attributes={"tier": "silver", "seats": "8"},
    )
    c = make_account(
        session,
        external_id="c-gamma",
        name="Gämma GmbH",
        domain="gamma.de",
        segment="mid-market",
        region="NA",
        lifecycle_stage="onboarding",
        mrr=Decimal("1000"),
        renewal_date=None,
        custom_attributes={"seats": "many"},
    )
    d = make_account(session, external_id="d-delta", name="Delta", churned_at=utc(2026, 3, 1), segment="smb")
    make_health(session, a, 35, delta_7=-3, delta_30=-15, delta_90=-20)
    make_health(session, b, 82, delta_7=1, delta_30=5, delta_90=None)
    make_health(session, d, 10, delta_30=-40)
    session.flush()
    return {"acme": a.id, "beta": b.id, "gamma": c.id, "delta": d.id, "owner": owner.id}


def _names(session: Session, book: dict[str, int], query: str | Filters) -> set[str]:
    f = query if isinstance(query, Filters) else parse(query)[0]
    ids = {row.id for row in session.execute(accounts_query(f, ["name"], today=TODAY))}
    assert session.scalar(count_query(f, today=TODAY)) == len(ids)
    by_id = {v: k for k, v in book.items() if k != "owner"}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"acme", "beta", "gamma"}),
        ("status=all", {"acme", "beta", "gamma", "delta"}),
        ("status=churned", {"delta"}),
        ("segment=smb&segment=enterprise", {"acme", "beta"}),
        ("plan=pro", {"acme"}),
        ("region=NA", {"gamma"}),
        ("stage=onboarding", {"gamma"}),
        ("owner=none", {"beta", "gamma"}),
        ("band=red", {"acme"}),
        ("band=unscored", {"gamma"}),
        ("band=green&band=unscored", {"beta", "gamma"}),
        ("score_min=30&score_max=40", {"acme"}),
        ("change30_max=-10", {"acme"}),
        ("change90_min=-100", {"acme"}),
        ("change7_min=0", {"beta"}),
        ("arr_min=12000&arr_max=60000", {"acme", "gamma"}),
        ("renewal_within=60", {"acme"}),
        ("renewal_from=2026-07-01", {"acme", "beta"}),
        ("renewal_to=2026-07-01", {"acme"}),
        ("attr.tier=gold", {"acme"}),
        ("attr.tier=gold&attr.tier=silver", set()),
        ("attr.tier=!%3Dgold", {"beta", "gamma"}),
        ("attr.seats=%3E%3D100", {"acme"}),
        ("attr.seats=%3C10", {"beta"}),
        ("attr.seats=8", {"beta"}),
        ("attr.seats=120", {"acme"}),
        ("q=ACME", {"acme"}),
        ("q=gamma.de", {"gamma"}),
        ("q=b-bet", {"beta"}),
        ("q=gämma", {"gamma"}),
        ("q=100%25", {"beta"}),
        ("q=_", set()),
        ("q=%25", {"beta"}),
        ("segment=smb'; DROP TABLE accounts; --", set()),
    ],
)
def test_each_filter_selects_the_right_accounts(session, book, query, expected) -> None:
    assert _names(session, book, query) == expected


def test_owner_by_id(session, book) -> None:
    assert _names(session, book, f"owner={book['owner']}") == {"acme"}
    assert _names(session, book, f"owner={book['owner']}&owner=none") == {"acme", "beta", "gamma"}


def test_sort_and_paging_are_stable(session, book) -> None:
    f = Filters(status="all")
    rows = session.execute(accounts_query(f, ["score"], sort=[("score", True)], today=TODAY)).all()
    assert [r.score for r in rows] == [82, 35, 10, None]  # unscored last
    page = session.execute(accounts_query(f, ["name"], sort=[("name", False)]).limit(2).offset(1)).all()
    assert [r.name for r in page] == ["Beta 100% Ltd", "Delta"]
    # Unknown columns are ignored rather than interpolated.
    rows = session.execute(accounts_query(f, ["name", "nope; drop"], sort=[("nope", True)])).all()
    assert len(rows) == 4 and set(rows[0]._fields) == {"id", "name"}


def test_filter_options_list_each_existing_value_once(session, book) -> None:
    from dashapp.queries.options import filter_options, owner_names

    options = filter_options(session)
    assert options["segment"] == ["enterprise", "mid-market", "smb"]
    assert options["region"] == ["EMEA", "NA"]
    assert options["owner"] == [book["owner"]]
    assert list(owner_names(session)) == [book["owner"]]
