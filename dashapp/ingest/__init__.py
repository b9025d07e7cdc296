"""What brings data in: the Segment-compatible API, CSV imports, billing and support webhooks.

The HTTP entry points authenticate themselves (write keys, webhook signatures), so their prefixes are
public to the login guard.
"""

from __future__ import annotations

from flask import Flask


def register_ingest(server: Flask) -> None:
    from dashapp.auth.guard import add_public_prefix
    from dashapp.ingest import segment_api, webhooks
    from dashapp.ingest.downloads import bp as downloads_bp

    server.register_blueprint(segment_api.bp)
    server.register_blueprint(webhooks.bp)
    server.register_blueprint(downloads_bp)
    add_public_prefix(segment_api.PREFIX)
    add_public_prefix(webhooks.PREFIX)
