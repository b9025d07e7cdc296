"""Revocable logins.

flask-login keeps one string per login, in the session cookie and in the remember cookie (HMAC-signed with
SECRET_KEY). Ours is `"<user id>.<session generation>.<issued at>"`:
- moving `users.session_generation` (logout, password or role change, deactivation) invalidates every
  session and remember cookie of that user, copies included;
- a login older than `REMEMBER_DAYS` is refused whatever the browser kept;
- a session without "keep me logged in" ends after `SESSION_IDLE_MINUTES` without a request.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import Flask, session
from flask_login import LoginManager, logout_user, user_loaded_from_cookie

from dashapp.auth.csrf import csrf_token
from dashapp.extensions import db_session, settings
from models.user import User

SEEN_KEY = "_hd_seen"  # epoch seconds of the session's last request
REMEMBERED_KEY = "_hd_remembered"  # the login came with "keep me logged in"
# Write the last-seen time back only when it moved this much: not a new cookie on every callback.
_SEEN_RESOLUTION = 30


def parse_login_token(token: str) -> tuple[int, int, int] | None:
    parts = token.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    uid, generation, issued = (int(p) for p in parts)
    return uid, generation, issued


def load_user(token: str) -> User | None:
    parsed = parse_login_token(token)
    if parsed is None:
        return None
    uid, generation, issued = parsed
    now = time.time()
    if issued > now + 60 or now - issued > settings().remember_days * 86400:
        return None
    user = db_session().get(User, uid)
    if user is None or not user.is_active or user.session_generation != generation:
        return None
    return user


def init_sessions(server: Flask, manager: LoginManager, remember_days: int) -> None:
    manager.user_loader(load_user)
    manager.id_attribute = "login_token"  # `User.login_token()`: id, generation, issue time
    server.config.update(REMEMBER_COOKIE_DURATION=timedelta(days=remember_days))

    @user_loaded_from_cookie.connect_via(server)
    def _from_cookie(_app: Any, user: User) -> None:
        session[REMEMBERED_KEY] = True
        session[SEEN_KEY] = int(time.time())

    @server.before_request
    def expire_idle_session() -> None:
        if "_user_id" not in session or session.get(REMEMBERED_KEY):
            return
        now = int(time.time())
        seen = session.get(SEEN_KEY)
        if not isinstance(seen, int) or now - seen > settings().session_idle_minutes * 60:
            logout_user()
            return
        if now - seen >= _SEEN_RESOLUTION:
            session[SEEN_KEY] = now


def start_session(remember: bool) -> None:
    """Mark a fresh login (call right after `login_user`)."""
    session[SEEN_KEY] = int(time.time())
    csrf_token()  # the logout form needs it
    if remember:
        session[REMEMBERED_KEY] = True
