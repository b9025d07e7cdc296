"""Who is calling: a personal API token (`Authorization: Bearer hd_...`), or a logged-in browser session.

A browser session may read (the documentation page's "Try it out" works while logged in) but never write:
writes need a token, which a browser does not send by itself, so no other site can forge a write (CSRF)
with the user's cookie. Cross-origin browser calls (CORS) never carry cookies either: they need a token.
"""

from __future__ import annotations

import hashlib

from flask import g, request
from flask_login import current_user

from dashapp.api.http import ApiError
from dashapp.api.token_cache import lookup
from dashapp.auth.permissions import PERMISSIONS, can
from dashapp.extensions import db_session
from dashapp.filters.sql import VIEWER
from dashapp.tokens import Authenticated

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="healthdash"'}


def bearer_secret() -> str | None:
    """The token in the Authorization header; None when there is no such header."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiError(
            401,
            "Send your API token as 'Authorization: Bearer <token>'.",
            title="Unauthorized",
            headers=CHALLENGE,
        )
    return secret.strip()


def rate_limit_key() -> str:
    """Whose budget a request spends: the token (by hash, no database needed), the user, or the IP."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return "t:" + hashlib.sha256(header[7:].strip().encode("utf-8", "replace")).hexdigest()[:32]
    if request.cookies and current_user.is_authenticated:
        return f"u:{current_user.id}"
    return "ip:" + (request.remote_addr or "unknown")


def caller() -> Authenticated:
    """Authenticate the request once (cached on `g`); 401 when nobody is identified."""
    found = g.get("api_caller")
    if found is not None:
        return found
    secret = bearer_secret()
    if secret is not None:
        who, why = lookup(db_session(), secret)
        if who is None:
            raise ApiError(401, why, title="Unauthorized", headers=CHALLENGE)
    elif request.cookies and current_user.is_authenticated and current_user.is_active:
        who = Authenticated(user=current_user._get_current_object(), token=None)
    else:
        raise ApiError(
            401,
            "Send an API token as 'Authorization: Bearer <token>'.",
            title="Unauthorized",
            headers=CHALLENGE,
        )
    g.api_caller = who
    VIEWER.set(who.user.id)
    return who


def require(scope: str, permission: str | None) -> Authenticated:
    """The caller, if their token's scope and their role allow the operation; 401/403 otherwise."""
    who = caller()
    if not who.allows(scope):
        if who.token is None:
            raise ApiError(
                403, "Writes need an API token; a browser session may only read.", title="Forbidden"
            )
        raise ApiError(
            403,
            f"This token has the {who.token.scope} scope; this operation needs {scope}.",
            title="Forbidden",
        )
    if permission is not None and not can(who.user, permission):
        what = PERMISSIONS[permission].lower()
        raise ApiError(
            403,
            f"Your role ({who.user.role}) does not allow this: it needs permission to {what}.",
            title="Forbidden",
        )
    return who
