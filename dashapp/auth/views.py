"""Login and logout (plain Flask: the login page must work before any Dash route is allowed)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, redirect, render_template, request, session
from flask_login import current_user, login_user, logout_user

from dashapp.auth.csrf import csrf_ok, csrf_token
from dashapp.auth.passwords import hash_password, needs_rehash, verify_password
from dashapp.auth.sessions import start_session
from dashapp.auth.throttle import LoginThrottle
from dashapp.extensions import db_session, runtime
from dashapp.users import find_by_email, revoke_sessions
from models.audit import record
from models.user import User

bp = Blueprint("auth", __name__)


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
        ip_max_failures=rt.settings.login_ip_max_failures,
        window_seconds=rt.settings.login_window_seconds,
    )


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def _page(error: str | None = None, status: int = 200, email: str = "") -> tuple[str, int]:
    html = render_template(
        "login.html",
        csrf_token=csrf_token(),
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
    if not csrf_ok(request.form.get("csrf_token")):
        return _page("Your session expired before you logged in. Please try again.", 400, email)
    if not email or not password:
        return _page("Enter your email and password.", 400, email)

    throttle = _throttle()
    ip = _client_ip()
    wait = throttle.reserve(email, ip)  # counts this attempt; a success hands it back
    if wait:
        minutes = max(1, round(wait / 60))
        html, _ = _page(f"Too many failed logins. Try again in {minutes} minute(s).", 429, email)
        return Response(html, status=429, headers={"Retry-After": str(wait)})

    sess = db_session()
    user = find_by_email(sess, email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
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
    remember = bool(request.form.get("remember"))
    login_user(user, remember=remember)
    start_session(remember)
    return redirect(_safe_next(request.form.get("next")))


@bp.get("/logout")
def logout_by_get() -> Response:
    """A link or an image on another site must not log anyone out: logging out is a POST with a CSRF token."""
    return Response("Log out with the button in the user menu.", status=405, headers={"Allow": "POST"})


@bp.post("/logout")
def logout() -> Response | tuple[str, int]:
    """End this login and every other one of the same user (all their cookies, copies included)."""
    if not csrf_ok(request.form.get("csrf_token")):
        return "Logging out needs the form's CSRF token; reload the page and try again.", 400
    if current_user.is_authenticated:
        sess = db_session()
        user = sess.get(User, current_user.id)
        if user is not None:
            revoke_sessions(user)
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
    logout_user()  # also asks flask-login to delete the remember cookie on this response
    for key in [k for k in session if k != "_remember"]:
        session.pop(key)
    return redirect("/login")
