"""What every API response shares: problem JSON for each error, ETags, Cache-Control, CORS, rate limits,
body validation (malformed JSON, content types, size, unknown fields), and the OpenAPI document."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from dashapp.extensions import EXTENSION_KEY


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


def test_reads_carry_an_etag_and_answer_304(api, token) -> None:
    _, secret = token()
    first = api.get("/me", secret)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-store"
    again = api.get("/me", secret, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert api.get("/me", secret, headers={"If-None-Match": '"stale"'}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/accounts/a/b/c/d", "/api/v2/accounts", "/api/"])
def test_unknown_paths_are_problem_404(client, path: str) -> None:
    body = _problem(client.get(path), 404)
    assert path.rstrip("/") in body["detail"] or body["detail"].startswith("There is no API resource")
    _problem(client.post(path), 404)
    _problem(client.delete(path), 404)


def test_wrong_method_is_problem_405_with_allow(api, token) -> None:
    _, secret = token()
    response = api.request("PUT", "/accounts", secret)
    _problem(response, 405)
    assert "GET" in response.headers["Allow"] and "PUT" not in response.headers["Allow"]
    delete_only = api.request("POST", "/tokens/1", secret)
    assert set(delete_only.headers["Allow"].split(", ")) == {"PATCH", "DELETE", "OPTIONS"}


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"data": b"\xff\xfe{}", "content_type": "application/json"}, 400, "UTF-8"),
        ({"data": "[" * 5000 + "]" * 5000, "content_type": "application/json"}, 400, "nests too deeply"),
        ({"data": "name=x", "content_type": "application/x-www-form-urlencoded"}, 415, "JSON"),
        ({"data": "name"}, 415, "JSON"),
        ({"json": ["a list"]}, 422, "JSON object"),
        ({"json": {"name": "ok", "admin": True}}, 422, "body.admin"),
        ({"json": {"name": 42}}, 422, "body.name"),
        ({"json": {}}, 422, "body.name"),
        ({"json": {"name": "   "}}, 422, "body.name"),
        (
            {"data": '{"name": "' + "x" * (2 * 1024 * 1024) + '"}', "content_type": "application/json"},
            413,
            "larger",
        ),
    ],
)
def test_bad_bodies_get_clear_4xx(api, token, session, kwargs: dict, status: int, words: str) -> None:
    user, secret = token("viewer", "write")
    from dashapp.tokens import create_token

    target = create_token(session, user, name="target")
    session.flush()
    response = api.request("PATCH", f"/tokens/{target.token.id}", secret, **kwargs)
    body = _problem(response, status)
    assert words in str(body), body
    assert target.token.name == "target"


def test_cors_is_off_unless_the_origin_is_allowed(app: Flask, api, token) -> None:
    _, secret = token()
    origin = {"Origin": "https://crm.example.com"}
    plain = api.get("/me", secret, headers=origin)
    assert plain.status_code == 200 and "Access-Control-Allow-Origin" not in plain.headers
    runtime = app.extensions[EXTENSION_KEY]
    before = runtime.settings
    runtime.settings = before.with_overrides(cors_origins=("https://crm.example.com",))
    try:
        allowed = api.get("/me", secret, headers=origin)
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://crm.example.com"
        assert (
            "Origin" in allowed.headers["Vary"] and "ETag" in allowed.headers["Access-Control-Expose-Headers"]
        )
        assert "Access-Control-Allow-Credentials" not in allowed.headers
        preflight = api.request(
            "OPTIONS",
            "/tokens/1",
            headers={
                **origin,
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "authorization",
            },
        )
        assert preflight.status_code == 200
        assert "DELETE" in preflight.headers["Access-Control-Allow-Methods"]
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        other = api.get("/me", secret, headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
    finally:
        runtime.settings = before


def test_rate_limits_per_token_with_headers_and_retry_after(app: Flask, api, token) -> None:
    _, first = token()
    _, second = token()
    runtime = app.extensions[EXTENSION_KEY]
    before = runtime.settings
    runtime.settings = before.with_overrides(api_rate_limit="3/minute", api_ip_rate_limit="1000/minute")
    try:
        answers = [api.get("/me", first) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
        assert answers[0].headers["RateLimit-Limit"] == "3"
        assert answers[0].headers["RateLimit-Policy"] == "3;w=60"
        refused = _problem(answers[3], 429)
        assert refused["status"] == 429
        assert 1 <= int(answers[3].headers["Retry-After"]) <= 60
        assert api.get("/me", second).status_code == 200  # another token has its own budget
    finally:
        runtime.settings = before


def test_rate_limits_per_ip_cover_unauthenticated_requests(app: Flask, api) -> None:
    runtime = app.extensions[EXTENSION_KEY]
    before = runtime.settings
    runtime.settings = before.with_overrides(api_rate_limit="1000/minute", api_ip_rate_limit="2/minute")
    try:
        codes = [
            api.get("/me", headers={"Authorization": f"Bearer hd_guess{i:040d}"}).status_code
            for i in range(3)
        ]
        assert codes == [401, 401, 429]
    finally:
        runtime.settings = before


def test_openapi_document_is_public_and_describes_every_route(client, app: Flask) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.headers["Cache-Control"].startswith("public")
    doc = response.json
    assert doc["openapi"] == "3.1.0"
    documented = {(m.upper(), "/api/v1" + p) for p, ops in doc["paths"].items() for m in ops}
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api_v1.")
        and rule.endpoint not in ("api_v1.unknown", "api_v1.openapi_json")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented
    accounts = doc["paths"]["/accounts"]["get"]
    names = {p["name"] for p in accounts["parameters"]}
    assert {"segment", "band", "score_min", "renewal_within", "q", "limit", "cursor", "sort"} <= names
    assert accounts["security"] == [{"bearerAuth": []}]
    assert {"400", "401", "403", "429"} <= set(accounts["responses"])
    assert "AccountSummary" in doc["components"]["schemas"]
    patch = doc["paths"]["/tokens/{token_id}"]["patch"]
    assert {"413", "415", "422"} <= set(patch["responses"]) and "requestBody" in patch


def test_docs_page_uses_only_vendored_assets(client) -> None:
    response = client.get("/api/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "http://" not in html and "https://" not in html
    for asset in ("/api/static/swagger_ui/swagger-ui-bundle.js", "/api/static/swagger_ui/swagger-ui.css"):
        assert asset in html
        with client.get(asset) as served:
            assert served.status_code == 200 and len(served.data) > 100_000


def test_a_bug_is_a_problem_500_without_a_traceback(app: Flask, api, token, monkeypatch) -> None:
    import dashapp.api.accounts as accounts

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    _, secret = token()
    monkeypatch.setattr(accounts, "account_detail", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = api.get("/accounts/anything", secret)
    body = _problem(response, 500)
    assert "secret internals" not in response.get_data(as_text=True) and "Traceback" not in body["detail"]
