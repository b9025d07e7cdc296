"""Every response of the app carries the browser security headers; the CSP allows no stray inline script."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp import saved_views as sv
from tests.support.factories import make_account, make_user


def _directives(policy: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_secure(response) -> None:
    headers = response.headers
    assert headers.get("X-Frame-Options") == "DENY"
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in ("strict-origin-when-cross-origin", "no-referrer", "same-origin")
    csp = _directives(headers.get("Content-Security-Policy", ""))
    assert csp.get("frame-ancestors") == ["'none'"]
    assert csp.get("default-src") == ["'self'"]
    assert csp.get("object-src") == ["'none'"]
    assert "'unsafe-inline'" not in csp.get("script-src", [])
    assert "*" not in csp.get("script-src", []) and "*" not in csp.get("connect-src", ["'self'"])


@pytest.mark.parametrize(
    "path",
    ["/login", "/", "/no/such/page", "/assets/00_bootstrap.min.css", "/api/v1/accounts", "/share/nope"],
)
def test_anonymous_responses_carry_the_security_headers(client: FlaskClient, path: str) -> None:
    with client.get(path) as response:
        assert_secure(response)


def test_logged_in_pages_callbacks_and_api_carry_the_security_headers(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    for path in ["/", "/_dash-layout", "/_dash-dependencies", "/accounts", "/api/v1/accounts"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure(response)


def test_the_dash_index_inline_scripts_are_allowed_by_hash(client: FlaskClient, logged_in) -> None:
    """Dash's page has inline scripts (the renderer start-up, clientside callbacks): each one is in the CSP."""
    import base64
    import hashlib

    logged_in("viewer")
    response = client.get("/")
    html = re.sub(r"<!--.*?-->", "", response.get_data(as_text=True), flags=re.S)  # comments never run
    script_src = _directives(response.headers["Content-Security-Policy"])["script-src"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S)
    assert inline
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


def test_the_shared_view_charts_run_under_a_nonce(client: FlaskClient, session: Session) -> None:
    owner = make_user(session, role="csm")
    make_account(session)
    view = sv.save_view(session, owner, name="Book", page="/", query="")
    _link, token = sv.create_share_link(session, owner, view.id, expires_in_days=7)
    session.flush()
    response = client.get(f"/share/{token}")
    assert response.status_code == 200
    assert_secure(response)
    script_src = _directives(response.headers["Content-Security-Policy"])["script-src"]
    nonces = [s for s in script_src if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the shared overview has charts"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)
