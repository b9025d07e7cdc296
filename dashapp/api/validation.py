"""Query strings and JSON bodies into validated pydantic values, or a 400/413/415/422 naming what is wrong.

Query parameters that are not filters are declared by an operation's query model; the filters are read by
THE filter model (`dashapp.filters.parse`). Unknown parameters and body fields are errors, not ignored.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from dashapp import filters as filter_model
from dashapp.api.http import ApiError, invalid
from dashapp.field_errors import field_errors

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
FREE_TEXT = {"segment", "plan", "region", "industry", "q"}


def _printable(value: str) -> str:
    return "".join(ch for ch in value if ch.isprintable()).strip()


def query_names(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def parse_query(model: type[M] | None, *, with_filters: bool) -> tuple[M | None, filter_model.Filters | None]:
    """The operation's own parameters (one value each) and, for list endpoints, the filters."""
    args = request.args
    own = set(query_names(model))
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    for key in own:
        given = args.getlist(key)
        if len(given) > 1:
            errors.append({"name": key, "message": f"given {len(given)} times; give it once"})
        elif given:
            values[key] = given[0]
    parsed = None
    if model is not None:
        try:
            parsed = model.model_validate(values)
        except ValidationError as exc:
            errors.extend(field_errors(exc))
    filters = None
    if with_filters:
        rest = {k: args.getlist(k) for k in args if k not in own}
        errors.extend(_strict_filter_checks(rest))
        filters, messages = filter_model.parse(rest)
        errors.extend({"name": _named(message, rest), "message": message} for message in messages)
    else:
        errors.extend(
            {"name": k, "message": "is not a parameter of this operation"} for k in args if k not in own
        )
    if errors:
        raise invalid(400, errors, "query string")
    return parsed, filters


def _strict_filter_checks(rest: dict[str, list[str]]) -> list[dict[str, str]]:
    """What the filter model forgives in a form but an API client should hear about: it merges repeated
    values, reads control characters alone as blank and skips blank unknown keys."""
    errors = []
    for key, values in rest.items():
        if len(values) > filter_model.MAX_VALUES:
            errors.append({"name": key, "message": f"at most {filter_model.MAX_VALUES} values"})
        if key in FREE_TEXT:
            if any(len(v) > filter_model.MAX_TEXT for v in values):
                errors.append(
                    {"name": key, "message": f"a value is longer than {filter_model.MAX_TEXT} characters"}
                )
        elif any(v.strip() and not _printable(v) for v in values):
            errors.append({"name": key, "message": "has only unprintable characters"})
        stray = key not in filter_model.FILTER_KEYS and not key.startswith("attr.")
        if stray and not any(v.strip() for v in values):
            errors.append({"name": key, "message": "is not a filter or a parameter of this operation"})
    return errors


def _named(message: str, given: dict[str, list[str]]) -> str:
    """The query key a filter-model message is about (its messages start with the key)."""
    head = message.split(":", 1)[0] if ":" in message else message.split(" ", 1)[0]
    head = head.strip().strip("'\"")
    if head in filter_model.FILTER_KEYS or head.startswith("attr.") or head in given:
        return head
    return "query"


def _depth(value: Any, limit: int) -> bool:
    """True when `value` nests no deeper than `limit` (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return True


def parse_body(model: type[M]) -> M:
    """A JSON object body validated by `model` (which forbids unknown fields)."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        shown = mimetype or "no Content-Type"
        raise ApiError(415, f"Send the body as JSON (Content-Type: application/json), not {shown}.")
    request.max_content_length = MAX_BODY_BYTES
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise ApiError(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.") from None
    if not raw.strip():
        data: Any = {}
    else:
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ApiError(400, "The body is not UTF-8 text.") from None
        except json.JSONDecodeError as exc:
            raise ApiError(
                400, f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
            ) from None
        except RecursionError:
            raise ApiError(400, "The body nests too deeply.") from None
    if not isinstance(data, dict):
        raise ApiError(422, f"The body must be a JSON object, not {type(data).__name__}.")
    if not _depth(data, MAX_JSON_DEPTH):
        raise ApiError(400, "The body nests too deeply.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(422, field_errors(exc, "body."), "body") from None
