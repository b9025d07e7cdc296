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
from dash.dependencies import Wildcard
from dash.exceptions import DependencyException, PreventUpdate
from flask import Flask, Response, redirect, request
from flask_login import current_user

from dashapp.auth.permissions import PERMISSIONS, can
from dashapp.errors import problem
from dashapp.filters.sql import VIEWER

# Paths anyone may fetch. Static files hold no data; each other entry authenticates in its own way
# (API tokens, write keys, webhook signatures, share-link tokens). An entry matches that exact path and
# everything below it (`/login` covers `/login` and `/login/...`, never `/loginx`).
PUBLIC_PREFIXES: list[str] = [
    "/login",
    "/healthz",
    "/assets/",
    "/_dash-component-suites/",
    "/_favicon.ico",
]
JSON_PREFIXES = ("/_dash-", "/_reload-hash", "/api/")
# Paths only machines call: an unknown one is a JSON 404, never the app shell (Dash answers every other path).
# (/api/ has its own error handler in dashapp.api, which also answers 405s with their Allow header.)
API_ONLY_PREFIXES = ("/v1/",)
_DASH_CATCH_ALL = ("/", "/<path:path>")

# component id -> permission needed for a callback that writes to it
_PROTECTED_OUTPUTS: dict[str, str] = {}
# pattern-matching ids ({"type": "x", "index": ALL}): (fixed keys and values, all keys, permission)
_PROTECTED_PATTERNS: list[tuple[dict[str, Any], frozenset[str], str]] = []


def add_public_prefix(prefix: str) -> None:
    """Let a blueprint that authenticates its own requests (tokens, signatures) bypass the login guard."""
    if prefix not in PUBLIC_PREFIXES:
        PUBLIC_PREFIXES.append(prefix)


def _is_public(path: str) -> bool:
    for prefix in PUBLIC_PREFIXES:
        base = prefix.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return True
    return False


def _wants_json(path: str) -> bool:
    if path.startswith(JSON_PREFIXES):
        return True
    accept = request.accept_mimetypes
    return request.is_json or (accept.best == "application/json")


def install_guard(server: Flask) -> None:
    @server.before_request
    def require_login() -> Response | None:
        path = request.path
        VIEWER.set(None)
        if path.startswith(API_ONLY_PREFIXES) and (
            request.url_rule is None or request.url_rule.rule in _DASH_CATCH_ALL
        ):
            return problem(404, f"There is no API resource at {path}.", title="Not Found")
        if _is_public(path):
            return None
        if not current_user.is_authenticated or not current_user.is_active:
            if _wants_json(path):
                return problem(401, "Log in to use healthdash.", title="Unauthorized")
            query = urlencode({"next": request.full_path.rstrip("?")})
            return redirect(f"/login?{query}")
        VIEWER.set(current_user.id)
        if path == "/_dash-update-component":
            return _check_callback_permission()
        return None

    @server.errorhandler(DependencyException)
    def unknown_component_file(exc: DependencyException) -> Response:
        """Dash raises this for a file no component package registered: that is a 404, not a server error."""
        if request.path.startswith("/_dash-component-suites/"):
            return Response("Not found", status=404, mimetype="text/plain")
        raise exc


def _id_key(cid: Any) -> str:
    return cid if isinstance(cid, str) else json.dumps(cid, sort_keys=True)


def _protect(component_id: Any, permission: str) -> None:
    if isinstance(component_id, dict) and any(isinstance(v, Wildcard) for v in component_id.values()):
        fixed = {k: v for k, v in component_id.items() if not isinstance(v, Wildcard)}
        entry = (fixed, frozenset(component_id), permission)
        if entry not in _PROTECTED_PATTERNS:
            _PROTECTED_PATTERNS.append(entry)
    else:
        _PROTECTED_OUTPUTS[_id_key(component_id)] = permission


def _ids_in_callback_key(key: Any) -> list[Any]:
    """The output ids named by the request's `output` key: the key Dash uses to pick the callback it runs."""
    if not isinstance(key, str) or "." not in key:
        return []
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    ids: list[Any] = []
    for part in parts:
        raw = part.rsplit(".", 1)[0]
        if raw.startswith("{"):
            try:
                ids.append(json.loads(raw))
            except ValueError:
                continue
        else:
            ids.append(raw)
    return ids


def _output_ids(body: Any) -> list[Any]:
    """Every output id of a callback request: those of the callback Dash will run (its `output` key) and
    those listed in `outputs` (pattern-matching (ALL) outputs arrive as nested lists). Both are checked:
    the client writes both, and Dash dispatches on the key."""
    if not isinstance(body, dict):
        return []
    ids: list[Any] = _ids_in_callback_key(body.get("output"))
    pending = [body.get("outputs")]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, dict) and "id" in item:
            ids.append(item["id"])
    return ids


def _permissions_needed(cid: Any) -> list[str]:
    needed = []
    if isinstance(cid, str | dict):
        exact = _PROTECTED_OUTPUTS.get(_id_key(cid))
        if exact:
            needed.append(exact)
    if isinstance(cid, dict):
        for fixed, keys, permission in _PROTECTED_PATTERNS:
            if frozenset(cid) == keys and all(cid.get(k) == v for k, v in fixed.items()):
                needed.append(permission)
    return needed


def _check_callback_permission() -> Response | None:
    body = request.get_json(silent=True)
    for cid in _output_ids(body):
        for permission in _permissions_needed(cid):
            if not can(current_user, permission):
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
                _protect(dep.component_id, permission)
        return dash.callback(*args, **kwargs)(wrapper)

    return decorator


def page_permission(permission: str) -> Callable:
    """Wrap a page's `layout()` so users without `permission` get a refusal instead of the page."""

    def decorator(layout: Callable) -> Callable:
        @functools.wraps(layout)
        def wrapper(**kwargs: Any) -> Any:
            if not can(current_user, permission):
                from components.messages import make_forbidden

                return make_forbidden(PERMISSIONS.get(permission, permission))
            return layout(**kwargs)

        return wrapper

    return decorator
