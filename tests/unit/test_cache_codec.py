"""Cached values round-trip with their types, without pickle; what cannot be cached says so."""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime
from decimal import Decimal

import orjson
import pytest

from dashapp.cache import codec
from dashapp.queries.overview import Kpis


def test_values_come_back_equal_and_of_the_same_types() -> None:
    value = {
        "kpis": Kpis(
            accounts=3,
            scored=2,
            arr=Decimal("1234.50"),
            avg_score=61.25,
            avg_score_30d_ago=None,
            arr_by_band={"red": Decimal("10.00")},
            accounts_by_band={"red": 1},
            currency="EUR",
            fx_warnings=("no GBP rate on 2026-01-01",),
        ),
        "rows": [{"day": date(2026, 1, 2), "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "n": 4}],
        "pair": (1, "two"),
        "odd": {"$d": "not a tag"},
        "nan": float("inf"),
    }
    back = codec.decode(codec.encode(value))
    assert back == value
    assert isinstance(back["kpis"], Kpis) and isinstance(back["kpis"].arr, Decimal)
    assert isinstance(back["kpis"].fx_warnings, tuple) and isinstance(back["pair"], tuple)
    assert isinstance(back["rows"][0]["day"], date) and not isinstance(back["rows"][0]["day"], datetime)


def test_the_blob_is_compressed_json() -> None:
    blob = codec.encode([{"band": "red", "accounts": 1}] * 500)
    assert len(blob) < 200
    assert orjson.loads(zlib.decompress(blob))[0] == {"band": "red", "accounts": 1}


def test_values_that_cannot_be_cached_are_refused() -> None:
    with pytest.raises(TypeError):
        codec.encode({"x": object()})
    with pytest.raises(TypeError):
        codec.encode({1: "int key"})
