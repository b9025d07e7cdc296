"""Vectorised date arithmetic on numpy `datetime64[D]` arrays (contract anniversaries, windows)."""

from __future__ import annotations

from datetime import date

import numpy as np

DAY = np.timedelta64(1, "D")


def as_day(value: date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """`days` moved by whole `months`, the day of month clipped to the target month (Jan 31 + 1 = Feb 28)."""
    days = np.asarray(days, dtype="datetime64[D]")
    month = days.astype("datetime64[M]")
    day_of_month = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64)
    month_length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    return target.astype("datetime64[D]") + np.minimum(day_of_month, month_length - 1)


def months_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whole calendar months from the month of `a` to the month of `b`."""
    return (
        np.asarray(b, "datetime64[D]").astype("datetime64[M]")
        - np.asarray(a, "datetime64[D]").astype("datetime64[M]")
    ).astype(np.int64)


def anniversaries_between(
    start: np.ndarray, term: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For contracts starting on `start` renewing every `term` months: the index of the first renewal on or
    after `lo` and how many renewals fall in [lo, hi]. Renewal k is `add_months(start, k * term)`, k >= 1."""
    k_lo = np.maximum(np.floor_divide(months_between(start, lo), term), 1)
    k_lo = np.where(add_months(start, k_lo * term) < lo, k_lo + 1, k_lo)
    k_hi = np.floor_divide(months_between(start, hi), term) + 1
    k_hi = np.where(add_months(start, k_hi * term) > hi, k_hi - 1, k_hi)
    k_hi = np.where(add_months(start, k_hi * term) > hi, k_hi - 1, k_hi)
    return k_lo, np.maximum(k_hi - k_lo + 1, 0)


def next_anniversary(start: np.ndarray, term: np.ndarray, on_or_after: np.ndarray) -> np.ndarray:
    """The first renewal date of each contract on or after `on_or_after`."""
    k = np.maximum(np.floor_divide(months_between(start, on_or_after), term), 1)
    for _ in range(2):
        k = np.where(add_months(start, k * term) < on_or_after, k + 1, k)
    return add_months(start, k * term)
