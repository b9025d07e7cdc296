"""Checks on a received JSON body before anything is stored, so bad input is a 4xx naming the field.

Senders (Stripe, support desks, Segment clients) retry a 5xx for days, so a value the database cannot take
(a NUL character, a number beyond any column, JSON nested past Python's parser) must be refused up front.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

MAX_DEPTH = 64
# Beyond every numeric column (NUMERIC(16,2) and BIGINT) and exact as a double.
MAX_NUMBER = 10**15
MAX_ID_LENGTH = 255


class BodyProblem(ValueError):
    """The body cannot be accepted; the message names the field."""


def loads(raw: bytes) -> Any:
    """Parse JSON; too deep, not UTF-8 or not JSON -> BodyProblem."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        if "recursion" in str(exc).lower():
            raise BodyProblem(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    try:
        return json.loads(raw)
    except RecursionError:
        raise BodyProblem(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except UnicodeDecodeError:
        raise BodyProblem("the body is not UTF-8 encoded JSON") from None
    except ValueError as exc:
        raise BodyProblem(f"the body is not valid JSON: {exc}") from None


def check(value: Any, path: str = "", depth: int = 0) -> None:
    """Refuse NUL characters, numbers out of range and nesting past MAX_DEPTH, naming where they are."""
    where = path or "the body"
    if depth > MAX_DEPTH:
        raise BodyProblem(f"{where} is nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        if "\x00" in value:
            raise BodyProblem(f"{where} contains a NUL character, which cannot be stored")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if (isinstance(value, float) and not math.isfinite(value)) or abs(value) >= MAX_NUMBER:
            raise BodyProblem(f"{where} is out of range (at most {MAX_NUMBER:.0e} in size)")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                raise BodyProblem(f"a field name in {where} contains a NUL character")
            check(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check(item, f"{path}[{index}]", depth + 1)


def event_id(value: Any, name: str = "id") -> str:
    """A delivery's id: a non-empty string (or number) of at most 255 characters."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise BodyProblem(f"{name} (a unique delivery id) is required")
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise BodyProblem(f"{name} is {len(text)} characters long; at most {MAX_ID_LENGTH} are allowed")
    return text


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests lists/objects more than `limit` levels (iterative: no recursion limit)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
