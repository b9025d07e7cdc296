"""`/webhooks` and `/notification-preferences`: admins manage endpoints (the secret once), bad input is a
422 naming the field with nothing saved, deliveries list every attempt, replay queues the event again."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from dashapp.api import openapi_document
from dashapp.notify import webhooks
from models.notify import NotificationPreference, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_admin_creates_lists_and_deletes_an_endpoint(api, token, session) -> None:
    _admin, secret = token("admin", "write")
    created = api.request(
        "POST", "/webhooks", secret, json={"url": "https://hooks.example.com/in", "events": ["alert.opened"]}
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["alert.opened"] and body["active"]
    Webhook(body["secret"])  # a valid Standard Webhooks secret
    listed = api.get("/webhooks", secret).get_json()["data"]
    assert [e["id"] for e in listed] == [body["id"]] and "secret" not in listed[0]
    assert api.request("DELETE", f"/webhooks/{body['id']}", secret).status_code == 200
    assert api.get("/webhooks", secret).get_json()["data"] == []
    assert api.request("DELETE", f"/webhooks/{body['id']}", secret).status_code == 404


def test_bad_input_names_the_field_and_saves_nothing(api, token, session) -> None:
    _admin, secret = token("admin", "write")
    cases = [
        ({"url": "ftp://example.com/x", "events": ["alert.opened"]}, "body.url"),
        ({"url": "javascript:alert(1)", "events": ["alert.opened"]}, "body.url"),
        ({"url": "https://example.com/x", "events": ["alert.exploded"]}, "body.events.0"),
        ({"url": "https://example.com/x", "events": []}, "body.events"),
        ({"events": ["alert.opened"]}, "body.url"),
    ]
    for payload, field in cases:
        response = api.request("POST", "/webhooks", secret, json=payload)
        assert response.status_code == 422, payload
        assert field in [e["name"] for e in response.get_json()["errors"]], response.get_json()
    assert _count(session, WebhookEndpoint) == 0


def test_only_admins_manage_webhooks(api, token) -> None:
    for role in ("viewer", "csm", "manager"):
        _user, secret = token(role, "write")
        assert api.get("/webhooks", secret).status_code == 403
        response = api.request(
            "POST", "/webhooks", secret, json={"url": "https://x.example", "events": ["task.created"]}
        )
        assert response.status_code == 403


def test_deliveries_show_every_attempt_and_replay_requeues(api, token, session) -> None:
    _admin, secret = token("admin", "write")
    endpoint_id = api.request(
        "POST", "/webhooks", secret, json={"url": "https://hooks.example.com/in", "events": ["task.created"]}
    ).get_json()["id"]
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    [delivery_id] = webhooks.emit_webhook_event(session, "task.created", {"task_id": 5}, now=now)
    delivery = session.get(WebhookDelivery, delivery_id)
    delivery.status, delivery.attempts = "failed", 2
    session.add_all(
        [
            WebhookAttempt(
                delivery_id=delivery_id, number=n, attempted_at=now, status_code=500, error="HTTP 500"
            )
            for n in (1, 2)
        ]
    )
    session.flush()
    [listed] = api.get(f"/webhooks/{endpoint_id}/deliveries", secret).get_json()["data"]
    assert listed["status"] == "failed" and [a["number"] for a in listed["attempt_log"]] == [1, 2]
    replayed = api.request("POST", f"/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay", secret)
    assert replayed.status_code == 202 and replayed.get_json()["status"] == "pending"
    assert api.request("POST", f"/webhooks/{endpoint_id}/deliveries/999999/replay", secret).status_code == 404


def test_preferences_read_change_and_refuse_bad_values(api, token, session) -> None:
    user, secret = token("csm", "write")
    assert api.get("/notification-preferences", secret).get_json()["channels"]["critical"] == ["email"]
    changed = api.request(
        "PATCH",
        "/notification-preferences",
        secret,
        json={
            "channels": {"critical": ["email", "sms"]},
            "quiet_hours": {"start": "22:00", "end": "07:00"},
            "timezone": "Europe/Paris",
            "phone": "+33612345678",
            "daily_cap": 5,
        },
    )
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["channels"]["critical"] == ["email", "sms"] and body["quiet_start"] == "22:00"
    for payload, field in [
        ({"timezone": "Mars/Olympus"}, "body.timezone"),
        ({"phone": "12345"}, "body.phone"),
        ({"quiet_hours": {"start": "25:99", "end": "07:00"}}, "body.quiet_hours.start"),
        ({"quiet_hours": {"start": "22:00"}}, "body.quiet_hours.end"),
        ({"slack_webhook_url": "gopher://x"}, "body.slack_webhook_url"),
        ({"channels": {"critical": ["pigeon"]}}, "body.channels.critical.0"),
    ]:
        response = api.request("PATCH", "/notification-preferences", secret, json={**payload, "daily_cap": 9})
        assert response.status_code == 422, payload
        assert field in [e["name"] for e in response.get_json()["errors"]]
    assert session.get(NotificationPreference, user.id).daily_cap == 5


def test_the_openapi_document_describes_webhooks_and_their_permissions() -> None:
    doc = openapi_document()
    post = doc["paths"]["/webhooks"]["post"]
    assert "manage_integrations" in post["description"]
    schema = doc["components"]["schemas"]["WebhookCreate"]
    assert schema["properties"]["events"]["items"]["enum"] == [
        "alert.opened",
        "alert.resolved",
        "account.band_changed",
        "task.created",
    ]
    assert "/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay" in doc["paths"]
    assert "/notification-preferences" in doc["paths"]
