"""A pydantic `ValidationError` as a list of `{"name": field, "message": ...}`: the one way the API's 4xx
bodies and the UI's forms name the field at fault. No Flask here."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

_FIELD_FIRST = re.compile(r"^([A-Za-z_][\w]*(?:\.[\w]+)*): (.+)$", re.DOTALL)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def field_errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    """Each error with its field's dotted name (`params.points`, `routing.0.user_id`) after `prefix`."""
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        name = prefix + _loc(err["loc"]) if err["loc"] else prefix.rstrip(".") or "query"
        message = err["msg"].removeprefix("Value error, ")
        # A check across fields names the field it is about first ("params.points: ..."): use that name.
        named = _FIELD_FIRST.match(message) if not err["loc"] else None
        if named:
            name, message = prefix + named.group(1), named.group(2)
        if err["type"] == "extra_forbidden":
            message = "is not a field of this request"
        out.append({"name": name, "message": message})
    return out
