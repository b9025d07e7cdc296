"""Login and logout (plain Flask: the login page must work before any Dash route is allowed)."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session
from flask_login import current_user, login_user, logout_user

from dashapp.auth.passwords import hash_password, needs_rehash, verify_password
from dashapp.auth.throttle import LoginThrottle
from dashapp.extensions import db_session, runtime
from dashapp.users import find_by_email
from models.audit import record

bp = Blueprint("auth", __name__)


def _csrf_token() -> str:
    token = session.get("csrf_token")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf_token"] = token
    return token


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the home page.

    Browsers read a backslash as a slash, so `/\\evil.example` would leave the site like `//evil.example`.
    """
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _throttle() -> LoginThrottle:
    rt = runtime()
    return LoginThrottle(
        client=rt.redis,
        namespace=rt.settings.redis_namespace,
        max_failures=rt.settings.login_max_failures,
        window_seconds=rt.settings.login_window_seconds,
    )


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _page(error: str | None = None, status: int = 200, email: str = "") -> tuple[str, int]:
    html = render_template(
        "login.html",
        csrf_token=_csrf_token(),
        error=error,
        email=email,
        next=_safe_next(request.values.get("next")),
    )
    return html, status


@bp.get("/login")
def login_form() -> Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    return _page()


@bp.post("/login")
def login_submit() -> Response | tuple[str, int]:
    email = (request.form.get("email") or "").strip().lower()
    password = request.form.get("password") or ""
    sent_token = request.form.get("csrf_token") or ""
    expected = session.get("csrf_token") or ""
    if not expected or not hmac.compare_digest(sent_token, expected):
        return _page("Your session expired before you logged in. Please try again.", 400, email)
    if not email or not password:
        return _page("Enter your email and password.", 400, email)

    throttle = _throttle()
    ip = _client_ip()
    wait = throttle.retry_after(email, ip)
    if wait:
        minutes = max(1, round(wait / 60))
        html, _ = _page(f"Too many failed logins. Try again in {minutes} minute(s).", 429, email)
        return Response(html, status=429, headers={"Retry-After": str(wait)})

    sess = db_session()
    user = find_by_email(sess, email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        throttle.failed(email, ip)
        record(
            sess,
            actor_id=None,
            actor=email,
            action="auth.login_failed",
            object_type="user",
            object_id=user.id if user else None,
            ip=ip,
        )
        sess.commit()
        return _page("Wrong email or password.", 401, email)

    throttle.succeeded(email, ip)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(UTC)
    record(
        sess,
        actor_id=user.id,
        actor=user.email,
        action="auth.login",
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    sess.commit()
    session.clear()  # a fresh session on login: no fixation
    login_user(user, remember=bool(request.form.get("remember")))
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        sess = db_session()
        record(
            sess,
            actor_id=current_user.id,
            actor=current_user.email,
            action="auth.logout",
            object_type="user",
            object_id=current_user.id,
            ip=_client_ip(),
        )
        sess.commit()
    logout_user()
    session.clear()
    return redirect("/login")
