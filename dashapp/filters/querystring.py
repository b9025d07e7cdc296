"""Filters from and to URL query strings: `parse` never raises on bad input, `to_query` is canonical."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode

from dashapp.filters.model import (
    _ATTR_KEY,
    _DAYS,
    _ENUMS,
    _LISTS,
    _NUMBERS,
    _SCALAR_KEYS,
    ATTR_OPS,
    MAX_ATTRS,
    MAX_CLUSTERS,
    MAX_DAYS,
    MAX_TEXT,
    MAX_VALUES,
    RANGES,
    STATUSES,
    AttrCondition,
    Filters,
    _clean_text,
    _fmt,
    _show,
    _to_decimal,
)


def _values(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str | int | float):
        return [str(raw)]
    if isinstance(raw, Iterable):
        return [str(v) for v in raw if v is not None]
    return [str(raw)]


def _parse_list(key: str, values: list[str], errors: list[str]) -> tuple:
    out: list[Any] = []
    items: list[str] = []
    for value in values:
        items.extend(value.split(",") if key in ("owner", "cluster", *_ENUMS) else [value])
    for item in items:
        text = _clean_text(item)
        if not text:
            continue
        if key in _ENUMS:
            text = text.lower()
            if text not in _ENUMS[key]:
                errors.append(f"{key}: {_show(text)} is not one of {', '.join(_ENUMS[key])}")
                continue
        elif key == "owner":
            if text.lower() in ("none", "me"):
                text = text.lower()
            elif text.isascii() and text.isdigit() and len(text) < 19:
                text = int(text)  # type: ignore[assignment]
            else:
                errors.append(f"owner: {_show(text)} is not a user id (or 'me' or 'none')")
                continue
        elif key == "cluster":
            if not (text.isascii() and text.isdigit() and 1 <= int(text[:6]) <= MAX_CLUSTERS):
                errors.append(
                    f"cluster: {_show(text)} is not a behaviour segment number (1 to {MAX_CLUSTERS})"
                )
                continue
            text = int(text)  # type: ignore[assignment]
        elif len(text) > MAX_TEXT:
            errors.append(f"{key}: a value is longer than {MAX_TEXT} characters")
            continue
        if text not in out:
            out.append(text)
    if len(out) > MAX_VALUES:
        errors.append(f"{key}: {len(out)} values given, at most {MAX_VALUES} are used")
        out = out[:MAX_VALUES]
    if key == "owner":
        return tuple(sorted(out, key=lambda v: (isinstance(v, str), v if isinstance(v, int) else 0)))
    if key == "cluster":
        return tuple(sorted(out))
    return tuple(sorted(out))


def _parse_scalar(key: str, field: str, text: str, errors: list[str]) -> Any:
    """One scalar value, or None (with an error appended) when it is not valid."""
    if field in _NUMBERS:
        number = _to_decimal(text)
        value = float(number) if number is not None else math.nan
        if not math.isfinite(value):
            errors.append(f"{key}: {_show(text)} is not a number")
            return None
        limit = 0 if field.startswith("score") else -100
        if not (limit <= value <= 100):
            errors.append(f"{key}: {_fmt(value)} is outside {limit} to 100")
            return None
        return value
    if field in ("arr_min", "arr_max"):
        money = _to_decimal(text.lstrip("$€£"))
        if money is None or money < 0 or money >= Decimal("1e14"):
            errors.append(f"{key}: {_show(text)} is not an amount (a number from 0)")
            return None
        return money
    if field in ("renewal_from", "renewal_to", "trend_from", "trend_to"):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is None or len(text) != 10 or not (1900 <= day.year <= 2200):
            errors.append(f"{key}: {_show(text)} is not a date (YYYY-MM-DD)")
            return None
        return day
    if field in ("renewal_within", "period"):
        match = _DAYS.match(text.replace("next", "").strip())
        days = int(match.group(1)) if match else None
        low = 0 if field == "renewal_within" else 1
        if days is None or not (low <= days <= MAX_DAYS):
            errors.append(f"{key}: {_show(text)} is not a number of days ({low} to {MAX_DAYS})")
            return None
        return days
    if field == "status":
        status = text.lower()
        if status not in STATUSES:
            errors.append(f"status: {_show(text)} is not one of {', '.join(STATUSES)}")
            return None
        return status
    if field == "team":
        if text.lower() != "me":
            errors.append(f"team: {_show(text)} is not 'me'")
            return None
        return "me"
    if field == "q":
        if len(text) > MAX_TEXT:
            errors.append(f"q: the search is longer than {MAX_TEXT} characters; it was cut")
            return text[:MAX_TEXT]
        return text
    raise AssertionError(field)  # pragma: no cover


def _parse_attr(key: str, values: list[str], errors: list[str]) -> list[AttrCondition]:
    name = key[len("attr.") :]
    if not _ATTR_KEY.match(name):
        errors.append(f"{_show(key)}: attribute names use letters, digits, '_', '-' and '.' (max 64)")
        return []
    out: list[AttrCondition] = []
    for raw in values:
        text = _clean_text(raw)
        op = "="
        for candidate in (">=", "<=", "!=", ">", "<", "="):
            if text.startswith(candidate):
                op, text = candidate, text[len(candidate) :].strip()
                break
        if not text:
            errors.append(f"{key}: empty value")
            continue
        if len(text) > MAX_TEXT:
            errors.append(f"{key}: value longer than {MAX_TEXT} characters")
            continue
        if op not in ("=", "!=") and _to_decimal(text) is None:
            errors.append(f"{key}: {_show(text)} is not a number (needed for {op})")
            continue
        condition = AttrCondition(key=name, op=op, value=text)
        if condition not in out:
            out.append(condition)
    return out


def _as_mapping(query: Mapping[str, Any] | str | None) -> dict[str, list[str]]:
    if query is None:
        return {}
    if isinstance(query, str):
        return parse_qs(query.lstrip("?"), keep_blank_values=True, max_num_fields=2000)
    return {str(k): _values(v) for k, v in query.items()}


def parse(
    query: Mapping[str, Any] | str | None, *, extra_keys: Iterable[str] = ()
) -> tuple[Filters, list[str]]:
    """Read filters from a query string or mapping. Never raises on bad input: each bad value is left out
    and named in `errors`; everything valid is kept. Keys in `extra_keys` (a page's own, e.g. `sort`)
    are ignored; other unknown keys are reported."""
    errors: list[str] = []
    try:
        mapping = _as_mapping(query)
    except ValueError:
        return Filters(), ["the query string has too many fields"]
    ignored = set(extra_keys)
    values: dict[str, Any] = {}
    attrs: list[AttrCondition] = []
    for key in sorted(mapping):
        raw = [v for v in mapping[key] if _clean_text(v) != ""]
        if key in ignored or not raw:
            continue
        if key in _LISTS:
            values[key] = _parse_list(key, raw, errors)
        elif key in _SCALAR_KEYS:
            field = _SCALAR_KEYS[key]
            if len(set(raw)) > 1:
                errors.append(f"{key}: given {len(raw)} times; the last one is used")
            parsed = _parse_scalar(key, field, _clean_text(raw[-1]), errors)
            if parsed is not None and parsed != "":
                values[field] = parsed
        elif key.startswith("attr."):
            attrs.extend(_parse_attr(key, raw, errors))
        else:
            errors.append(f"{_show(key)} is not a filter")
    if len(attrs) > MAX_ATTRS:
        errors.append(f"attr: {len(attrs)} conditions given, at most {MAX_ATTRS} are used")
        attrs = attrs[:MAX_ATTRS]
    if attrs:
        values["attrs"] = tuple(sorted(attrs, key=lambda a: (a.key, ATTR_OPS.index(a.op), a.value)))
    for low, high in RANGES:
        lo, hi = values.get(low), values.get(high)
        if lo is not None and hi is not None and lo > hi:
            errors.append(f"{low} ({_fmt(lo)}) is above {high} ({_fmt(hi)}); both were left out")
            values.pop(low), values.pop(high)
    if values.get("trend_from") and values.get("trend_to") and values["trend_from"] > values["trend_to"]:
        errors.append("from is after to; both were left out")
        values.pop("trend_from"), values.pop("trend_to")
    return Filters(**values), errors


def to_pairs(filters: Filters) -> list[tuple[str, str]]:
    """The filters as (key, value) pairs in canonical order; defaults left out."""
    pairs: list[tuple[str, str]] = []
    for key in _LISTS:
        pairs.extend((key, str(v)) for v in getattr(filters, key))
    for key, field in _SCALAR_KEYS.items():
        value = getattr(filters, field)
        if value is None or value == "" or (field == "status" and value == "active"):
            continue
        pairs.append((key, value.isoformat() if isinstance(value, date) else _fmt(value)))
    for cond in filters.attrs:
        pairs.append((f"attr.{cond.key}", cond.value if cond.op == "=" else f"{cond.op}{cond.value}"))
    return pairs


def to_query(filters: Filters) -> str:
    """Canonical query string (no leading '?'): `parse(to_query(f))[0] == f`."""
    return urlencode(to_pairs(filters))


def to_dict(filters: Filters) -> dict[str, str | list[str]]:
    """The query as a mapping, the shape `layout(**query)` receives."""
    out: dict[str, list[str]] = {}
    for key, value in to_pairs(filters):
        out.setdefault(key, []).append(value)
    return {k: (v[0] if len(v) == 1 and k not in _LISTS else v) for k, v in out.items()}


def merge(filters: Filters, **changes: Any) -> Filters:
    """A copy with some fields changed, validated again."""
    return Filters(**{**filters.model_dump(), **changes})
