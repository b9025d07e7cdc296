"""Operations: each API route declared once, with what it reads, returns and needs.

`operation(...)` registers a Flask route on the blueprint and records its contract; the wrapper
authenticates, checks scope and role, validates the query string (and the filters) and the body, then
calls the handler with the parsed values. `dashapp.api.openapi` builds the OpenAPI document from the same
records, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint
from pydantic import BaseModel
from werkzeug.routing import BaseConverter

from dashapp.api.auth import require
from dashapp.api.http import ApiError, required_if_match
from dashapp.api.validation import parse_body, parse_query


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form: /accounts/{external_id}
    operation_id: str
    summary: str
    description: str
    tag: str
    scope: str | None  # None: public, no authentication
    permission: str | None
    query: type[BaseModel] | None
    filters: bool
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    # Extra representations of the success response: media type -> description (e.g. text/csv).
    media: dict[str, str] = field(default_factory=dict)
    errors: tuple[int, ...] = ()
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> description, schema
    public_cache: bool = False
    # Writes to a versioned resource: `If-Match` with its current ETag is required (428 without, 412 stale).
    if_match: bool = False
    # The success response carries the resource's `ETag` (to send back in `If-Match`).
    etag: bool = False


OPERATIONS: list[Operation] = []
MAX_PATH_VALUE = 255
# Literal path segments beside text ids (`/accounts/bulk` beside `/accounts/{external_id}`).
RESERVED_SEGMENTS = ("bulk",)


class Segment(BaseConverter):
    """A text id in the path: any segment but the literal siblings of ids (`/accounts/bulk`), so those
    are their own resources (an account whose external id is `bulk` is read through the lists)."""

    regex = "(?!(?:" + "|".join(RESERVED_SEGMENTS) + ")$)[^/]+"


def _flask_rule(path: str, params: dict[str, dict[str, Any]]) -> str:
    """`/jobs/{job_id}` -> `/jobs/<int:job_id>` for integer ids, so a literal sibling (`/jobs/recompute`)
    is its own resource; text ids match any segment but a reserved one (`Segment`)."""

    def rule(match: re.Match[str]) -> str:
        name = match.group(1)
        integer = params.get(name, {}).get("schema", {}).get("type") == "integer"
        return f"<int:{name}>" if integer else f"<segment:{name}>"

    return re.sub(r"\{(\w+)\}", rule, path)


def operation(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    response: type[BaseModel] | None,
    scope: str | None = "read",
    permission: str | None = "view",
    query: type[BaseModel] | None = None,
    filters: bool = False,
    body: type[BaseModel] | None = None,
    status: int = 200,
    media: dict[str, str] | None = None,
    errors: tuple[int, ...] = (),
    path_params: dict[str, dict[str, Any]] | None = None,
    public_cache: bool = False,
    if_match: bool = False,
    etag: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and register one API operation. The handler gets path parameters, and `query`, `filters`,
    `body`, `caller` and `if_match` as keyword arguments when the operation declares them."""

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        doc = (handler.__doc__ or "").strip()
        first, _, rest = doc.partition("\n")
        OPERATIONS.append(
            Operation(
                method=method,
                path=path,
                operation_id=handler.__name__,
                summary=summary,
                description=" ".join(rest.split()) if rest else first,
                tag=tag,
                scope=scope,
                permission=permission,
                query=query,
                filters=filters,
                body=body,
                response=response,
                status=status,
                media=media or {},
                errors=errors,
                path_params=path_params or {},
                public_cache=public_cache,
                if_match=if_match,
                etag=etag or if_match,
            )
        )

        @functools.wraps(handler)
        def view(**path_values: Any) -> Any:
            path_values = {name: str(value) for name, value in path_values.items()}
            for name, value in path_values.items():
                # Nothing is stored under such ids (and PostgreSQL refuses NUL in text): a plain 404.
                if len(value) > MAX_PATH_VALUE or not value.isprintable():
                    raise ApiError(404, f"There is no {name.replace('_', ' ')} like that.")
            kwargs: dict[str, Any] = dict(path_values)
            if scope is not None:
                kwargs["caller"] = require(scope, permission)
            if if_match:
                kwargs["if_match"] = required_if_match()
            if query is not None or filters:
                parsed, parsed_filters = parse_query(query, with_filters=filters)
                if query is not None:
                    kwargs["query"] = parsed
                if filters:
                    kwargs["filters"] = parsed_filters
            else:
                parse_query(None, with_filters=False)
            if body is not None:
                kwargs["body"] = parse_body(body)
            return handler(**kwargs)

        bp.add_url_rule(
            _flask_rule(path, path_params or {}), endpoint=handler.__name__, view_func=view, methods=[method]
        )
        return handler

    return decorator
