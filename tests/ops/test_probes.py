"""/healthz (alive), /readyz (dependencies, schema, worker heartbeat) and the request id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.utils import utcformat
from sqlalchemy import text


def test_healthz_answers_alive_without_login_and_echoes_a_request_id(client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "lb-probe-42"})
    assert response.status_code == 200
    assert response.json == {"status": "alive"}
    assert response.headers["X-Request-ID"] == "lb-probe-42"


def test_a_malformed_request_id_is_replaced_and_every_response_gets_one(client) -> None:
    response = client.get("/login", headers={"X-Request-ID": "bad id <script>"})
    generated = response.headers["X-Request-ID"]
    assert generated != "bad id <script>" and len(generated) == 32
    assert client.get("/login").headers["X-Request-ID"] != generated


def test_readyz_names_the_worker_when_no_worker_is_registered(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "not ready"
    assert body["failing"] == ["worker"]
    assert {name for name, check in body["checks"].items() if check["ok"]} == {
        "database",
        "migrations",
        "redis",
    }
    assert body["checks"]["worker"]["detail"] == "no worker is registered"


def test_readyz_is_ready_with_a_worker_that_beat_recently(client, live_worker) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready" and response.json["failing"] == []


def test_readyz_fails_when_the_newest_heartbeat_is_too_old(client, live_worker, settings) -> None:
    old = datetime.now(UTC) - timedelta(seconds=settings.ready_worker_max_age_seconds + 60)
    live_worker.connection.hset(live_worker.key, "last_heartbeat", utcformat(old))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["worker"]
    assert "heartbeat" in response.json["checks"]["worker"]["detail"]


def test_readyz_fails_when_the_schema_is_behind_the_code(client, live_worker, connection) -> None:
    connection.execute(text("UPDATE alembic_version SET version_num = '0001_initial'"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failing"] == ["migrations"]
    assert "0001_initial" in response.json["checks"]["migrations"]["detail"]
