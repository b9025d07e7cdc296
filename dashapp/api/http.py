"""What every API response shares: problem-details errors, JSON encoding, ETags, cache headers and CORS."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_etags, quote_etag

from dashapp.errors import problem
from dashapp.extensions import settings

JSON_TYPE = "application/json"
# Headers a browser script may read on a CORS response.
EXPOSED_HEADERS = (
    "ETag, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy"
)
ALLOWED_REQUEST_HEADERS = "Authorization, Content-Type, If-None-Match, If-Match"
# Endpoints that exist only to answer 404 as problem JSON (instead of the app's HTML pages).
CATCH_ALL = ("api_v1.unknown", "api_root.unknown")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Keys that are not strings (e.g. day numbers) become strings, as `json` does; numpy values are numbers.
_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


class ApiError(Exception):
    """Raised by handlers and helpers; turned into a problem-details response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        response = problem(self.status, self.detail, title=self.title, **self.extra)
        response.headers.update(self.headers)
        return response


MAX_ID = 2**63 - 1  # PostgreSQL's BIGINT


def id_param(name: str, description: str) -> dict[str, dict[str, Any]]:
    """A numeric id in the path, as the OpenAPI document states it."""
    return {
        name: {"description": description, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    }


def path_id(value: str, what: str, *, detail: str | None = None) -> int:
    """A numeric id from the path; 404 (`detail`, or one naming `what`) when it is no id we could have issued."""
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID:
        return int(value)
    raise ApiError(404, detail or f"There is no {what} {value[:40]}.")


def invalid(status: int, errors: list[dict[str, str]], what: str = "request") -> ApiError:
    """400/422 naming each bad value: `errors` is [{"name": ..., "message": ...}]."""
    names = ", ".join(dict.fromkeys(e["name"] for e in errors))
    return ApiError(status, f"The {what} has invalid values: {names}.", errors=errors)


def jsonable(value: Any) -> Any:
    """The JSON encoder's default: exact decimals as strings, dates and times in ISO 8601 (orjson writes
    those itself), subclasses of float (numpy's) as floats."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def finite(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def dumps_bytes(data: Any) -> bytes:
    """Compact UTF-8 JSON (orjson: several times faster than `json` on these small documents)."""
    return orjson.dumps(data, default=jsonable, option=_JSON_OPTIONS)


def dumps(data: Any) -> str:
    return dumps_bytes(data).decode()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(dumps_bytes(data), status=status, mimetype=JSON_TYPE)
    if headers:
        response.headers.update(headers)
    return response


def required_if_match() -> str:
    """The request's `If-Match` header; 428 when a versioned write comes without one."""
    given = request.headers.get("If-Match", "").strip()
    if not given:
        raise ApiError(
            428,
            "Send If-Match with the ETag of this resource (from your last GET), so a change made since is "
            "not overwritten.",
            title="Precondition Required",
            errors=[{"name": "If-Match", "message": "is required"}],
        )
    return given


def check_if_match(given: str, current: str) -> None:
    """412 unless `given` (an If-Match value) names `current` (strong comparison; `*` matches)."""
    if not parse_etags(given).contains(current):
        raise ApiError(
            412,
            "The resource changed since you read it (If-Match does not match its ETag); read it again and "
            "reapply your change.",
            title="Precondition Failed",
            headers={"ETag": quote_etag(current)},
            errors=[{"name": "If-Match", "message": "is not the current ETag"}],
        )


def with_etag(response: Response, version: str) -> Response:
    response.set_etag(version)
    return response


def real_methods() -> list[str]:
    """Methods this path answers to, leaving out the catch-all routes that only say 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _METHODS:
        try:
            rule, _ = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint not in CATCH_ALL:
            allowed.append(method)
    return allowed


def allow_header(methods: list[str]) -> str:
    return ", ".join([*methods, "HEAD", "OPTIONS"] if "GET" in methods else [*methods, "OPTIONS"])


def finish(response: Response) -> Response:
    """ETag/If-None-Match on reads, `Cache-Control: no-store` unless a handler made it public, CORS."""
    if (
        request.method in ("GET", "HEAD")
        and response.status_code == 200
        and not response.is_streamed
        and not response.direct_passthrough
    ):
        response.add_etag()
        response.make_conditional(request)
    if request.method == "OPTIONS" and response.status_code == 200:
        response.headers["Allow"] = allow_header(real_methods())  # not the catch-all's GET
    response.headers.setdefault("Cache-Control", "no-store")
    _cors(response)
    return response


def _cors(response: Response) -> None:
    origin = request.headers.get("Origin")
    if not origin or origin not in settings().cors_origins:
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.vary.add("Origin")
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        response.headers["Access-Control-Allow-Methods"] = response.headers.get("Allow", "GET")
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_REQUEST_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
