"""Responses on the wire: compressed pages, API JSON and Dash bundles, an SSE stream left alone, and a year of
caching for fingerprinted files only."""

from __future__ import annotations

import gzip
import json
import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp.web_delivery import IMMUTABLE
from tests.support.factories import make_account

GZIP = {"Accept-Encoding": "gzip"}


def _page(client: FlaskClient) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_page_is_gzipped_when_the_client_accepts_it(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    response = client.get("/", headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert b"<html" in gzip.decompress(response.get_data()).lower()
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers


def test_brotli_is_preferred_when_offered(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    response = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "br"


def test_api_json_is_gzipped(api, token, session: Session) -> None:
    for i in range(30):
        make_account(session, external_id=f"gz-{i}", segment="smb")
    session.flush()
    _user, secret = token()
    response = api.get("/accounts?limit=30", secret, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    body = json.loads(gzip.decompress(response.get_data()))
    assert len(body["data"]) == 30


def test_small_responses_stay_uncompressed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers=GZIP)
    assert "Content-Encoding" not in response.headers


def test_the_alert_stream_is_not_compressed(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    response = client.get("/alerts/stream", headers={"Accept-Encoding": "gzip, br"}, buffered=False)
    try:
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        assert "Content-Encoding" not in response.headers
        first = next(iter(response.response)).decode()
        assert first.startswith(("event:", ":", "retry:", "data:"))
    finally:
        response.close()


def test_fingerprinted_dash_bundles_are_immutable_and_compressed(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    html = _page(client)
    urls = re.findall(r'src="(/_dash-component-suites/[^"]+\.v[\w-]+m[0-9a-f]+\.[^"]+)"', html)
    assert urls, "the page links fingerprinted component bundles"
    response = client.get(urls[0], headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Content-Encoding"] == "gzip"
    unfingerprinted = re.sub(r"\.v[\w-]+m[0-9a-f]+\.", ".", urls[0])
    again = client.get(unfingerprinted)
    assert again.status_code == 200 and "immutable" not in again.headers.get("Cache-Control", "")


def test_assets_are_immutable_only_with_their_current_fingerprint(client: FlaskClient, logged_in) -> None:
    logged_in("viewer")
    html = _page(client)
    found = re.search(r'href="(/assets/app\.css)\?m=([0-9.]+)"', html)
    assert found, "the page links app.css with its modification time"
    path, stamp = found.groups()
    current = client.get(f"{path}?m={stamp}", headers=GZIP)
    assert current.status_code == 200
    assert current.headers["Cache-Control"] == IMMUTABLE
    assert current.headers["Content-Encoding"] == "gzip"
    for other in (path, f"{path}?m=1"):
        response = client.get(other)
        assert response.status_code == 200
        assert "immutable" not in response.headers.get("Cache-Control", ""), other
        response.close()
    current.close()


def test_personal_responses_get_no_long_lived_cache(api, token) -> None:
    _user, secret = token()
    response = api.get("/kpis", secret)
    assert response.status_code == 200
    assert "max-age=31536000" not in response.headers.get("Cache-Control", "")
