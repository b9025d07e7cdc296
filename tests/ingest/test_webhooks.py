"""Stripe and support webhooks over HTTP: signed by the real helpers, tampered, stale, replayed."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import stripe
from sqlalchemy import func, select

from dashapp.ingest.webhooks import support_signature
from dashapp.ingest.writekeys import create_write_key
from models.account import Account
from models.activity import UsageEvent
from models.billing import Invoice, Payment
from models.ingest import DEFAULT_WRITE_KEY_FIELDS, Subscription, WebhookEvent
from models.support import SupportTicket
from models.survey import SurveyResponse
from tests.ingest.conftest import STRIPE_SECRET, SUPPORT_SECRET, basic
from tests.support.factories import make_account

pytestmark = pytest.mark.usefixtures("webhook_secrets")


def _stripe(
    client, event: dict, *, secret: str = STRIPE_SECRET, timestamp: int | None = None, body: str | None = None
):
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    headers = {"Stripe-Signature": header, "Content-Type": "application/json"}
    return client.post("/webhooks/stripe", data=body or payload, headers=headers)


def _event(eid: str, kind: str, obj: dict, created: int = 1_714_000_000) -> dict:
    return {"id": eid, "object": "event", "type": kind, "created": created, "data": {"object": obj}}


INVOICE = {
    "id": "in_1", "object": "invoice", "customer": "cus_1", "currency": "usd", "total": 12050,
    "amount_paid": 12050, "created": 1_714_000_000, "charge": "ch_1",
    "status_transitions": {"paid_at": 1_714_000_100},
    "subscription_details": {"metadata": {"account_external_id": "acct-s"}},
}  # fmt: skip


def _item(quantity: int, cents: int, interval: str) -> dict:
    return {
        "quantity": quantity,
        "price": {"unit_amount": cents, "currency": "usd", "recurring": {"interval": interval}},
    }


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_signed_invoice_paid_is_applied_and_a_replay_changes_nothing(client, session) -> None:
    make_account(session, external_id="acct-s")
    response = _stripe(client, _event("evt_1", "invoice.paid", INVOICE))
    assert response.status_code == 200 and response.json["status"] == "processed"
    invoice = session.scalar(select(Invoice).where(Invoice.external_id == "in_1"))
    assert (invoice.amount, invoice.status, invoice.currency) == (Decimal("120.50"), "paid", "USD")
    assert invoice.paid_at == datetime.fromtimestamp(1_714_000_100, UTC)
    payment = session.scalar(select(Payment))
    assert (payment.external_id, payment.status, payment.amount) == ("ch_1", "succeeded", Decimal("120.50"))
    account = session.scalar(select(Account).where(Account.external_id == "acct-s"))
    assert account.custom_attributes["stripe_customer_id"] == "cus_1"
    replay = _stripe(client, _event("evt_1", "invoice.paid", {**INVOICE, "total": 99999}))
    assert replay.status_code == 200 and replay.json["status"] == "duplicate"
    session.expire_all()
    assert session.scalar(select(Invoice.amount)) == Decimal("120.50")
    assert (_count(session, Payment), _count(session, WebhookEvent)) == (1, 1)


def test_tampered_stale_missing_and_wrong_secret_signatures_are_400_and_change_nothing(
    client, session
) -> None:
    make_account(session, external_id="acct-s")
    event = _event("evt_t", "invoice.paid", INVOICE)
    tampered = _stripe(client, event, body=json.dumps({**event, "data": {"object": {**INVOICE, "total": 1}}}))
    assert tampered.status_code == 400 and "signature" in tampered.json["detail"]
    stale = _stripe(client, event, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 400 and "tolerance" in stale.json["detail"]
    assert _stripe(client, event, secret="whsec_other").status_code == 400
    missing = client.post("/webhooks/stripe", json=event)
    assert missing.status_code == 400 and "Stripe-Signature" in missing.json["detail"]
    assert missing.content_type == "application/problem+json"
    assert (_count(session, Invoice), _count(session, WebhookEvent)) == (0, 0)


def test_payment_failed_refund_and_subscription_lifecycle(client, session) -> None:
    account = make_account(
        session, external_id="acct-s", mrr=Decimal("10"), custom_attributes={"stripe_customer_id": "cus_1"}
    )
    failed = {**INVOICE, "id": "in_2", "attempt_count": 2, "next_payment_attempt": 1_714_100_000,
              "subscription_details": None}  # fmt: skip
    assert _stripe(client, _event("evt_f", "invoice.payment_failed", failed)).status_code == 200
    inv = session.scalar(select(Invoice).where(Invoice.external_id == "in_2"))
    assert inv.status == "failed" and inv.account_id == account.id
    assert "attempt 2 failed" in session.scalar(select(Payment.failure_reason))
    _stripe(client, _event("evt_p", "invoice.paid", {**failed, "charge": "ch_2"}))
    refund = {"id": "ch_2", "object": "charge", "customer": "cus_1", "currency": "usd", "amount_refunded": 12050,
              "refunded": True, "invoice": "in_2", "created": 1_714_200_000}  # fmt: skip
    assert _stripe(client, _event("evt_r", "charge.refunded", refund)).json["status"] == "processed"
    session.expire_all()
    inv = session.scalar(select(Invoice).where(Invoice.external_id == "in_2"))
    assert (inv.status, inv.amount_refunded) == ("refunded", Decimal("120.50"))

    sub = {"id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "active", "currency": "usd",
           "start_date": 1_700_000_000, "current_period_end": 1_717_000_000,
           "items": {"data": [_item(3, 5000, "month"), _item(1, 120000, "year")]}}  # fmt: skip
    assert _stripe(client, _event("evt_s1", "customer.subscription.created", sub)).status_code == 200
    session.expire_all()
    account = session.get(Account, account.id)
    assert account.mrr == Decimal("250.00") and account.renewal_date == date(2024, 5, 29)
    ended = {**sub, "status": "canceled", "ended_at": 1_716_000_000,
             "cancellation_details": {"reason": "cancellation_requested", "feedback": "too_expensive"}}  # fmt: skip
    assert _stripe(client, _event("evt_s2", "customer.subscription.deleted", ended)).status_code == 200
    session.expire_all()
    account = session.get(Account, account.id)
    assert account.mrr == 0 and account.churned_at == datetime.fromtimestamp(1_716_000_000, UTC)
    assert "too_expensive" in account.churn_reason and account.lifecycle_stage == "churned"
    assert session.scalar(select(Subscription.status)) == "canceled"


def test_unknown_customer_is_kept_and_applied_when_the_account_appears(client, session, write_key) -> None:
    response = _stripe(client, _event("evt_u", "invoice.paid", {**INVOICE, "customer": "cus_new",
                                                                "subscription_details": None}))  # fmt: skip
    assert response.status_code == 200 and response.json["status"] == "unmatched"
    assert _count(session, Invoice) == 0
    group = {"type": "group", "messageId": "g", "groupId": "newco", "userId": "u",
             "traits": {"name": "NewCo", "stripe_customer_id": "cus_new"}}  # fmt: skip
    # A billing link is not something a default (browser) write key may set ...
    assert client.post("/v1/group", json=group, headers=basic(write_key)).json["ignored"][0]["fields"] == [
        "custom.stripe_customer_id"
    ]
    assert _count(session, Invoice) == 0
    # ... but a key an admin allowed it on may.
    _row, billing_key = create_write_key(
        session, "billing link", account_fields=[*DEFAULT_WRITE_KEY_FIELDS, "custom.stripe_customer_id"]
    )
    session.flush()
    assert (
        client.post("/v1/group", json={**group, "messageId": "g2"}, headers=basic(billing_key)).status_code
        == 200
    )
    invoice = session.scalar(select(Invoice))
    assert invoice.external_id == "in_1" and invoice.account_id is not None
    assert session.scalar(select(WebhookEvent.status)) == "processed"


def test_unhandled_types_are_acknowledged_and_malformed_events_refused(client, session) -> None:
    assert _stripe(client, _event("evt_x", "product.created", {"id": "prod_1"})).json["status"] == "ignored"
    bad = _stripe(client, _event("evt_y", "invoice.paid", {"customer": "cus_1"}))
    assert bad.status_code == 400
    assert _stripe(client, {"no": "id"}).status_code == 400


def _support(
    client, event: dict, *, secret: str = SUPPORT_SECRET, ts: int | None = None, body: bytes | None = None
):
    raw = json.dumps(event).encode()
    stamp = str(ts or int(time.time()))
    headers = {"X-Healthdash-Timestamp": stamp, "X-Healthdash-Signature": support_signature(secret, stamp, raw),
               "Content-Type": "application/json"}  # fmt: skip
    return client.post("/webhooks/support", data=body or raw, headers=headers)


def test_support_ticket_lifecycle_and_csat(client, session) -> None:
    account = make_account(session, external_id="acct-t")
    created = {"id": "d-1", "type": "ticket.created", "occurred_at": "2024-05-01T09:00:00Z",
               "ticket": {"id": "T-1", "account_id": "acct-t", "subject": "Cannot export", "priority": "high",
                          "created_at": "2024-05-01T08:59:00Z"}}  # fmt: skip
    assert _support(client, created).json["status"] == "processed"
    solved = {
        "id": "d-2",
        "type": "ticket.solved",
        "occurred_at": "2024-05-02T10:00:00Z",
        "ticket": {"id": "T-1"},
    }
    assert _support(client, solved).status_code == 200
    rated = {"id": "d-3", "type": "csat.rated", "occurred_at": "2024-05-02T11:00:00Z", "ticket": {"id": "T-1"},
             "rating": {"score": 2, "comment": "slow"}}  # fmt: skip
    assert _support(client, rated).status_code == 200
    assert _support(client, rated).json["status"] == "duplicate"
    ticket = session.scalar(select(SupportTicket))
    assert (ticket.account_id, ticket.subject, ticket.priority, ticket.status, ticket.csat) == (
        account.id, "Cannot export", "high", "solved", 2)  # fmt: skip
    assert ticket.closed_at == datetime(2024, 5, 2, 10, tzinfo=UTC)
    survey = session.scalar(select(SurveyResponse))
    assert (survey.kind, survey.score, survey.comment) == ("csat", 2, "slow")


def test_support_signature_problems_and_bad_payloads(client, session) -> None:
    event = {"id": "d-9", "type": "ticket.created", "ticket": {"id": "T-9", "account_id": "x"}}
    assert _support(client, event, secret="wrong").status_code == 400
    stale = _support(client, event, ts=int(time.time()) - 3600)
    assert stale.status_code == 400 and "stale" in stale.json["detail"]
    tampered = _support(client, event, body=json.dumps({**event, "id": "d-10"}).encode())
    assert tampered.status_code == 400
    assert client.post("/webhooks/support", json=event).status_code == 400
    assert _support(client, {**event, "type": "ticket.exploded"}).status_code == 400
    bad_priority = {**event, "ticket": {"id": "T-9", "account_id": "x", "priority": "meh"}}
    unknown = _support(client, event)
    assert unknown.status_code == 200 and unknown.json["status"] == "unmatched"
    make_account(session, external_id="acct-z")
    bad = _support(
        client, {**bad_priority, "id": "d-11", "ticket": {**bad_priority["ticket"], "account_id": "acct-z"}}
    )
    assert bad.status_code == 400 and "priority" in bad.json["detail"]
    assert _count(session, SupportTicket) == 0


def test_support_event_for_an_unknown_account_is_applied_when_the_account_appears(
    client, session, write_key
) -> None:
    event = {"id": "d-20", "type": "ticket.created", "occurred_at": "2024-05-01T09:00:00Z",
             "ticket": {"id": "T-20", "account_id": "arrives-later", "subject": "Hello"}}  # fmt: skip
    assert _support(client, event).json["status"] == "unmatched"
    assert _count(session, SupportTicket) == 0
    group = {"type": "group", "messageId": "g-20", "groupId": "arrives-later", "traits": {"name": "Later"}}
    assert client.post("/v1/group", json=group, headers=basic(write_key)).status_code == 200
    ticket = session.scalar(select(SupportTicket))
    assert ticket.external_id == "T-20" and ticket.account_id is not None
    assert _support(client, event).json["status"] == "duplicate"


def test_an_account_created_by_stripe_metadata_collects_its_waiting_events(
    client, session, write_key
) -> None:
    track = {"type": "track", "messageId": "w-1", "userId": "u", "event": "Signed In",
             "timestamp": "2024-05-01T10:00:00Z", "context": {"groupId": "acct-s"}}  # fmt: skip
    assert client.post("/v1/track", json=track, headers=basic(write_key)).status_code == 200
    assert session.scalar(select(UsageEvent.account_id)) is None
    assert _stripe(client, _event("evt_m", "invoice.paid", INVOICE)).json["status"] == "processed"
    account = session.scalar(select(Account).where(Account.external_id == "acct-s"))
    assert session.scalar(select(UsageEvent.account_id)) == account.id
