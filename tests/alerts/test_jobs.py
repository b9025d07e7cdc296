"""Alert jobs with a real RQ worker on the real Redis: a recompute-sized change groups per recipient, a
rerun sends nothing new, a signed failed-payment webhook opens its alert through a queued job, and an
escalation run tells the bell of the person it reaches."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
import stripe
from flask import Flask
from sqlalchemy import select

from dashapp.alerts import live
from dashapp.extensions import runtime as app_runtime
from dashapp.notify.endpoints import create_endpoint
from dashapp.settings import Settings
from jobs import runtime
from jobs.alerts import run_escalation, run_evaluation
from models.alert import Alert, AlertEvent
from models.db import Database
from models.job import JobRun
from models.notify import NotificationDelivery, WebhookDelivery
from tests.alerts.support import NOW, make_rule
from tests.support.factories import make_account, make_user
from tests.support.health_rows import make_health, make_snapshot
from tests.support.jobs import committed_database, drain, job_database, worker_environment

STRIPE_SECRET = "whsec_alert_tests"


@pytest.fixture(scope="module")
def alerts_db_url(server_settings: Settings) -> Iterator[str]:
    with committed_database(server_settings, "hd_alerts_jobs") as url:
        yield url


@pytest.fixture
def local(settings: Settings, alerts_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    with worker_environment(settings, alerts_db_url, "alerts", monkeypatch) as scoped:
        yield scoped


@pytest.fixture
def jdb(local: Settings) -> Iterator[Database]:
    with job_database(local) as database:
        yield database


def _red_book(jdb: Database, n: int) -> tuple[int, int]:
    """`n` accounts of one CSM that just went from yellow to red; returns (csm id, rule id)."""
    with jdb.transaction() as session:
        csm = make_user(session, role="csm")
        for _ in range(n):
            account = make_account(session, owner_id=csm.id)
            make_snapshot(session, account, NOW.date() - timedelta(days=1), 55)
            make_snapshot(session, account, NOW.date(), 30)
            make_health(session, account, 30, day=NOW.date())
        rule = make_rule(session, "band_changed", {"to": "red", "within_days": 7})
        return csm.id, rule.id


def _last_result(jdb: Database, kind: str) -> dict:
    with jdb.transaction() as session:
        run = session.scalars(select(JobRun).where(JobRun.kind == kind).order_by(JobRun.id.desc())).first()
        assert run is not None and run.status == "finished", run and run.error
        return run.result


def test_thirty_accounts_going_red_make_one_group_for_their_csm_and_a_rerun_sends_nothing(
    local: Settings, jdb: Database
) -> None:
    csm_id, _rule_id = _red_book(jdb, 30)
    with jdb.transaction() as session:
        admin = make_user(session, role="admin")
        create_endpoint(session, admin, url="https://hooks.example.test/in", events=["alert.opened"])
    result = run_evaluation(local, jdb, NOW)
    assert result["opened"] == 30
    drain(local, "default")
    dispatched = _last_result(jdb, "alerts.dispatch")
    assert dispatched["events"] == 30
    assert [(g["recipient_id"], g["kind"], len(g["alert_ids"])) for g in dispatched["groups"]] == [
        (csm_id, "opened", 30)
    ]
    with jdb.transaction() as session:
        assert session.scalars(select(AlertEvent).where(AlertEvent.processed_at.is_(None))).all() == []
        # One notification for the CSM on the channel they have (email, by default), listing all 30.
        sent = session.scalars(select(NotificationDelivery)).all()
        assert [(d.user_id, d.channel, d.kind) for d in sent] == [(csm_id, "email", "alert.opened")]
        assert sent[0].title == "30 alerts opened" and len(sent[0].content["items"]) == 30
        # One alert.opened webhook event per alert, whoever it was routed to.
        hooks = session.scalars(select(WebhookDelivery)).all()
        assert len(hooks) == 30 and {h.event_type for h in hooks} == {"alert.opened"}
        assert {h.payload["data"]["alert"]["id"] for h in hooks} == set(
            session.scalars(select(Alert.id)).all()
        )
    assert (dispatched["notifications"], dispatched["webhooks"]) == (1, 30)
    again = run_evaluation(local, jdb, NOW)
    assert (again["opened"], again["resolved"]) == (0, 0)
    with jdb.transaction() as session:
        assert len(session.scalars(select(Alert)).all()) == 30
        assert len(session.scalars(select(AlertEvent)).all()) == 30
        assert len(session.scalars(select(NotificationDelivery)).all()) == 1
        assert len(session.scalars(select(WebhookDelivery)).all()) == 30


def test_a_signed_failed_payment_webhook_opens_its_alert_through_a_job(
    app: Flask, local: Settings, jdb: Database
) -> None:
    with jdb.transaction() as session:
        owner = make_user(session, role="csm")
        make_account(session, external_id="acct-pay", owner_id=owner.id)
        make_rule(session, "payment_failed", {"within_days": 7})
    with app.app_context():
        rt = app_runtime()
    before_settings, before_db = rt.settings, rt.db
    rt.settings = local.with_overrides(stripe_webhook_secret=STRIPE_SECRET)
    rt.db = jdb
    try:
        event = {
            "id": "evt_fail_1", "object": "event", "type": "invoice.payment_failed", "created": int(time.time()),
            "data": {"object": {"id": "in_fail_1", "object": "invoice", "customer": "cus_9", "currency": "usd",
                                "total": 5000, "attempt_count": 1,
                                "metadata": {"account_external_id": "acct-pay"}}},
        }  # fmt: skip
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(payload, STRIPE_SECRET)
        with app.test_client() as client:
            response = client.post(
                "/webhooks/stripe",
                data=payload,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            assert response.status_code == 200, response.get_data(as_text=True)
            # The request only queued the work: no alert yet.
            with jdb.transaction() as session:
                assert session.scalars(select(Alert)).all() == []
            replay = client.post(
                "/webhooks/stripe",
                data=payload,
                headers={"Stripe-Signature": header, "Content-Type": "application/json"},
            )
            assert replay.get_json()["status"] == "duplicate"
    finally:
        rt.settings, rt.db = before_settings, before_db
    runtime.use_database(jdb)
    drain(local, "default")
    with jdb.transaction() as session:
        alerts = session.scalars(select(Alert)).all()
        assert [(a.state, a.recipient_ids) for a in alerts] == [("open", [owner.id])]
        assert alerts[0].details["invoice"] == "in_fail_1"


def test_an_escalation_run_tells_the_bell_of_the_manager_it_reaches(local: Settings, jdb: Database) -> None:
    with jdb.transaction() as session:
        manager = make_user(session, role="manager")
        owner = make_user(session, role="csm", manager_id=manager.id)
        account = make_account(session, owner_id=owner.id)
        rule = make_rule(session, "score_below", {"threshold": 40}, severity="critical")
        session.add(Alert(rule_id=rule.id, account_id=account.id, state="open", severity="critical",
                          title="Score below 40", recipient_ids=[owner.id], opened_at=NOW))  # fmt: skip
        manager_id = manager.id
    conn = redis.Redis.from_url(local.redis_url or "")
    pubsub = conn.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.channel(local.redis_namespace))
    try:
        result = run_escalation(local, jdb, NOW + timedelta(hours=4), deliver=False)
        assert [s["user_ids"] for s in result["escalated"]] == [[manager_id]]
        message = None
        ends = time.monotonic() + 5
        while message is None and time.monotonic() < ends:  # the first read may be the subscription
            message = pubsub.get_message(timeout=0.2)
        assert message is not None and live.concerns(message["data"], manager_id)
    finally:
        pubsub.close()
        conn.close()
