"""The OpenAPI 3.1 document, built from the declared operations, their pydantic models and THE filter model."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from dashapp.api.schemas import Problem
from dashapp.api.spec import OPERATIONS, Operation
from dashapp.filters import MAX_TEXT, MAX_VALUES, Filters
from dashapp.filters.model import _LISTS, _SCALAR_KEYS

REF = "#/components/schemas/{model}"
PROBLEM = "application/problem+json"
# Trend-window keys of the filter model: they shape charts, not which accounts match.
_CHART_ONLY = ("period", "from", "to")
_DATE_PATTERN = r"^(19\d\d|2[01]\d\d)-\d\d-\d\d$"

ERROR_TEXT = {
    400: "A query parameter or the body is malformed; `errors` names each bad value.",
    401: "No credentials, or a token that is unknown, expired or revoked.",
    403: "The token's scope or the owner's role does not allow this.",
    404: "No such resource (or none you may see).",
    406: "None of the formats in `Accept` is available.",
    409: "The request conflicts with the current state.",
    410: "The resource is gone for good (its retention period ended).",
    412: "`If-Match` is not the resource's current `ETag`: it changed since you read it.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "The body is well-formed JSON but its values are not valid; `errors` names each.",
    428: "`If-Match` is required: send the `ETag` of your last read.",
    429: "Too many requests; wait `Retry-After` seconds.",
}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Query parameters cannot be null: drop the `null` branch pydantic adds for optional fields."""
    schema = {k: v for k, v in schema.items() if k not in ("title", "default")}
    options = schema.pop("anyOf", None)
    if options is None:
        return schema
    options = [o for o in options if o.get("type") != "null"]
    if len(options) == 1:
        return {**options[0], **schema}
    return {"anyOf": options, **schema}


def _filter_schema(key: str, field: str, prop: dict[str, Any]) -> dict[str, Any]:
    schema = _without_null(prop)
    if key in _LISTS:
        items = schema.get("items", {})
        if items.get("type") == "string" and "enum" not in items:
            items = {**items, "maxLength": MAX_TEXT, "pattern": r"\S"}
        if key == "owner":
            items = {
                "anyOf": [{"type": "integer", "minimum": 0, "maximum": 10**18 - 1}, {"enum": ["none", "me"]}]
            }
        return {"type": "array", "items": items, "maxItems": MAX_VALUES}
    if field in ("arr_min", "arr_max"):
        return {"type": "number", "minimum": 0, "exclusiveMaximum": 10**14}
    if schema.get("format") == "date":
        return {**schema, "pattern": _DATE_PATTERN}
    if field == "q":
        return {"type": "string", "maxLength": MAX_TEXT}
    return schema


def filter_parameters() -> list[dict[str, Any]]:
    """One query parameter per filter key, typed from the `Filters` model's own fields and bounds."""
    props = Filters.model_json_schema()["properties"]
    params = []
    keys = [(k, k) for k in _LISTS] + [(k, f) for k, f in _SCALAR_KEYS.items() if k not in _CHART_ONLY]
    for key, field in keys:
        param: dict[str, Any] = {
            "name": key,
            "in": "query",
            "required": False,
            "schema": _filter_schema(key, field, props[field]),
            "description": f"Filter: {Filters.model_fields[field].title or key.replace('_', ' ')}",
            # The filter model reads a blank value as "not set" (as a cleared form field sends it).
            "allowEmptyValue": True,
        }
        if key in _LISTS:
            param.update(style="form", explode=True, description=f"Filter: any of these {key} values")
        params.append(param)
    return params


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "description": prop.get("description", ""),
            "schema": _without_null({k: v for k, v in prop.items() if k != "description"}),
        }
        for name, prop in schema["properties"].items()
    ]


def _problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_TEXT[status],
        "content": {PROBLEM: {"schema": {"$ref": REF.format(model="Problem")}}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    return response


RATE_HEADERS = {
    "RateLimit-Limit": {"schema": {"type": "integer"}, "description": "Requests allowed in the window."},
    "RateLimit-Remaining": {"schema": {"type": "integer"}, "description": "Requests left in the window."},
    "RateLimit-Reset": {"schema": {"type": "integer"}, "description": "Seconds until the window resets."},
}


def _operation(op: Operation) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, **spec} for name, spec in op.path_params.items()
    ]
    if op.query is not None:
        params += _query_parameters(op.query)
    if op.filters:
        params += filter_parameters()
    conditional = op.method == "GET"
    if conditional:
        params.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The `ETag` of a response you have; 304 when it is still current.",
                "schema": {"type": "string"},
            }
        )
    if op.if_match:
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": True,
                "description": "The `ETag` of your last read of this resource; 412 when it changed since.",
                "schema": {"type": "string", "minLength": 1, "pattern": r"\S"},
            }
        )
    success: dict[str, Any] = {"description": "OK"}
    if op.response is not None or op.media:
        content: dict[str, Any] = {}
        if op.response is not None:
            content["application/json"] = {"schema": {"$ref": REF.format(model=op.response.__name__)}}
        for media, text in op.media.items():
            content[media] = {"schema": {"type": "string"}, "x-description": text}
        success["content"] = content
        success["headers"] = (
            {**RATE_HEADERS, "ETag": {"schema": {"type": "string"}}} if conditional else RATE_HEADERS
        )
    if op.etag and (op.response is not None or op.media):
        success["headers"] = {**success["headers"], "ETag": {"schema": {"type": "string"}}}
    if op.status == 202:  # accepted: where to follow it up
        success["headers"] = {**success.get("headers", {}), "Location": {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {str(op.status): success}
    if conditional:
        responses["304"] = {"description": "Not modified: your copy (`If-None-Match`) is current."}
    if op.filters or op.query is not None:
        responses["414"] = {
            "description": "The URL is longer than the web server accepts (about 4 KB): shorten the query string."
        }
    codes = {400, 429, *op.errors}
    if op.scope is not None:
        codes |= {401, 403}
    if op.body is not None:
        codes |= {413, 415, 422}
    if op.if_match:
        codes |= {412, 428}
    for code in sorted(codes):
        responses[str(code)] = _problem(code)
    out: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
        "security": [{"bearerAuth": []}] if op.scope is not None else [],
    }
    notes = []
    if op.scope is not None:
        notes.append(f"Scope: `{op.scope}`.")
    if op.permission is not None:
        notes.append(f"Permission: `{op.permission}`.")
    if notes:
        out["description"] = (out["description"] + "\n\n" + " ".join(notes)).strip()
    if op.body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}},
        }
    return out


def _components() -> dict[str, Any]:
    models: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for op in OPERATIONS:
        if op.response is not None:
            models.append((op.response, "serialization"))
        if op.body is not None:
            models.append((op.body, "validation"))
    unique = list(dict.fromkeys(models))
    _, defs = models_json_schema(unique, ref_template=REF)
    return defs.get("$defs", {})


@cache
def document(version: str) -> dict[str, Any]:
    """The OpenAPI document (built once per process; the operations are fixed at import time)."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "healthdash API",
            "version": version,
            "description": (
                "Health scores and accounts for programs: CRMs, warehouses, scripts. Authenticate with a "
                "personal API token (`Authorization: Bearer hd_...`; create one under Settings → API tokens "
                "or with `healthdash tokens create`). Lists page with cursors; `/scores` also streams NDJSON or "
                "CSV. Errors are RFC 9457 problem details. Reads carry an `ETag`; send it back in "
                "`If-None-Match` to get 304 when nothing changed. Rate limits per token and per IP are "
                "announced in `RateLimit-*` headers."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {
            "schemas": copy.deepcopy(_components()),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A personal API token."}
            },
        },
    }
