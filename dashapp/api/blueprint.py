"""The API's blueprints: `/api/v1` (the resources) and `/api` (documentation), with what all their
responses share: ETag, Cache-Control, CORS and rate-limit headers, and a problem-JSON 404 for unknown paths."""

from flask import Blueprint
from werkzeug.exceptions import MethodNotAllowed, NotFound

from dashapp.api.http import finish, real_methods
from dashapp.api.limits import count, rate_headers

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
root = Blueprint("api_root", __name__, url_prefix="/api", static_folder="static", static_url_path="/static")


def _unknown(rest: str = "") -> None:
    """GET on a path no API route answers to: 404, or 405 when the path exists for other methods."""
    allowed = real_methods()
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound()


for _blueprint in (bp, root):
    _blueprint.add_url_rule("/", endpoint="unknown", view_func=_unknown)
    _blueprint.add_url_rule("/<path:rest>", endpoint="unknown", view_func=_unknown)
    _blueprint.after_request(finish)
bp.before_request(count)
bp.after_request(rate_headers)
