"""A small book in three currencies and the ECB-format rates it is converted with, for the money tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from dashapp.money.rates import import_ecb
from models.account import Account
from tests.support.factories import make_account
from tests.support.health_rows import make_history

# Units per 1 EUR on each weekday; the newest weekday on or before `today` gets the last row.
USD = [Decimal("1.0812"), Decimal("1.0790"), Decimal("1.0843"), Decimal("1.0861"), Decimal("1.0875")]
GBP = [Decimal("0.8421"), Decimal("0.8433"), Decimal("0.8409"), Decimal("0.8398"), Decimal("0.8386")]


def weekdays_up_to(day: date, n: int) -> list[date]:
    """The last `n` weekdays on or before `day`, oldest first."""
    days: list[date] = []
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def ecb_history(today: date) -> tuple[str, dict[str, Decimal]]:
    """An eurofxref-hist.csv for the last five weekdays (newest first, as the ECB writes it) and the rates
    of its newest day (what today's amounts convert at)."""
    days = weekdays_up_to(today, 5)
    lines = ["Date,USD,JPY,GBP,"]
    for day, usd, gbp in sorted(zip(days, USD, GBP, strict=True), reverse=True):
        lines.append(f"{day.isoformat()},{usd},N/A,{gbp},")
    return "\n".join(lines) + "\n", {"USD": USD[-1], "GBP": GBP[-1], "EUR": Decimal(1)}


@dataclass
class MoneyBook:
    accounts: dict[str, Account]
    expected_arr: Decimal  # in USD, converted by hand from the rates loaded
    naive_arr: Decimal  # the currencies added up as if they were all dollars


def money_book(session: Session, today: date | None = None) -> MoneyBook:
    """Three scored accounts billing in USD, EUR and GBP, and the ECB rates of the last five weekdays."""
    today = today or date.today()
    text, latest = ecb_history(today)
    import_ecb(session, text)
    mrr = {"USD": Decimal("10000.00"), "EUR": Decimal("8000.00"), "GBP": Decimal("5000.00")}
    accounts = {}
    for i, (currency, amount) in enumerate(mrr.items()):
        account = make_account(
            session,
            external_id=f"fx-{currency.lower()}",
            name=f"Billed in {currency}",
            mrr=amount,
            currency=currency,
            renewal_date=today + timedelta(days=30 + i),
        )
        make_history(session, account, [35.0 + 20 * i] * 10, explanation_text=f"Steady in {currency}.")
        accounts[currency] = account
    session.flush()
    expected = sum((12 * m * latest["USD"] / latest[c] for c, m in mrr.items()), Decimal(0))
    return MoneyBook(accounts, expected, sum((12 * m for m in mrr.values()), Decimal(0)))
