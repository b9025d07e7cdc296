"""CSV formula injection guard, for every CSV file the app writes (OWASP "CSV Injection").

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return as a formula. Text
cells that start so get a leading single quote, which spreadsheets show as text. Only text is touched:
numbers stay numbers, so a negative amount in a numeric column is still `-12.50`.
"""

from __future__ import annotations

from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The same rule as a PostgreSQL regular expression, for CSV written by COPY.
SQL_PATTERN = "^[-=+@\t\r]"


def neutralise(value: Any) -> Any:
    """`value` with a leading `'` if it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def neutralise_row(row: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [neutralise(v) for v in row]
