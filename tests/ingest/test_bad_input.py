"""Bad input is a clear 4xx naming what is wrong, never a 500 (senders retry a 5xx forever)."""

from __future__ import annotations

import json
import os
import time

import pytest
import stripe
from sqlalchemy import func, select

from dashapp.ingest.uploads import remove_abandoned_uploads, upload_dir
from dashapp.ingest.webhooks import support_signature
from models.activity import UsageEvent
from models.billing import Invoice
from models.ingest import WebhookEvent
from tests.ingest.conftest import STRIPE_SECRET, SUPPORT_SECRET, basic
from tests.support.factories import make_account

DEEP = "[" * 50_000 + "]" * 50_000


def _stripe_raw(client, payload: str):
    header = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_SECRET)
    return client.post("/webhooks/stripe", data=payload, headers={"Stripe-Signature": header,
                                                                  "Content-Type": "application/json"})  # fmt: skip


def _support_raw(client, payload: str):
    stamp = str(int(time.time()))
    headers = {"X-Healthdash-Timestamp": stamp, "Content-Type": "application/json",
               "X-Healthdash-Signature": support_signature(SUPPORT_SECRET, stamp, payload.encode())}  # fmt: skip
    return client.post("/webhooks/support", data=payload, headers=headers)


def _invoice_event(eid: str = "evt_bad", **changes) -> dict:
    invoice = {"id": "in_9", "object": "invoice", "customer": "cus_9", "currency": "usd", "total": 1000,
               "amount_paid": 1000, "created": 1_714_000_000,
               "subscription_details": {"metadata": {"account_external_id": "acct-bad"}}, **changes}  # fmt: skip
    return {"id": eid, "object": "event", "type": "invoice.paid", "created": 1_714_000_000,
            "data": {"object": invoice}}  # fmt: skip


def test_deeply_nested_json_on_the_event_api_is_a_400(client, session, write_key) -> None:
    body = '{"batch": [{"type": "track", "userId": "u", "event": "e", "properties": {"x": ' + DEEP + "}}]}"
    response = client.post(
        "/v1/batch", data=body, headers={**basic(write_key), "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "nested" in response.json["detail"]
    nested: dict = {}
    for _ in range(200):  # deep enough to trouble the writers, shallow enough for the parser
        nested = {"a": nested}
    ok = {
        "type": "track",
        "messageId": "ok",
        "userId": "u",
        "event": "e",
        "timestamp": "2024-05-01T00:00:00Z",
    }
    deep = {**ok, "messageId": "deep", "properties": nested}
    response = client.post("/v1/batch", json={"batch": [ok, deep]}, headers=basic(write_key))
    assert response.status_code == 200
    assert response.json["rejected"][0]["index"] == 1 and "nested" in response.json["rejected"][0]["reason"]
    assert list(session.scalars(select(UsageEvent.message_id))) == ["ok"]


@pytest.mark.usefixtures("webhook_secrets")
def test_deeply_nested_json_on_the_webhooks_is_a_400(client) -> None:
    response = _support_raw(client, '{"id": "d-deep", "type": "ticket.created", "ticket": ' + DEEP + "}")
    assert response.status_code == 400 and "nested" in response.json["detail"]
    response = _stripe_raw(client, '{"id": "evt_deep", "type": "invoice.paid", "data": ' + DEEP + "}")
    assert response.status_code == 400 and "nested" in response.json["detail"]


@pytest.mark.usefixtures("webhook_secrets")
@pytest.mark.parametrize(
    ("event", "named"),
    [
        (_invoice_event(customer="cus\x009"), "data.object.customer"),
        (_invoice_event(eid="evt_" + "x" * 300), "id is 304 characters"),
        (_invoice_event(currency="usdx"), "currency"),
        (_invoice_event(total=10**20), "data.object.total"),
        (_invoice_event(total=1e300 * 10), "data.object.total"),
    ],
)
def test_signed_stripe_events_with_unstorable_values_are_a_400_naming_the_field(
    client, session, event, named
) -> None:
    make_account(session, external_id="acct-bad")
    response = _stripe_raw(client, json.dumps(event))
    assert response.status_code == 400, response.get_data(as_text=True)
    assert named in response.json["detail"]
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


@pytest.mark.usefixtures("webhook_secrets")
def test_signed_support_events_with_unstorable_values_are_a_400(client, session) -> None:
    make_account(session, external_id="acct-t")
    base = {"type": "ticket.created", "occurred_at": "2024-05-01T09:00:00Z"}
    ticket = {"id": "T-1", "account_id": "acct-t", "subject": "Hi", "created_at": "2024-05-01T08:59:00Z"}
    cases = [
        ({**base, "id": "d" * 256, "ticket": ticket}, "id is 256 characters"),
        ({**base, "id": "d-1", "ticket": {**ticket, "subject": "a\x00b"}}, "ticket.subject"),
        ({**base, "id": "d-2", "ticket": {**ticket, "id": "T" * 300}}, "ticket.id"),
    ]
    for event, named in cases:
        response = _support_raw(client, json.dumps(event))
        assert response.status_code == 400, response.get_data(as_text=True)
        assert named in response.json["detail"]
    assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_events_without_message_id_and_timestamp_are_not_merged(client, session, write_key) -> None:
    bare = {"type": "track", "userId": "u1", "event": "Clicked"}
    timed = {**bare, "event": "Timed", "timestamp": "2024-05-01T10:00:00Z"}
    response = client.post("/v1/batch", json={"batch": [bare, bare, timed, timed]}, headers=basic(write_key))
    assert response.status_code == 200
    events = session.execute(select(UsageEvent.event, func.count()).group_by(UsageEvent.event)).all()
    # Two identical events with no id and no time are two events; a timed copy is a replay of the first.
    assert sorted(events) == [("Clicked", 2), ("Timed", 1)]


def test_uploads_never_imported_are_removed_after_their_retention(settings, tmp_path) -> None:
    local = settings.with_overrides(data_dir=tmp_path, upload_retention_hours=24)
    folder = upload_dir(local)
    old, fresh = folder / "old.csv", folder / "fresh.csv"
    old.write_text("id\n1\n")
    fresh.write_text("id\n2\n")
    day_and_a_bit = time.time() - 25 * 3600
    os.utime(old, (day_and_a_bit, day_and_a_bit))
    assert remove_abandoned_uploads(local) == 1
    assert not old.exists() and fresh.exists()
