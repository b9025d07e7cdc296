"""Parse the European Central Bank's euro foreign exchange reference rates (CSV), pure Python.

Two files are published (https://www.ecb.europa.eu/stats/eurofxref/):
- `eurofxref-hist.csv`, every day since 1999: `Date,USD,JPY,...,` then rows like `2026-12-04,1.0530,...,`,
  with `N/A` for currencies not quoted that day and a trailing comma on every line;
- `eurofxref.csv`, the latest day: `Date, USD, JPY, ...,` then one row `04 December 2026, 1.0530, ...,`
  (spaces after the commas, the date written out).
Rates are units of the currency per 1 EUR. Blank and `N/A` cells mean "no rate"; anything else that is not a
positive number is an error naming its line and column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MISSING = {"", "N/A", "NA", "-"}
CODE = re.compile(r"^[A-Z]{3}$")


class FxParseError(ValueError):
    """The file is not in the ECB format; the message names the line and column."""


@dataclass(frozen=True)
class Rate:
    day: date
    currency: str
    rate: Decimal


def _day(text: str, line: int) -> date:
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise FxParseError(
        f"line {line}, column Date: {text!r} is not a date (expected 2026-12-04 or 04 December 2026)"
    )


def _rate(text: str, line: int, column: str) -> Decimal | None:
    if text.upper() in MISSING:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FxParseError(f"line {line}, column {column}: {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise FxParseError(f"line {line}, column {column}: {text!r} is not a positive rate")
    return value


def _header(cells: list[str]) -> list[str]:
    names = [c.strip() for c in cells]
    while names and names[-1] == "":
        names.pop()
    if not names or names[0].lower() != "date":
        raise FxParseError(
            "line 1: the header must start with Date, then currency codes (the ECB's eurofxref CSV format)"
        )
    for position, name in enumerate(names[1:], start=2):
        if not CODE.match(name):
            raise FxParseError(f"line 1, column {position}: {name!r} is not a currency code like USD")
        if name == "EUR":
            raise FxParseError(
                f"line 1, column {position}: EUR is the base of the rates and cannot be a column"
            )
    if len(set(names)) != len(names):
        raise FxParseError("line 1: a currency appears twice in the header")
    return names


def parse(text: str) -> list[Rate]:
    """Every rate in the file (either format), in file order. Raises `FxParseError` on the first bad cell."""
    rows = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header: list[str] | None = None
    rates: list[Rate] = []
    seen: set[date] = set()
    for line, cells in enumerate(rows, start=1):
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = _header(cells)
            continue
        values = [c.strip() for c in cells]
        while len(values) > len(header) and values[-1] == "":
            values.pop()
        if len(values) != len(header):
            raise FxParseError(f"line {line}: {len(values)} cells where the header has {len(header)}")
        day = _day(values[0], line)
        if day in seen:
            raise FxParseError(f"line {line}, column Date: {day} appears twice")
        seen.add(day)
        for column, cell in zip(header[1:], values[1:], strict=True):
            value = _rate(cell, line, column)
            if value is not None:
                rates.append(Rate(day, column, value))
    if header is None:
        raise FxParseError("the file is empty (expected the ECB's eurofxref CSV: a Date,USD,... header)")
    return rates
