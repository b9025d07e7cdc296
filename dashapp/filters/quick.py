"""Quick filters: one-click answers to the daily questions, each a named change to a `Filters` value.

A quick filter adds no field and no URL key of its own: it sets (or clears) ordinary filter fields, so
the URL, saved views, share links, exports and the API see plain filters. It is "on" when the filters
already say what it would set, so a URL typed by hand or a saved view shows the right buttons pressed.

- A list field (owner, band) is on when it holds all of the quick filter's values; turning it on adds
  them, off removes them. "My accounts" and "Unowned" both add to `owner`, so together they mean
  "mine or nobody's" (a list filter means "any of").
- A scalar field (renewal_within, change30_max) is on when it equals the value; on sets it (dropping
  the other end of its range when that would contradict it), off clears it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dashapp.filters.model import _LISTS, RANGES, Filters


@dataclass(frozen=True)
class QuickFilter:
    """One quick filter: a name (its button's id), a label, what it means, and the field it sets."""

    name: str
    label: str
    meaning: str
    field: str
    value: Any  # a tuple of values for a list field

    def is_on(self, filters: Filters) -> bool:
        current = getattr(filters, self.field)
        if self.field in _LISTS:
            return all(v in current for v in self.value)
        return current is not None and current == self.value

    def turn(self, filters: Filters, on: bool) -> Filters:
        """The filters with this quick filter on or off (unchanged when it already is)."""
        if self.is_on(filters) == on:
            return filters
        data = filters.model_dump()
        current = getattr(filters, self.field)
        if self.field in _LISTS:
            kept = [v for v in current if v not in self.value]
            data[self.field] = _sorted(kept + list(self.value) if on else kept)
        else:
            data[self.field] = self.value if on else None
            if on:
                _drop_contradicting_bound(data, self.field, self.value)
        return Filters(**data)

    def toggle(self, filters: Filters) -> Filters:
        return self.turn(filters, not self.is_on(filters))


def _sorted(values: list[Any]) -> tuple[Any, ...]:
    """In the order `parse` gives, so a toggled value serialises like a parsed one (user ids, then words)."""
    return tuple(sorted(values, key=lambda v: (isinstance(v, str), v if isinstance(v, int) else 0, str(v))))


def _drop_contradicting_bound(data: dict[str, Any], field: str, value: Any) -> None:
    for low, high in RANGES:
        if field == high and data[low] is not None and data[low] > value:
            data[low] = None
        elif field == low and data[high] is not None and data[high] < value:
            data[high] = None


QUICK_FILTERS: tuple[QuickFilter, ...] = (
    QuickFilter("mine", "My accounts", "accounts you own", "owner", ("me",)),
    QuickFilter("at-risk", "At risk", "accounts in the red or yellow band", "band", ("red", "yellow")),
    QuickFilter(
        "renewing", "Renewing in 90 days", "accounts renewing in the next 90 days", "renewal_within", 90
    ),
    QuickFilter(
        "dropped",
        "Dropped 10+ in 30 days",
        "accounts whose score fell 10 points or more in 30 days",
        "change30_max",
        -10.0,
    ),
    QuickFilter("unowned", "Unowned", "accounts nobody owns", "owner", ("none",)),
)
_BY_NAME = {q.name: q for q in QUICK_FILTERS}


def quick_filter(name: str) -> QuickFilter:
    """The quick filter called `name` (KeyError for an unknown one)."""
    return _BY_NAME[name]


def quick_state(filters: Filters) -> dict[str, bool]:
    """Which quick filters `filters` has on, by name."""
    return {q.name: q.is_on(filters) for q in QUICK_FILTERS}


def with_quick(filters: Filters, names: Iterable[str]) -> Filters:
    """`filters` with the named quick filters turned on (the others left as they are)."""
    for name in names:
        filters = quick_filter(name).turn(filters, True)
    return filters
