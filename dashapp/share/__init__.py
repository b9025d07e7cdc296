"""Read-only share links: `/share/<token>` shows one saved view to anyone holding the link, without login.

The page is rendered on the server from that view's stored filters (plain HTML and static charts). It makes
no Dash callbacks, so an anonymous visitor reaches no callback, page or account beyond the view: the login
guard still refuses them everything else (`/_dash-update-component` included), and the only input this
route takes besides the token is the page number of a shared account list.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, make_response, render_template, request, send_file

from dashapp.auth.guard import add_public_prefix
from dashapp.extensions import db_session
from dashapp.saved_views import open_share_link
from dashapp.share.render import render_view
from dashapp.web_security import csp_nonce, with_nonce

bp = Blueprint("share", __name__)
PREFIX = "/share/"


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never leak it onwards
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["X-Frame-Options"] = "DENY"
    return response


@bp.get("/share/<token>")
def shared_view(token: str) -> Response:
    session = db_session()
    access = open_share_link(session, token)
    if access.view is None:
        session.rollback()
        page = render_template("share_refused.html", reason=access.refusal)
        return _no_store(
            make_response(page, 410 if access.refusal and "valid" not in access.refusal else 404)
        )
    session.commit()  # the link's last use
    page_arg = request.args.get("page", "1")
    page_number = int(page_arg) if page_arg.isdigit() and 0 < len(page_arg) < 7 else 1
    sections = render_view(session, access.view, page_number=page_number)
    for section in sections:
        if section.get("kind") == "figure":
            section["html"] = with_nonce(section["html"], csp_nonce())
    html = render_template("share.html", view=access.view, sections=sections, token_path=request.path)
    return _no_store(make_response(html, 200))


@bp.get("/share/_static/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js from the installed plotly package (Dash's component-suite route only serves a worker that has
    rendered the Dash index first, which a share visitor never does)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    response = send_file(path, mimetype="application/javascript", max_age=86400)
    return response


@bp.get("/share/")
@bp.get("/share/<path:_rest>")
def not_a_share_link(_rest: str = "") -> Response:
    """Anything else under /share/ is refused here, so the public prefix serves no other page."""
    page = render_template("share_refused.html", reason="This share link is not valid.")
    return _no_store(make_response(page, 404))


def init_share(server: Flask) -> None:
    add_public_prefix(PREFIX)
    server.register_blueprint(bp)
