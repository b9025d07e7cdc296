"""People: flask-login sessions, roles and permissions, and the guard on every route."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from dashapp.auth.guard import guarded_callback, install_guard, page_permission
from dashapp.auth.permissions import can
from dashapp.extensions import db_session
from models.user import User

__all__ = ["can", "guarded_callback", "init_auth", "page_permission"]


def init_auth(server: Flask) -> None:
    from dashapp.auth.views import bp

    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            uid = int(user_id)
        except ValueError:
            return None
        user = db_session().get(User, uid)
        return user if user is not None and user.is_active else None

    server.register_blueprint(bp)
    install_guard(server)
