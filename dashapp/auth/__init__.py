"""People: flask-login sessions, roles and permissions, and the guard on every route."""

from __future__ import annotations

from flask import Flask
from flask_login import LoginManager

from dashapp.auth.guard import guarded_callback, install_guard, page_permission
from dashapp.auth.permissions import can
from dashapp.auth.sessions import init_sessions
from dashapp.extensions import EXTENSION_KEY

__all__ = ["can", "guarded_callback", "init_auth", "page_permission"]


def init_auth(server: Flask) -> None:
    from dashapp.auth.views import bp

    manager = LoginManager()
    manager.session_protection = "basic"
    manager.init_app(server)
    init_sessions(server, manager, server.extensions[EXTENSION_KEY].settings.remember_days)

    server.register_blueprint(bp)
    install_guard(server)
