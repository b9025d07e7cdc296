"""healthdash: customer health for customer success teams.

`create_app(settings)` builds the Flask server with Dash mounted on it. Nothing happens at import time.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from dashapp.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = PROJECT_ROOT / "pages"
ASSETS_DIR = PROJECT_ROOT / "assets"


def create_app(settings: Settings | None = None) -> Flask:
    """Build the web application. Embedded PostgreSQL/Redis are started when no URL is configured."""
    from dashapp import services
    from dashapp.api import init_api
    from dashapp.auth import init_auth
    from dashapp.cache import init_read_cache
    from dashapp.extensions import init_runtime
    from dashapp.ops import init_ops
    from dashapp.ops.logs import configure_logging
    from dashapp.outage import install_outage_handler
    from dashapp.share import init_share
    from dashapp.shell import create_dash
    from dashapp.web_delivery import install_cache_headers, install_compression
    from dashapp.web_security import install_security_headers

    settings = services.resolve(settings or Settings.from_env())
    configure_logging(settings)
    from dashapp import logredact

    logredact.install()

    server = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_NAME="healthdash_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    install_compression(server, settings)  # first, so it runs after every other after-request hook
    init_runtime(server, settings)
    init_read_cache(server, settings)
    init_ops(server, settings)  # before the login guard: every request gets an id and is timed
    install_outage_handler(server)
    init_auth(server)
    from dashapp.ingest import register_ingest

    register_ingest(server)
    init_api(server, settings)
    init_share(server)
    from dashapp.exports.web import init_exports

    init_exports(server)
    from dashapp.ui.alert_stream import bp as alert_stream_bp

    server.register_blueprint(alert_stream_bp)
    dash_app = create_dash(server)
    install_security_headers(server, dash_app)
    install_cache_headers(server, dash_app)
    return server
