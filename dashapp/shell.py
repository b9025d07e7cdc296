"""The Dash app mounted on the Flask server: the page shell (navbar, theme) around `dash.page_container`."""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
import redis
from dash import Dash, Input, Output, State, dcc, html
from flask import Flask, has_request_context
from flask_login import current_user

from components.navbar import make_navbar
from dashapp import ASSETS_DIR, PAGES_DIR
from dashapp.auth.csrf import csrf_token
from dashapp.auth.permissions import can
from dashapp.explore import registry
from dashapp.extensions import db_session
from dashapp.ui import export, filterbar, quickfilters, sharing, views
from dashapp.users import set_theme

# Dash's own page skeleton, with the document's language (screen readers pick their voice from it).
INDEX_HTML = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def visible_pages(user: object) -> list[dict]:
    """Pages for the navbar: those with a `nav_order`, that the user may open, in order."""
    pages = [p for p in dash.page_registry.values() if p.get("nav_order") is not None]
    pages = [p for p in pages if can(user, p.get("permission", "view"))]
    return sorted(pages, key=lambda p: p["nav_order"])


def _unread(user: object) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    from dashapp.alerts.queries import unread_count

    return unread_count(db_session(), int(user.id))  # type: ignore[attr-defined]


def serve_layout() -> html.Div:
    user = current_user
    theme = getattr(user, "theme", "light") if user and user.is_authenticated else "light"
    return html.Div(
        [
            dcc.Store(id="theme-store", data=theme),
            dcc.Store(id="popstate-store"),
            html.Div(id="url-sync", hidden=True),
            make_navbar(
                visible_pages(user), user, theme, csrf_token() if has_request_context() else "", _unread(user)
            ),
            dbc.Container(
                dbc.Alert(
                    id=CALLBACK_ERROR_ID, color="danger", is_open=False, dismissable=True, className="mt-2"
                ),
                fluid="xxl",
            ),
            html.Main(dbc.Container(dash.page_container, fluid="xxl", className="py-3", id="page-body")),
        ],
        id="app-shell",
    )


CALLBACK_ERROR_ID = "callback-error"
CALLBACK_ERROR_MESSAGE = (
    "This could not be shown with these settings: a value in the page or its address may be invalid or out "
    "of range. Change it, or open the page from the menu. The problem has been logged."
)
log = logging.getLogger(__name__)


def on_callback_error(err: Exception) -> None:
    """Any callback that raises: log it, show a plain message on the page, change nothing else.

    The error's own text (a database or Python message) never reaches the browser."""
    if isinstance(err, redis.RedisError):
        raise err  # a passing outage: 503 with Retry-After (dashapp.outage), the browser retries
    log.error("callback failed: %s", type(err).__name__, exc_info=err)
    dash.set_props(CALLBACK_ERROR_ID, {"children": CALLBACK_ERROR_MESSAGE, "is_open": True})


def create_dash(server: Flask) -> Dash:
    app = Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        title="healthdash",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        on_error=on_callback_error,
    )
    app.index_string = INDEX_HTML
    app.layout = serve_layout
    registry.check([p["path_template"] or p["path"] for p in dash.page_registry.values()])
    _register_shell_callbacks(app)
    filterbar.register(app)
    quickfilters.register(app)
    views.register(app)
    sharing.register(app)
    export.register(app)
    return app


def _register_shell_callbacks(app: Dash) -> None:
    app.clientside_callback(
        """
        function(theme) {
            document.documentElement.setAttribute('data-bs-theme', theme || 'light');
            document.body.setAttribute('data-ag-theme-mode', theme || 'light');
            return theme || 'light';
        }
        """,
        Output("app-shell", "data-theme"),
        Input("theme-store", "data"),
    )

    # Phone widths: the toggler opens and closes the collapsed menu; following a link closes it.
    app.clientside_callback(
        """
        function(_clicks, _pathname, isOpen) {
            const trigger = dash_clientside.callback_context.triggered_id;
            return trigger === 'navbar-toggler' ? !isOpen : false;
        }
        """,
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        Input("_pages_location", "pathname"),
        State("navbar-collapse", "is_open"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("theme-store", "data"),
        Input("theme-switch", "value"),
        State("theme-store", "data"),
        prevent_initial_call=True,
    )
    def save_theme(dark: bool, current: str) -> str:
        theme = "dark" if dark else "light"
        if theme == current or not current_user.is_authenticated:
            return theme
        session = db_session()
        user = session.merge(current_user._get_current_object())
        set_theme(session, user, theme)
        session.commit()
        return theme
