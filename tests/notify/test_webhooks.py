"""Outbound webhooks: signed per Standard Webhooks (verified by the receiver with `standardwebhooks`),
retried with backoff, every attempt logged, the endpoint disabled at the threshold and its owner emailed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from dashapp.notify import runner, webhooks
from dashapp.notify.endpoints import EndpointError, create_endpoint, new_secret
from dashapp.settings import Settings
from jobs.notify import deliver_soon
from models.db import Database
from models.notify import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from models.user import User
from tests.notify.conftest import Mail
from tests.notify.servers import Answer, Recorded, Recorder, part, recording_server
from tests.support.factories import make_user
from tests.support.jobs import drain

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _endpoint(db: Database, url: str, events: list[str]) -> tuple[int, str, int]:
    with db.transaction() as session:
        owner = make_user(session, role="admin", email="owner@example.test")
        created = create_endpoint(session, owner, url=url, events=events)
        return created.endpoint.id, created.secret, owner.id


def test_a_signed_event_reaches_the_receiver_through_a_real_worker(
    nsettings: Settings, ndb: Database
) -> None:
    verified: list[dict] = []
    secret_box: list[str] = []

    def receiver(request: Recorded) -> Answer:
        try:
            verified.append(Webhook(secret_box[0]).verify(request.body, request.headers))
        except WebhookVerificationError as exc:
            return Answer(400, str(exc).encode())
        return Answer(204, b"")

    with recording_server(Recorder(answer=receiver)) as server:
        _id, secret, _owner = _endpoint(ndb, server.url + "/hooks", ["alert.opened", "task.created"])
        secret_box.append(secret)
        assert secret.startswith("whsec_")
        now = datetime.now(UTC)
        with ndb.transaction() as session:
            ids = webhooks.emit_webhook_event(
                session, "alert.opened", {"alert_id": 7, "account_id": 3}, now=now
            )
            assert webhooks.emit_webhook_event(session, "alert.resolved", {"alert_id": 7}, now=now) == []
        run = deliver_soon(nsettings, ndb, webhook_ids=ids)
        assert run is not None
        drain(nsettings, "notify")
    assert len(server.requests) == 1
    request = server.requests[0]
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= {k.lower() for k in request.headers}
    assert verified == [
        {"type": "alert.opened", "timestamp": now.isoformat(), "data": {"alert_id": 7, "account_id": 3}}
    ]
    with ndb.transaction() as session:
        delivery = session.get(WebhookDelivery, ids[0])
        assert delivery.status == "succeeded" and delivery.attempts == 1
        [attempt] = session.scalars(select(WebhookAttempt)).all()
        assert attempt.status_code == 204 and attempt.error is None
        # A wrong secret does not verify: the receiver's check is a real one.
        with pytest.raises(WebhookVerificationError):
            Webhook(new_secret()).verify(request.body, request.headers)


def test_a_failing_endpoint_backs_off_logs_every_attempt_and_is_disabled(
    nsettings: Settings, ndb: Database, mail: Mail
) -> None:
    rng = random.Random(7)
    with recording_server(Recorder(answer=lambda r: Answer(500, b"boom"))) as server:
        endpoint_id, _secret, owner_id = _endpoint(ndb, server.url + "/hooks", ["account.band_changed"])
        with ndb.transaction() as session:
            [first] = webhooks.emit_webhook_event(session, "account.band_changed", {"account_id": 1}, now=NOW)
        clock = NOW
        delays: list[int] = []
        # The first delivery: tried, then retried by the sweep each time its backoff has passed.
        for _ in range(webhooks.MAX_ATTEMPTS):
            summary = runner.sweep(ndb, nsettings, now=clock, rng=rng)
            assert summary.webhooks.get("retrying", 0) + summary.webhooks.get("failed", 0) == 1
            with ndb.transaction() as session:
                delivery = session.get(WebhookDelivery, first)
                if delivery.status == "pending":
                    delay = int((delivery.next_attempt_at - clock).total_seconds())
                    delays.append(delay)
                    # Nothing is sent before the backoff has passed.
                    assert webhooks.due(session, clock + timedelta(seconds=delay - 1)) == []
                    clock += timedelta(seconds=delay)
        with ndb.transaction() as session:
            delivery = session.get(WebhookDelivery, first)
            assert delivery.status == "failed" and delivery.attempts == webhooks.MAX_ATTEMPTS
            attempts = session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == first)
                .order_by(WebhookAttempt.number)
            ).all()
            assert [a.number for a in attempts] == list(range(1, webhooks.MAX_ATTEMPTS + 1))
            assert all(
                a.status_code == 500 and a.error == "HTTP 500" and a.response_excerpt == "boom"
                for a in attempts
            )
            endpoint = session.get(WebhookEndpoint, endpoint_id)
            assert endpoint.is_active and endpoint.consecutive_failures == webhooks.MAX_ATTEMPTS
        # Exponential backoff with jitter: each delay within [half, all] of its doubling ceiling.
        for n, delay in enumerate(delays, start=1):
            ceiling = min(webhooks.MAX_DELAY, webhooks.BASE_DELAY * 2 ** (n - 1))
            assert ceiling / 2 <= delay <= ceiling
        assert delays == sorted(delays) and len(set(delays)) == len(delays)
        # More failures, a day after the first: the 10th consecutive one disables the endpoint.
        clock = NOW + timedelta(hours=25)
        with ndb.transaction() as session:
            later = [
                webhooks.emit_webhook_event(session, "account.band_changed", {"account_id": n}, now=clock)[0]
                for n in (2, 3, 4)
            ]
        summary = runner.send_webhooks(ndb, nsettings, later, now=clock, rng=rng)
        assert summary.disabled_endpoints == [endpoint_id]
        assert summary.webhooks == {"retrying": 2}  # the third was never tried: the endpoint is off
    assert len(server.requests) == webhooks.MAX_ATTEMPTS + 2
    with ndb.transaction() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert not endpoint.is_active and endpoint.disabled_at == clock
        assert "10 consecutive failed attempts" in (endpoint.disabled_reason or "")
        assert webhooks.due(session, clock + timedelta(days=2)) == []
    [notice] = mail.inbox.messages
    assert notice["To"] == "owner@example.test"
    assert f"Webhook endpoint {endpoint_id} was disabled" in notice["Subject"]
    assert "stopped receiving events" in part(notice, "text/plain")
    assert "/hooks" not in part(notice, "text/plain")  # the URL's path is not repeated in mail
    with ndb.transaction() as session:
        assert session.get(User, owner_id) is not None


def test_replay_sends_the_same_event_again(nsettings: Settings, ndb: Database) -> None:
    with recording_server() as server:
        _endpoint(ndb, server.url + "/h", ["task.created"])
        with ndb.transaction() as session:
            [delivery_id] = webhooks.emit_webhook_event(session, "task.created", {"task_id": 1}, now=NOW)
        runner.send_webhooks(ndb, nsettings, [delivery_id], now=NOW)
        with ndb.transaction() as session:
            webhooks.replay(session.get(WebhookDelivery, delivery_id), now=NOW + timedelta(hours=1))
        runner.sweep(ndb, nsettings, now=NOW + timedelta(hours=1))
    assert len(server.requests) == 2
    first, second = server.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] and first.body == second.body
    assert first.headers["webhook-timestamp"] != second.headers["webhook-timestamp"]
    with ndb.transaction() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery.status == "succeeded" and delivery.attempts == 2


def test_a_refused_address_is_a_logged_failed_attempt(nsettings: Settings, ndb: Database) -> None:
    strict = nsettings.with_overrides(outbound_allow_loopback=False)
    _endpoint(ndb, "http://127.0.0.1:9/x", ["alert.opened"])
    with ndb.transaction() as session:
        [delivery_id] = webhooks.emit_webhook_event(session, "alert.opened", {}, now=NOW)
    runner.send_webhooks(ndb, strict, [delivery_id], now=NOW)
    with ndb.transaction() as session:
        [attempt] = session.scalars(select(WebhookAttempt)).all()
        assert attempt.status_code is None and "loopback" in attempt.error


def test_bad_endpoints_are_refused_naming_the_field(ndb: Database) -> None:
    with ndb.transaction() as session:
        owner = make_user(session, role="admin")
        with pytest.raises(EndpointError) as bad_url:
            create_endpoint(session, owner, url="ftp://example.com/x", events=["alert.opened"])
        assert bad_url.value.field == "url"
        with pytest.raises(EndpointError) as bad_event:
            create_endpoint(session, owner, url="https://example.com/x", events=["alert.exploded"])
        assert bad_event.value.field == "events" and "alert.exploded" in bad_event.value.message
        assert session.scalars(select(WebhookEndpoint)).all() == []
