"""The per-session CSRF token of the plain-Flask forms (login, logout)."""

from __future__ import annotations

import hmac
import secrets

from flask import session


def csrf_token() -> str:
    """This session's token, created on first use."""
    token = session.get("csrf_token")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf_token"] = token
    return token


def csrf_ok(sent: str | None) -> bool:
    expected = session.get("csrf_token") or ""
    return bool(expected) and hmac.compare_digest((sent or "").encode(), expected.encode())
