"""`/ping` (is the API up?) and `/me` (who is this token?)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Response

from dashapp.api.blueprint import bp
from dashapp.api.http import json_response
from dashapp.api.schemas import Caller, Ping
from dashapp.api.spec import operation
from dashapp.auth.permissions import permissions_for


def api_version() -> str:
    try:
        return version("healthdash")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "0+unknown"


@operation(
    bp, "GET", "/ping", summary="Is the API up?", tag="Meta", response=Ping, scope=None, permission=None
)
def ping() -> Response:
    """Answers without authentication or database work (for load balancers and uptime checks)."""
    return json_response({"status": "ok", "version": api_version()})


@operation(
    bp, "GET", "/me", summary="Who the credentials act as", tag="Meta", response=Caller, permission=None
)
def me(caller: Any) -> Response:
    """The user a token acts for, their role and permissions, and the token's scope and expiry."""
    user, token = caller.user, caller.token
    return json_response(
        {
            "user_id": user.id,
            "email": user.email,
            "role": user.role,
            "permissions": sorted(permissions_for(user.role)),
            "auth": "token" if token is not None else "session",
            "token_name": token.name if token is not None else None,
            "scope": token.scope if token is not None else "read",
            "token_expires_at": token.expires_at if token is not None else None,
        }
    )
