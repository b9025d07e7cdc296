"""Cached values as compressed JSON, without pickle: what comes out of Redis is data, never code.

The query results are dicts, lists and tuples of str, int, float, bool, None, `date`, `datetime`,
`Decimal` and a few registered dataclasses (like `Kpis`); each non-JSON value is written as a one-key tagged
object, so `decode(encode(x)) == x` with the same types. Anything else raises `TypeError` (the caller then
just does not cache).
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson

_DATACLASSES: dict[str, type] = {}
_LEVEL = 3  # zlib: query results shrink 5-20x already at low levels, and this runs on every miss


def register(cls: type) -> type:
    """Allow instances of the dataclass `cls` in cached values (its fields must be encodable too)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    _DATACLASSES[cls.__qualname__] = cls
    return cls


def _pack(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$f": repr(value)}
    if isinstance(value, list):
        return [_pack(v) for v in value]
    if isinstance(value, tuple):
        return {"$t": [_pack(v) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("only str keys can be cached")
        if any(k.startswith("$") for k in value):
            return {"$m": [[k, _pack(v)] for k, v in value.items()]}
        return {k: _pack(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    name = type(value).__qualname__
    if dataclasses.is_dataclass(value) and _DATACLASSES.get(name) is type(value):
        fields = {f.name: _pack(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$c": name, "v": fields}
    raise TypeError(f"a {name} cannot be cached")


_TAGS: dict[str, Callable[[Any], Any]] = {
    "$t": lambda v: tuple(_unpack(x) for x in v),
    "$m": lambda v: {k: _unpack(x) for k, x in v},
    "$dt": datetime.fromisoformat,
    "$d": date.fromisoformat,
    "$n": Decimal,
    "$f": float,
}


def _unpack(value: Any) -> Any:
    if isinstance(value, list):
        return [_unpack(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, inner),) = value.items()
        if tag in _TAGS:
            return _TAGS[tag](inner)
    if len(value) == 2 and "$c" in value:
        fields = {k: _unpack(v) for k, v in value["v"].items()}
        return _DATACLASSES[value["$c"]](**fields)
    return {k: _unpack(v) for k, v in value.items()}


def encode(value: Any) -> bytes:
    return zlib.compress(orjson.dumps(_pack(value)), _LEVEL)


def decode(blob: bytes) -> Any:
    return _unpack(orjson.loads(zlib.decompress(blob)))
