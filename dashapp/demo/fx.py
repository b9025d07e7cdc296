"""The demo book's exchange rates: generated, deterministic, and stored with source='demo' so nobody takes them
for real ECB reference rates.

Like the ECB's, they are published on weekdays only (conversions on weekends use Friday's rate) and quote
units of each currency per 1 EUR, wandering a little around plausible levels.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from dashapp.demo.vocab import CURRENCIES
from dashapp.money.ecb import Rate

# Rough level per 1 EUR around which each demo currency wanders (EUR itself is the base).
LEVELS = {"USD": 1.08, "GBP": 0.85, "JPY": 160.0, "CHF": 0.95}
DAILY_SPREAD = 0.003  # standard deviation of the day-to-day log change


def demo_rates(start: date, end: date, seed: int) -> list[Rate]:
    """One rate per weekday from `start` to `end` for each non-EUR demo currency."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weekdays = [d for d in days if d.weekday() < 5]
    rates: list[Rate] = []
    for stream, code in enumerate(c for c in CURRENCIES if c != "EUR"):
        rng = np.random.default_rng([seed, 7_001, stream])
        walk = np.cumsum(rng.normal(0.0, DAILY_SPREAD, len(weekdays)))
        walk -= walk.mean()  # stays around its level over the whole window
        level = LEVELS.get(code, 1.0)
        for day, step in zip(weekdays, walk, strict=True):
            rates.append(Rate(day, code, Decimal(f"{level * float(np.exp(step)):.4f}")))
    return rates
