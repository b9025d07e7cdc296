"""Converting to the reporting currency: the day's rate or the latest within the lookback, a missing rate
named (never 1:1), idempotent loading, and the aggregates that go through it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, literal, literal_column, select
from sqlalchemy.orm import Session

from dashapp.filters import Filters
from dashapp.money import Money
from dashapp.money.ecb import Rate
from dashapp.money.rates import import_ecb, list_rates, upsert
from dashapp.queries import book as book_q
from dashapp.queries import overview as overview_q
from models.account import Account
from models.fx import FxRate
from tests.money.support import ecb_history, money_book
from tests.support.factories import make_account

FRIDAY = date(2026, 1, 2)


def _rates(session: Session) -> None:
    upsert(
        session,
        [
            Rate(FRIDAY, "USD", Decimal("1.2500")),
            Rate(FRIDAY, "GBP", Decimal("0.8000")),
            Rate(FRIDAY - timedelta(days=10), "JPY", Decimal("160")),
        ],
        "ecb",
    )


def test_an_amount_converts_through_eur_at_the_day_rate_or_the_latest_within_the_lookback(
    session: Session,
) -> None:
    _rates(session)
    money = Money.of(session)
    assert money.currency == "USD" and money.lookback_days == 7
    assert money.to_reporting(Decimal(100), "EUR", FRIDAY) == Decimal("125.0000")
    assert money.to_reporting(Decimal(100), "GBP", FRIDAY) == pytest.approx(Decimal("156.25"))
    # Saturday and the next Friday use Friday's rate; eight days later there is none.
    assert money.to_reporting(Decimal(100), "EUR", FRIDAY + timedelta(days=1)) == Decimal("125.0000")
    assert money.to_reporting(Decimal(100), "EUR", FRIDAY + timedelta(days=7)) == Decimal("125.0000")
    assert money.warnings == []
    assert money.to_reporting(Decimal(100), "EUR", FRIDAY + timedelta(days=8)) is None
    assert money.to_reporting(Decimal(100), "USD", FRIDAY + timedelta(days=8)) == Decimal(100)
    assert money.warnings == [
        "no USD rate on or before 2026-01-10 within 7 days: amounts needing it are left out of the USD totals; "
        "load rates with `healthdash fx import`"
    ]


def test_the_sql_conversion_agrees_per_row_and_for_a_fixed_day_and_names_missing_rates(
    session: Session,
) -> None:
    _rates(session)
    money = Money.of(session)
    day = literal(FRIDAY + timedelta(days=2))
    rows = {
        code: session.scalar(
            select(
                money.convert(literal(Decimal(100)), literal(code), FRIDAY + timedelta(days=2)),
            )
        )
        for code in ("USD", "EUR", "GBP", "JPY")
    }
    per_row = {
        code: session.scalar(select(money.convert(literal(Decimal(100)), literal(code), day)))
        for code in ("USD", "EUR", "GBP", "JPY")
    }
    assert rows["USD"] == per_row["USD"] == 100
    assert rows["EUR"] == pytest.approx(per_row["EUR"]) == pytest.approx(125)
    assert rows["GBP"] == pytest.approx(per_row["GBP"]) == pytest.approx(156.25)
    assert rows["JPY"] is None and per_row["JPY"] is None  # its rate is 12 days old: none, not 1:1
    warnings = money.check(select(literal("JPY"), literal(FRIDAY + timedelta(days=2))))
    assert warnings == [
        "no JPY rate on or before 2026-01-04 within 7 days: amounts needing it are left out of the USD totals; "
        "load rates with `healthdash fx import`"
    ]


def test_another_reporting_currency_comes_from_the_session(session: Session) -> None:
    _rates(session)
    session.info["reporting_currency"] = "GBP"
    money = Money.of(session)
    assert money.to_reporting(Decimal(125), "USD", FRIDAY) == pytest.approx(Decimal(80))
    assert money.to_reporting(Decimal(100), "EUR", FRIDAY) == pytest.approx(Decimal(80))


def test_importing_the_same_file_twice_changes_nothing_and_a_new_figure_replaces_the_old(
    session: Session,
) -> None:
    text, _latest = ecb_history(FRIDAY)
    first = import_ecb(session, text)
    assert (first.rates, first.days, first.currencies) == (10, 5, ("GBP", "USD"))
    versions = select(literal_column("string_agg(ctid::text, ',' ORDER BY ctid)"))
    before = session.scalar(versions.select_from(FxRate))
    again = import_ecb(session, text)
    assert again.rates == 10
    assert session.scalar(select(func.count()).select_from(FxRate)) == 10
    assert session.scalar(versions.select_from(FxRate)) == before  # no row was rewritten
    import_ecb(session, f"Date, USD, \n{FRIDAY:%d %B %Y}, 1.5000, \n")
    newest = list_rates(session, currency="usd", limit=1)[0]
    assert (newest.day, newest.rate, newest.source) == (FRIDAY, Decimal("1.5"), "ecb")
    # The demo never overwrites a stored rate.
    upsert(session, [Rate(FRIDAY, "USD", Decimal("9"))], "demo", replace=False)
    session.expire_all()
    assert list_rates(session, currency="USD", limit=1)[0].rate == Decimal("1.5")


def test_overview_arr_converts_each_currency_and_never_counts_a_missing_rate_1_to_1(session: Session) -> None:
    book = money_book(session)
    kpis = overview_q.kpis(session, Filters())
    assert kpis.currency == "USD" and kpis.fx_warnings == ()
    assert kpis.arr == pytest.approx(book.expected_arr, abs=Decimal("0.01"))
    assert abs(kpis.arr - book.naive_arr) > 1000  # the old sum of mixed currencies is gone
    summary = book_q.book_summary(session)
    assert summary.arr == pytest.approx(book.expected_arr, abs=Decimal("0.01")) and summary.currency == "USD"
    # An account in a currency without any rate: left out of the total and named.
    make_account(session, external_id="fx-chf", mrr=Decimal("999"), currency="CHF")
    with_chf = overview_q.kpis(session, Filters())
    assert with_chf.arr == pytest.approx(book.expected_arr, abs=Decimal("0.01"))
    assert len(with_chf.fx_warnings) == 1
    assert with_chf.fx_warnings[0].startswith(
        f"no CHF rate on or before {date.today().isoformat()} within 7 days"
    )
    # A filter that leaves the CHF account out leaves its warning out too.
    only_usd = overview_q.kpis(session, Filters(q="Billed in USD"))
    assert only_usd.fx_warnings == () and only_usd.arr == Decimal("120000.00")


def test_account_currency_column_is_what_the_warning_check_reads(session: Session) -> None:
    _rates(session)
    make_account(session, external_id="fx-sek", currency="SEK")
    money = Money.of(session)
    money.check_day(select(Account.currency).distinct(), FRIDAY)
    assert [w.split(" within")[0] for w in money.warnings] == ["no SEK rate on or before 2026-01-02"]
