"""The filters in words, for PDF headers, saved views and empty states."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from dashapp.filters.model import Filters, _fmt

_LABELS = {"segment": "Segment", "plan": "Plan", "region": "Region", "industry": "Industry", "stage": "Stage"}


def _money(value: Decimal) -> str:
    number = float(value)
    for limit, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if number >= limit:
            return f"${number / limit:,.1f}{unit}".replace(".0", "")
    return f"${number:,.0f}"


def _range(label: str, lo: Any, hi: Any, unit: str = "", show: Any = _fmt) -> str | None:
    if lo is not None and hi is not None:
        return f"{label} {show(lo)}{unit} to {show(hi)}{unit}"
    if lo is not None:
        return f"{label} at least {show(lo)}{unit}"
    if hi is not None:
        return f"{label} at most {show(hi)}{unit}"
    return None


def describe(
    filters: Filters,
    owner_names: Mapping[int, str] | None = None,
    cluster_names: Mapping[int, str] | None = None,
) -> str:
    """The filters in words, for PDF headers, saved views and empty states."""
    parts: list[str] = []
    status = {"active": "Active accounts", "churned": "Churned accounts", "all": "All accounts"}
    parts.append(status[filters.status])
    for key, label in _LABELS.items():
        values = getattr(filters, key)
        if values:
            parts.append(f"{label}: {' or '.join(values)}")
    if filters.owner:
        names = owner_names or {}
        shown = [
            "no owner" if v == "none" else "me" if v == "me" else names.get(v, f"user #{v}")  # type: ignore[arg-type]
            for v in filters.owner
        ]
        parts.append(f"Owner: {' or '.join(shown)}")
    if filters.team:
        parts.append("Team: mine")
    if filters.band:
        parts.append(f"Band: {' or '.join(filters.band)}")
    if filters.cluster:
        names = cluster_names or {}
        shown = [f"#{c} {names[c]}" if c in names else f"#{c}" for c in filters.cluster]
        parts.append(f"Behaviour segment: {' or '.join(shown)}")
    parts.append(_range("Score", filters.score_min, filters.score_max) or "")
    for n in (7, 30, 90):
        lo, hi = getattr(filters, f"change{n}_min"), getattr(filters, f"change{n}_max")
        parts.append(_range(f"{n}-day score change", lo, hi, " points") or "")
    parts.append(_range("ARR", filters.arr_min, filters.arr_max, show=_money) or "")
    renewal = _range("Renewal", filters.renewal_from, filters.renewal_to, show=date.isoformat)
    if renewal:
        parts.append(renewal.replace("at least", "on or after").replace("at most", "on or before"))
    if filters.renewal_within is not None:
        parts.append(f"Renewal within the next {filters.renewal_within} days")
    for cond in filters.attrs:
        parts.append(f"{cond.key} {cond.op} {cond.value}")
    if filters.q:
        parts.append(f"Search “{filters.q}”")
    if filters.trend_from or filters.trend_to:
        start = filters.trend_from.isoformat() if filters.trend_from else "…"
        end = filters.trend_to.isoformat() if filters.trend_to else "today"
        parts.append(f"Trends {start} to {end}")
    elif filters.period:
        parts.append(f"Trends over the last {filters.period} days")
    return " · ".join(p for p in parts if p)
