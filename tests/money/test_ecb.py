"""Parsing the ECB's reference-rate CSV files: the historical one, the daily one, and what is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashapp.money.ecb import FxParseError, Rate, parse

# As eurofxref-hist.csv is published: newest day first, N/A for currencies not quoted, a trailing comma.
HISTORICAL = (
    "Date,USD,JPY,CYP,GBP,\n"
    "2026-12-04,1.0530,162.39,N/A,0.8412,\n"
    "2026-12-03,1.0495,161.80,N/A,0.8430,\n"
    "1999-01-04,1.1789,133.73,0.58231,0.7111,\n"
)
# As eurofxref.csv is published: one day, spaces after the commas, the date written out.
DAILY = "Date, USD, JPY, GBP, \n05 December 2026, 1.0561, 163.10, 0.8398, \n"


def test_the_historical_file_gives_every_quoted_rate() -> None:
    rates = parse(HISTORICAL)
    assert Rate(date(2026, 12, 4), "USD", Decimal("1.0530")) in rates
    assert Rate(date(1999, 1, 4), "CYP", Decimal("0.58231")) in rates
    # N/A cells are no rate at all (never a zero or a 1).
    assert not [r for r in rates if r.currency == "CYP" and r.day.year == 2026]
    assert len(rates) == 3 + 3 + 4


def test_the_daily_file_with_spaces_and_a_written_date() -> None:
    assert parse(DAILY) == [
        Rate(date(2026, 12, 5), "USD", Decimal("1.0561")),
        Rate(date(2026, 12, 5), "JPY", Decimal("163.10")),
        Rate(date(2026, 12, 5), "GBP", Decimal("0.8398")),
    ]


def test_a_byte_order_mark_and_windows_line_ends_are_read() -> None:
    assert len(parse("\ufeff" + DAILY.replace("\n", "\r\n"))) == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Date,USD,JPY,\n2026-12-04,1.05,abc,\n", "line 2, column JPY: 'abc' is not a number"),
        ("Date,USD,\n2026-12-04,1.05,\n2026-12-03,-1,\n", "line 3, column USD: '-1' is not a positive rate"),
        ("Date,USD,\n2026-12-04,0,\n", "line 2, column USD: '0' is not a positive rate"),
        ("Date,USD,\n4/12/2026,1.05,\n", "line 2, column Date: '4/12/2026' is not a date"),
        ("Date,USD,GBP\n2026-12-04,1.05\n", "line 2: 2 cells where the header has 3"),
        ("Date,USD,\n2026-12-04,1.05,\n2026-12-04,1.06,\n", "line 3, column Date: 2026-12-04 appears twice"),
        ("Day,USD,\n2026-12-04,1.05,\n", "line 1: the header must start with Date"),
        ("Date,US Dollar,\n", "line 1, column 2: 'US Dollar' is not a currency code"),
        ("Date,EUR,\n", "line 1, column 2: EUR is the base"),
        ("", "the file is empty"),
    ],
)
def test_bad_files_are_refused_naming_the_line_and_column(text: str, message: str) -> None:
    with pytest.raises(FxParseError) as caught:
        parse(text)
    assert str(caught.value).startswith(message)
