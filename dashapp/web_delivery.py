"""How responses travel: compressed when worth it, and cacheable for a year when their URL is a fingerprint.

Compression (flask-compress): brotli or gzip, as the client accepts, for HTML, JSON, JS, CSS and SVG above
`compress_min_bytes`. Streamed responses are never compressed (a compressor would hold events back), so
`/alerts/stream` keeps streaming event by event; files compressed already (PDF, PNG, zip, ...) are not in the
list either. Our `/assets/` files are sent by Flask as streamed files: they are read into memory first (they
are small) so they are compressed like Dash's bundles.

Cache headers: Dash fingerprints its component-suite URLs (`dash_table.v7_0_0m1700000000.min.js`) and gives
them `max-age` only; our `/assets/` files are linked as `app.css?m=<mtime>`. Both get
`public, max-age=31536000, immutable` when the fingerprint is the file's current one, so a CDN or the
browser never asks again; any other response keeps the headers it had (pages and the API are personal).
"""

from __future__ import annotations

import os

from dash import Dash
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, request
from flask_compress import Compress
from werkzeug.security import safe_join

from dashapp.settings import Settings

IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/manifest+json",
    "image/svg+xml",
]


def install_compression(server: Flask, settings: Settings) -> None:
    """Call right after creating the server: its after-request hook then runs last, on the final body."""
    server.config.update(
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_STREAMS=False,
        COMPRESS_MIN_SIZE=settings.compress_min_bytes,
        COMPRESS_BR_LEVEL=4,
        COMPRESS_LEVEL=6,
    )
    Compress(server)


def _asset_fingerprint_is_current(assets_folder: str, assets_prefix: str) -> bool:
    stamp = request.args.get("m")
    if not stamp:
        return False
    path = safe_join(assets_folder, request.path[len(assets_prefix) :])
    try:
        return path is not None and stamp == str(os.path.getmtime(path))
    except OSError:
        return False


def install_cache_headers(server: Flask, app: Dash) -> None:
    suites = app.config.requests_pathname_prefix + "_dash-component-suites/"
    assets = app.config.requests_pathname_prefix + app.config.assets_url_path.strip("/") + "/"
    assets_folder = app.config.assets_folder

    @server.after_request
    def static_files(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        path = request.path
        if path.startswith(suites):
            fingerprinted = check_fingerprint(path[len(suites) :])[1]
        elif path.startswith(assets):
            fingerprinted = _asset_fingerprint_is_current(assets_folder, assets)
            if response.is_streamed:  # a file Flask would stream: buffer it so it can be compressed
                response.direct_passthrough = False
                response.make_sequence()
        else:
            return response
        if fingerprinted:
            response.headers["Cache-Control"] = IMMUTABLE
        return response
