"""The server-side guard: every route but a short public list needs a logged-in, active user.

Anonymous requests to XHR/JSON routes (Dash callbacks, `/_dash-layout`, `/_dash-dependencies`, the API)
get a 401 problem-details body; page requests are redirected to /login. Callbacks registered with
`guarded_callback` are also checked against the user's permissions here, before Dash runs them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import dash
from dash.exceptions import PreventUpdate
from flask import Flask, Response, redirect, request
from flask_login import current_user

from dashapp.auth.permissions import can
from dashapp.errors import problem

# Paths anyone may fetch. Static files hold no data; each other entry authenticates in its own way
# (API tokens, write keys, webhook signatures, share-link tokens).
PUBLIC_PREFIXES: list[str] = [
    "/login",
    "/healthz",
    "/assets/",
    "/_dash-component-suites/",
    "/_favicon.ico",
]
JSON_PREFIXES = ("/_dash-", "/_reload-hash", "/api/")

# component id -> permission needed for a callback that writes to it
_PROTECTED_OUTPUTS: dict[str, str] = {}


def add_public_prefix(prefix: str) -> None:
    """Let a blueprint that authenticates its own requests (tokens, signatures) bypass the login guard."""
    if prefix not in PUBLIC_PREFIXES:
        PUBLIC_PREFIXES.append(prefix)


def _is_public(path: str) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p) for p in PUBLIC_PREFIXES)


def _wants_json(path: str) -> bool:
    if path.startswith(JSON_PREFIXES):
        return True
    accept = request.accept_mimetypes
    return request.is_json or (accept.best == "application/json")


def install_guard(server: Flask) -> None:
    @server.before_request
    def require_login() -> Response | None:
        path = request.path
        if _is_public(path):
            return None
        if not current_user.is_authenticated or not current_user.is_active:
            if _wants_json(path):
                return problem(401, "Log in to use healthdash.", title="Unauthorized")
            query = urlencode({"next": request.full_path.rstrip("?")})
            return redirect(f"/login?{query}")
        if path == "/_dash-update-component":
            return _check_callback_permission()
        return None


def _id_key(cid: Any) -> str:
    return cid if isinstance(cid, str) else json.dumps(cid, sort_keys=True)


def _output_ids(body: Any) -> set[str]:
    ids: set[str] = set()
    outputs = body.get("outputs") if isinstance(body, dict) else None
    items = outputs if isinstance(outputs, list) else [outputs]
    for item in items:
        if isinstance(item, dict):
            ids.add(_id_key(item.get("id")))
    return ids


def _check_callback_permission() -> Response | None:
    body = request.get_json(silent=True)
    for cid in _output_ids(body):
        permission = _PROTECTED_OUTPUTS.get(cid)
        if permission and not can(current_user, permission):
            return problem(403, f"Your role does not allow this ({permission}).", title="Forbidden")
    return None


def guarded_callback(permission: str, *args: Any, **kwargs: Any) -> Callable:
    """`dash.callback` for actions that need a permission: refused by the guard and inside the function."""

    def decorator(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*a: Any, **kw: Any) -> Any:
            if not can(current_user, permission):
                raise PreventUpdate
            return func(*a, **kw)

        for dep in args:
            if isinstance(dep, dash.Output):
                _PROTECTED_OUTPUTS[_id_key(dep.component_id)] = permission
        return dash.callback(*args, **kwargs)(wrapper)

    return decorator


def page_permission(permission: str) -> Callable:
    """Wrap a page's `layout()` so users without `permission` get a refusal instead of the page."""

    def decorator(layout: Callable) -> Callable:
        @functools.wraps(layout)
        def wrapper(**kwargs: Any) -> Any:
            if not can(current_user, permission):
                from components.alerts import make_forbidden

                return make_forbidden(permission)
            return layout(**kwargs)

        return wrapper

    return decorator
