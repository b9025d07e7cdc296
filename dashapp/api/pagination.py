"""Cursor (keyset) pagination over the filter model's account queries.

A cursor holds the sort values and id of the last row sent, and a fingerprint of the filters and sort it
belongs to; it is signed, so a client cannot hand-craft one, and a cursor used with other filters is
refused instead of skipping or repeating rows. Keyset paging costs the same on page 1 and page 1,000.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, true

from dashapp.api.http import ApiError
from dashapp.extensions import settings
from dashapp.filters import COLUMNS, Filters, to_query, to_sort
from models.account import Account

Sort = Sequence[tuple[str, bool]]


def _sign(payload: bytes) -> str:
    key = hashlib.sha256(b"api-cursor:" + settings().secret_key.encode()).digest()
    return base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()[:12]).decode().rstrip("=")


def _fingerprint(filters: Filters, sort: Sort, scope: str) -> str:
    text = f"{scope}|{to_query(filters)}|{to_sort(sort)}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _tag(value: Any) -> list[Any]:
    if value is None:
        return ["z", None]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, Decimal):
        return ["n", format(value, "f")]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    return ["s", str(value)]


def _untag(item: Any) -> Any:
    kind, value = item
    if kind == "z":
        return None
    if kind == "n":
        return Decimal(value)
    if kind == "t":
        return datetime.fromisoformat(value)
    if kind == "d":
        return date.fromisoformat(value)
    if kind in ("b", "i", "f", "s"):
        expected = {"b": bool, "i": int, "f": int | float, "s": str}[kind]
        if not isinstance(value, expected):
            raise ValueError(kind)
        return value
    raise ValueError(kind)


def seal(data: dict[str, Any]) -> str:
    """`data` (JSON) as an opaque, signed cursor."""
    payload = json.dumps(data, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(payload)}"


def unseal(cursor: str) -> dict[str, Any]:
    """The data of a cursor `seal` made; 400 naming `cursor` for anything else."""
    try:
        body, signature = cursor.rsplit(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if not hmac.compare_digest(signature, _sign(payload)):
            raise ValueError("signature")
        data = json.loads(payload)
        if not isinstance(data, dict):
            raise ValueError("shape")
    except (ValueError, TypeError):
        raise _bad_cursor() from None
    return data


def _bad_cursor() -> ApiError:
    return ApiError(
        400,
        "cursor: this is not a cursor from this listing; start again without one, with the same filters "
        "and sort on every page.",
        errors=[{"name": "cursor", "message": "is not a cursor for these filters and sort"}],
    )


def encode_cursor(row: Any, filters: Filters, sort: Sort, scope: str) -> str:
    values = [_tag(getattr(row, name)) for name, _ in sort]
    return seal({"k": values, "id": row.id, "f": _fingerprint(filters, sort, scope)})


def decode_cursor(cursor: str, filters: Filters, sort: Sort, scope: str) -> tuple[list[Any], int]:
    """The sort values and id after which the next page starts; 400 for a cursor that is not ours."""
    data = unseal(cursor)
    try:
        if data["f"] != _fingerprint(filters, sort, scope) or len(data["k"]) != len(sort):
            raise _bad_cursor()
        values = [_untag(item) for item in data["k"]]
        last_id = data["id"]
        if not isinstance(last_id, int):
            raise _bad_cursor()
    except (ValueError, KeyError, TypeError, IndexError, InvalidOperation):
        raise _bad_cursor() from None
    return values, last_id


def after(sort: Sort, values: list[Any], last_id: int) -> ColumnElement[bool]:
    """Rows after (values, id) in the order `accounts_query` uses: each sort column NULLS LAST, then id."""
    ors: list[ColumnElement[bool]] = []
    equal: list[ColumnElement[bool]] = []
    for (name, descending), value in zip(sort, values, strict=True):
        column = COLUMNS[name]
        if value is None:
            greater: ColumnElement[bool] = false()
            same: ColumnElement[bool] = column.is_(None)
        else:
            beyond = column < value if descending else column > value
            greater = or_(beyond, column.is_(None))
            same = column == value
        ors.append(and_(*equal, greater) if equal else greater)
        equal.append(same)
    ors.append(and_(*equal, Account.id > last_id) if equal else Account.id > last_id)
    return or_(*ors) if ors else true()


def page(stmt: Select, sort: Sort, cursor: str | None, filters: Filters, scope: str, limit: int) -> Select:
    """`stmt` (from `accounts_query` with the same sort) limited to one page after `cursor`."""
    if cursor:
        values, last_id = decode_cursor(cursor, filters, sort, scope)
        stmt = stmt.where(after(sort, values, last_id))
    return stmt.limit(limit + 1)
