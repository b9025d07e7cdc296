"""Number formatting for people (pages and PDFs); exports keep raw numbers."""

from __future__ import annotations

from decimal import Decimal

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def format_money(amount: Decimal | float | int, currency: str = "USD", *, compact: bool = True) -> str:
    value = float(amount)
    symbol = _SYMBOLS.get(currency.upper(), "")
    suffix = "" if symbol else f" {currency.upper()}"
    if compact:
        for limit, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if abs(value) >= limit:
                return f"{symbol}{value / limit:,.1f}{unit}{suffix}"
    return f"{symbol}{value:,.0f}{suffix}"


def format_count(n: int) -> str:
    return f"{n:,}"


def format_exact_money(amount: Decimal | float | int, currency: str) -> str:
    """A whole amount with its currency code, e.g. `$1,234,567 (USD)`: the exact figure under a rounded KPI."""
    return f"{format_money(amount, currency, compact=False)} ({currency.upper()})"
