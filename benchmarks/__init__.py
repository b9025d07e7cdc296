"""Benchmarks: scripts that measure and print figures. Tests never assert on time; this is where speed lives.

Each `benchmarks/<name>.py` (names starting with `_` are helpers) defines

    def run(argv: list[str] | None = None) -> dict[str, object]

and returns its figures by name. A figure is a number, a string, a `(value, unit)` pair, or what
`figure()` builds. Report the absolute figure with its unit AND a ratio against a baseline measured
in the same run (the machine is shared, so absolute numbers drift; ratios travel better).

    python -m benchmarks                 # all of them
    python -m benchmarks login --quick   # one, smaller
    make bench BENCH_ARGS="login --quick"
"""

from __future__ import annotations

import statistics
from typing import Any


def figure(value: float | int | str, unit: str = "", note: str = "") -> dict[str, Any]:
    """One reported figure: its value, unit (s, ms, req/s, rows/s, x for ratios) and a short note."""
    return {"value": value, "unit": unit, "note": note}


def ratio(value: float, baseline: float, note: str = "") -> dict[str, Any]:
    """`value / baseline` as a figure (unit "x"); 0 when the baseline is 0."""
    return figure(round(value / baseline, 3) if baseline else 0.0, "x", note)


def percentile(values: list[float], p: int) -> float:
    """The `p`th percentile (inclusive method); the value itself for one sample, 0 for none."""
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]
