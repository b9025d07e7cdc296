"""With Redis unreachable, login and exports answer 503 with Retry-After (not 500), with no error text."""

from __future__ import annotations

import socket

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from dashapp.extensions import runtime
from tests.conftest import login
from tests.support.factories import make_user


def _dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there once the socket is closed


@pytest.fixture
def redis_down(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    url = _dead_url()
    with app.app_context():
        rt = runtime()
    monkeypatch.setattr(rt, "settings", rt.settings.with_overrides(redis_url=url))
    monkeypatch.setattr(rt, "redis", redis.Redis.from_url(url, socket_connect_timeout=1))


def test_login_answers_503_with_retry_after(client: FlaskClient, session: Session, redis_down) -> None:
    user = make_user(session)
    response = login(client, user.email)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    text = response.get_data(as_text=True)
    assert "try again" in text.lower()
    assert "ConnectionError" not in text and "Traceback" not in text


def test_an_api_export_answers_503_problem_json(client: FlaskClient, session: Session, redis_down) -> None:
    from dashapp.tokens import create_token

    owner = make_user(session, role="viewer")
    secret = create_token(session, owner, name="t", scope="read").secret
    session.flush()
    response = client.post(
        "/api/v1/exports",
        json={"format": "csv", "page": "/accounts"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    assert response.content_type == "application/problem+json"
    assert "Error" not in response.json["detail"]
