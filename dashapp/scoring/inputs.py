"""What a scorecard needs loaded: one `Request` per (metric, aggregation, window), and the loaded values.

A trend measure needs two requests: its window and the window just before it (`offset_days` back).
Requests from every measure of every scorecard in a run are deduplicated, so the loader computes each
aggregate once, in one query per metric family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from dashapp.scoring.definition import Measure, ScorecardDefinition, Trend


@dataclass(frozen=True, order=True)
class Request:
    metric: str
    aggregation: str
    window_days: int  # 0 for a state on the as-of day
    offset_days: int = 0  # how far before the as-of day the window ends

    @property
    def column(self) -> str:
        """A SQL-safe column name for this aggregate."""
        name = f"{self.metric}__{self.aggregation}__{self.window_days}__{self.offset_days}"
        return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)

    def bounds(self, as_of: date) -> tuple[int, int]:
        """Days (as ordinals) of the window: (first day exclusive, last day inclusive)."""
        end = as_of.toordinal() - self.offset_days
        return end - self.window_days, end


WEEK = 7


def whole_weeks(days: int) -> int:
    """A window of `days` days as the nearest whole number of weeks (at least one).

    Usage, tickets and surveys follow the week: a 30-day window holds four or five of some weekdays
    depending on the day it ends, so a book that does the same every week would score differently on a
    Monday than on a Friday. Whole weeks hold every weekday equally often."""
    return max(WEEK, int(days / WEEK + 0.5) * WEEK)


def measure_requests(measure: Measure) -> tuple[Request, Request | None]:
    """The request for the measure's value, and for a trend the one for the window before it. Windows are
    whole weeks (see `whole_weeks`)."""
    metric = measure.metric_info
    window = whole_weeks(measure.window_days) if metric.windowed else 0
    current = Request(measure.metric, measure.aggregation, window)
    if isinstance(measure.normalisation, Trend):
        return current, Request(measure.metric, measure.aggregation, window, offset_days=window)
    return current, None


def definition_requests(definition: ScorecardDefinition) -> set[Request]:
    out: set[Request] = set()
    for _group, measure in definition.measures:
        current, previous = measure_requests(measure)
        out.add(current)
        if previous is not None:
            out.add(previous)
    return out


@dataclass
class Inputs:
    """Loaded values, each an array aligned to `account_ids`; NaN where the data is missing."""

    account_ids: np.ndarray
    values: dict[Request, np.ndarray] = field(default_factory=dict)

    def get(self, request: Request) -> np.ndarray:
        return self.values[request]

    def take(self, positions: np.ndarray) -> Inputs:
        """The same inputs for a subset of accounts (by position)."""
        return Inputs(self.account_ids[positions], {r: v[positions] for r, v in self.values.items()})
