"""`/api/docs` (interactive reference, from vendored Swagger UI) and `/api/v1/openapi.json`."""

from __future__ import annotations

from flask import Response, url_for
from flask_login import current_user

from dashapp.api.blueprint import bp, root
from dashapp.api.http import json_response
from dashapp.api.meta import api_version
from dashapp.api.openapi import document

PUBLIC = "public, max-age=300"
# The page follows the signed-in user's theme, so it is cached per browser only.
PER_USER = "private, max-age=300"
# Everything the page loads comes from this server; Swagger UI styles elements inline.
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"

PAGE = """<!doctype html>
<html lang="en" data-theme="{theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>healthdash API reference</title>
<link rel="icon" href="/assets/favicon.svg">
<link rel="stylesheet" href="{css}">
<link rel="stylesheet" href="{docs_css}">
</head>
<body data-spec="{spec}">
<header class="docs-header">
<a class="docs-back" href="/">&larr; Back to healthdash</a>
<h1>healthdash API</h1>
<p>Send a personal API token as <code>Authorization: Bearer &lt;token&gt;</code>
(create one under <a href="/settings/tokens">Settings → API tokens</a>), or use “Authorize” below.</p>
</header>
<main id="swagger-ui"></main>
<script src="{bundle}"></script>
<script src="{docs_js}"></script>
</body>
</html>
"""


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return json_response(document(api_version()), headers={"Cache-Control": PUBLIC})


@root.get("/docs")
def docs_page() -> Response:
    signed_in = getattr(current_user, "is_authenticated", False)
    theme = "dark" if signed_in and getattr(current_user, "theme", "light") == "dark" else "light"
    html = PAGE.format(
        theme=theme,
        css=url_for("api_root.static", filename="swagger_ui/swagger-ui.css"),
        bundle=url_for("api_root.static", filename="swagger_ui/swagger-ui-bundle.js"),
        docs_css=url_for("api_root.static", filename="docs.css"),
        docs_js=url_for("api_root.static", filename="docs.js"),
        spec=url_for("api_v1.openapi_json"),
    )
    return Response(
        html,
        mimetype="text/html",
        headers={
            "Cache-Control": PER_USER,
            "Vary": "Cookie",
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
        },
    )
