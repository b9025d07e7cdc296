"""Share links from wherever a view is: the Views page, and the page a view was just saved on.

`new_share_link` is the one way the web pages create a link (the rules live in `dashapp.saved_views`); the
shell registers the Copy button's clipboard callback and the share callback of the note shown after saving.
"""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State
from flask_login import current_user

from components.share_link import DEFAULT_EXPIRY, make_share_link
from dashapp.auth import guarded_callback
from dashapp.extensions import db_session, settings
from dashapp.saved_views import ViewError, create_share_link


def share_url(token: str) -> str:
    """The link's address on the configured base URL (HEALTHDASH_BASE_URL, never the Host header)."""
    return f"{settings().public_url}/share/{token}"


def expiry_days(value: Any) -> int:
    text = str(value or DEFAULT_EXPIRY)
    return int(text) if text.isdigit() and len(text) < 5 else int(DEFAULT_EXPIRY)


def new_share_link(view_id: Any, expiry: Any) -> Any:
    """Create a link to one of the user's views; what to show (the link, or why not)."""
    if not view_id:
        return dbc.Alert("Save the view first.", color="warning", id="share-error")
    session = db_session()
    user = session.merge(current_user._get_current_object())
    try:
        link, token = create_share_link(session, user, int(view_id), expires_in_days=expiry_days(expiry))
        session.commit()
    except (ViewError, ValueError) as exc:
        session.rollback()
        return dbc.Alert(str(exc), color="danger", id="share-error")
    expires = f"{link.expires_at:%d %b %Y}" if link.expires_at else "you revoke it"
    return make_share_link(share_url(token), expires)


# Copy: the Clipboard API where the page is a secure context, else select the text and copy it.
_COPY = """
function(n, url) {
    if (!n || !url) { return window.dash_clientside.no_update; }
    const copied = "Copied to the clipboard.";
    function fallback() {
        const input = document.getElementById("share-url");
        if (input) { input.focus(); input.select(); }
        try { if (document.execCommand("copy")) { return copied; } } catch (e) { /* not allowed */ }
        return "The link is selected: press Ctrl+C (or Cmd+C) to copy it.";
    }
    if (navigator.clipboard && window.isSecureContext) {
        return navigator.clipboard.writeText(url).then(function () { return copied; }, fallback);
    }
    return fallback();
}
"""


def register(app: Dash) -> None:
    app.clientside_callback(
        _COPY,
        Output("share-copied", "children"),
        Input("share-copy", "n_clicks"),
        State("share-url", "value"),
        prevent_initial_call=True,
    )

    @guarded_callback(
        "share_views",
        Output("view-link-result", "children"),
        Input("view-link-create", "n_clicks"),
        State("view-saved-id", "data"),
        State("view-link-expiry", "value"),
        prevent_initial_call=True,
    )
    def share_saved(_n: int | None, view_id: Any, expiry: Any) -> Any:
        return new_share_link(view_id, expiry)
