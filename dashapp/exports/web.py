"""`/exports/<id>/download`: the file of a finished export, for signed-in users allowed to see it.

Anyone else gets the same 404 as for an id that does not exist, so guessing ids tells nothing.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, send_file
from flask_login import current_user

from dashapp.exports.files import can_download, stored_path
from dashapp.extensions import db_session, settings
from models.export import Export

bp = Blueprint("exports", __name__)
MEDIA = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


@bp.get("/exports/<token>/download")
def download(token: str) -> Response:
    session = db_session()
    export = session.query(Export).filter_by(token=token).one_or_none() if 16 <= len(token) <= 64 else None
    if export is None or not can_download(session, current_user, export):
        abort(404)
    path = stored_path(settings(), export) if export.status == "finished" else None
    if path is None or not path.is_file():
        abort(404)
    response = send_file(
        path, mimetype=MEDIA[export.format], as_attachment=True, download_name=export.filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def init_exports(server: Flask) -> None:
    server.register_blueprint(bp)
