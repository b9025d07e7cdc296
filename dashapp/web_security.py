"""Browser security headers on every response: Content-Security-Policy, framing, sniffing, referrer.

The policy allows scripts from this origin only, plus Dash's own inline scripts (the renderer start-up and
clientside callbacks) by their SHA-256 hash, plus scripts carrying this response's nonce (the charts of a
shared view). 'unsafe-eval' stays: dash-ag-grid compiles the column formatters it is given as strings
(`{"function": ...}`) with `new Function`. Inline *styles* are allowed: React, Plotly and AG Grid set them.
"""

from __future__ import annotations

import re
import secrets

from dash import Dash
from dash import _callback as dash_callback  # Dash's list of clientside inline scripts not yet hashed
from flask import Flask, Response, g

_NONCE_KEY = "csp_nonce"

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
DEFAULT_REFERRER_POLICY = "strict-origin-when-cross-origin"


def csp_nonce() -> str:
    """A nonce for inline scripts of this response (created on first use; the CSP then lists it)."""
    nonce = g.get(_NONCE_KEY)
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        setattr(g, _NONCE_KEY, nonce)
    return nonce


def with_nonce(html: str, nonce: str) -> str:
    """Give every inline `<script>` of a trusted HTML fragment (a Plotly chart we rendered) this nonce."""
    return re.sub(r"<script(?=[\s>])", f'<script nonce="{nonce}"', html)


def content_security_policy(script_hashes: list[str], nonce: str | None = None) -> str:
    script_src = ["'self'", "'unsafe-eval'", *script_hashes]
    if nonce:
        script_src.append(f"'nonce-{nonce}'")
    directives = {
        "default-src": ["'self'"],
        "script-src": script_src,
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install_security_headers(server: Flask, app: Dash) -> None:
    cache: dict[int, list[str]] = {}

    def dash_hashes() -> list[str]:
        # Dash adds inline scripts as pages register clientside callbacks; recompute when their count moves.
        pending = len(app._inline_scripts) + len(getattr(dash_callback, "GLOBAL_INLINE_SCRIPTS", []))
        if pending not in cache:
            cache.clear()
            cache[pending] = list(app.csp_hashes())
        return cache[pending]

    @server.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in STATIC_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Referrer-Policy", DEFAULT_REFERRER_POLICY)
        response.headers["Content-Security-Policy"] = content_security_policy(
            dash_hashes(), g.get(_NONCE_KEY)
        )
        return response
