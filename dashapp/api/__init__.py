"""The JSON API: `/api/v1` (one module per resource), its OpenAPI document and `/api/docs`.

`init_api(server, settings)` mounts it. The login guard lets `/api/` through: the API authenticates its own
requests (tokens; see `dashapp.api.auth`). Every error under `/api/` is problem JSON, unknown paths and
wrong methods included.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from dashapp.api.http import ApiError, allow_header, finish, real_methods
from dashapp.errors import problem
from dashapp.settings import Settings

PREFIX = "/api/"


def load_resources() -> None:
    """Import the resource modules: each declares its operations on the blueprint as it is imported."""
    from dashapp.api import (  # noqa: F401
        account_writes,
        accounts,
        alert_rules,
        alerts,
        analytics,
        churn,
        cohorts,
        contact_writes,
        docs,
        exports,
        forecasts,
        health,
        jobs,
        meta,
        money,
        notification_preferences,
        overrides,
        ownership,
        privacy,
        recompute,
        scores,
        tasks,
        tokens,
        users,
        views,
        webhooks,
    )


def openapi_document() -> dict:
    """The OpenAPI document, without an app (tests and tools)."""
    from dashapp.api.meta import api_version
    from dashapp.api.openapi import document

    load_resources()
    return document(api_version())


def init_api(server: Flask, settings: Settings) -> None:
    load_resources()
    from dashapp import auth_changes
    from dashapp.api.blueprint import bp, root
    from dashapp.api.spec import Segment
    from dashapp.auth.guard import add_public_prefix

    auth_changes.install(settings)  # token/user changes made here reach every process's token cache
    server.url_map.converters["segment"] = Segment
    server.register_blueprint(bp)
    server.register_blueprint(root)
    add_public_prefix(PREFIX)
    server.register_error_handler(ApiError, lambda exc: exc.response())
    server.register_error_handler(HTTPException, _http_error)


def _http_error(exc: HTTPException) -> Response | HTTPException:
    """Problem JSON for every HTTP error under /api/; other paths keep their usual error pages."""
    if not request.path.startswith(PREFIX):
        return exc
    code = exc.code or 500
    if isinstance(exc, MethodNotAllowed):
        allowed = real_methods()
        if not allowed:
            return finish(problem(404, f"There is no API resource at {request.path}."))
        response = problem(405, f"{request.method} is not allowed here; use {', '.join(allowed)}.")
        response.headers["Allow"] = allow_header(allowed)
        return finish(response)
    if code == 404:
        return finish(problem(404, f"There is no API resource at {request.path}."))
    if code >= 500:
        return finish(problem(500, "Something went wrong on our side; it has been logged."))
    if code == 429:
        return finish(problem(429, "Too many requests; wait before trying again (see Retry-After)."))
    return finish(problem(code, exc.description or HTTPException.description or ""))
