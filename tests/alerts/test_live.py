"""Who the live bell hears about: an escalation step counts in the bell of the person it reaches, and
acknowledging, snoozing or resolving an alert (the API, the Alerts page's bulk actions, the account page)
tells the bells of everyone whose unread count moved, over the real Redis pub/sub."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import redis
from redis.client import PubSub
from sqlalchemy.orm import Session

from dashapp.alerts import live
from dashapp.alerts.escalation import escalate_alerts
from dashapp.alerts.lifecycle import act
from dashapp.alerts.queries import AlertQuery, list_alerts, unread_count
from dashapp.settings import Settings
from models.account import Account
from models.alert import Alert
from tests.alerts.support import NOW, make_rule
from tests.support.dash_calls import callback_body, render_page
from tests.support.factories import make_account, make_user

H = timedelta(hours=1)


def _alert(session: Session, owner_id: int, name: str = "Low score") -> Alert:
    account = make_account(session, owner_id=owner_id)
    rule = make_rule(
        session, "score_below", {"threshold": 40}, name=f"{name} {account.id}", severity="critical"
    )
    alert = Alert(rule_id=rule.id, account_id=account.id, state="open", severity="critical",
                  title="Score below 40", recipient_ids=[owner_id], opened_at=NOW)  # fmt: skip
    session.add(alert)
    session.flush()
    return alert


def _listen(client: redis.Redis, settings: Settings) -> PubSub:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe(live.channel(settings.redis_namespace))
    return pubsub


def _heard(pubsub: PubSub, seconds: float = 5.0) -> list[int]:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        message = pubsub.get_message(timeout=0.2)
        if message is not None:
            return json.loads(message["data"])["user_ids"]
    return []


def test_an_escalation_step_raises_the_bell_of_the_person_it_reaches(session: Session) -> None:
    manager = make_user(session, role="manager")
    owner = make_user(session, role="csm", manager_id=manager.id)
    alert = _alert(session, owner.id)
    assert (unread_count(session, owner.id), unread_count(session, manager.id)) == (1, 0)
    run = escalate_alerts(session, NOW + 4 * H)  # critical: the manager after 4 hours
    assert [e.user_ids for e in run.escalated] == [[manager.id]]
    assert unread_count(session, manager.id) == 1
    mine, _total = list_alerts(session, AlertQuery(mine=True), manager.id)
    assert [r.alert.id for r in mine] == [alert.id]  # "Mine" lists what the bell counts
    result = act(session, owner, "acknowledge", [alert.id], now=NOW + 5 * H)
    assert sorted(result.user_ids) == sorted([owner.id, manager.id])
    assert (unread_count(session, owner.id), unread_count(session, manager.id)) == (0, 0)


def test_only_changes_that_move_a_count_name_anyone(session: Session) -> None:
    owner = make_user(session, role="csm")
    alert = _alert(session, owner.id)
    assert act(session, owner, "acknowledge", [alert.id], now=NOW).user_ids == [owner.id]
    assert act(session, owner, "acknowledge", [alert.id], now=NOW).user_ids == []  # already acknowledged
    assert act(session, owner, "resolve", [alert.id], now=NOW).user_ids == []  # was not counted any more
    snoozed = _alert(session, owner.id, "Quiet")
    until = NOW + 48 * H
    assert act(session, owner, "snooze", [snoozed.id], now=NOW, until=until, reason="away").user_ids == [
        owner.id
    ]


def test_acknowledging_through_the_api_tells_the_bell(
    api, token, session: Session, redis_client: redis.Redis, settings: Settings
) -> None:
    csm, secret = token("csm", "write")
    alert = _alert(session, csm.id)
    pubsub = _listen(redis_client, settings)
    try:
        response = api.request("POST", f"/alerts/{alert.id}/acknowledge", secret)
        assert response.status_code == 200, response.get_json()
        assert _heard(pubsub) == [csm.id]
    finally:
        pubsub.close()


def test_bulk_resolve_on_the_alerts_page_tells_the_bell(
    client, logged_in, session: Session, redis_client: redis.Redis, settings: Settings
) -> None:
    csm = logged_in("csm")
    alerts = [_alert(session, csm.id, "First"), _alert(session, csm.id, "Second")]
    picks = [{"type": "alert-pick", "id": a.id} for a in alerts]
    body = callback_body(
        [("alerts-action-result", "children"), ("alerts-list", "children")],
        [("alerts-ack", "n_clicks", None), ("alerts-snooze", "n_clicks", None), ("alerts-resolve", "n_clicks", 1)],
        [("alerts-snooze-days", "value", 3), ("alerts-snooze-reason", "value", "fixed"),
         ("alerts-query", "data", {})],
    )  # fmt: skip
    body["changedPropIds"] = ["alerts-resolve.n_clicks"]
    body["state"] = [
        [{"id": p, "property": "value", "value": True} for p in picks],
        [{"id": p, "property": "id", "value": p} for p in picks],
        *body["state"],
    ]
    pubsub = _listen(redis_client, settings)
    try:
        response = client.post("/_dash-update-component", json=body)
        assert "2 alert(s) resolved" in response.get_data(as_text=True)
        assert _heard(pubsub) == [csm.id]
    finally:
        pubsub.close()
    assert unread_count(session, csm.id) == 0


def test_acknowledging_on_the_account_page_tells_the_bell(
    client, logged_in, session: Session, redis_client: redis.Redis, settings: Settings
) -> None:
    csm = logged_in("csm")
    alert = _alert(session, csm.id, "On the account")
    external_id = session.get(Account, alert.account_id).external_id  # type: ignore[union-attr]
    page = json.dumps(render_page(client, f"/accounts/{external_id}").json)
    assert "account-alert-act" in page and "On the account" in page
    button = {"type": "account-alert-act", "action": "acknowledge", "id": alert.id}
    body = callback_body(
        [("account-alerts-result", "children"), ("account-alerts-box", "children")],
        [],
        [("account-id", "children", external_id)],
    )
    body["inputs"] = [[{"id": button, "property": "n_clicks", "value": 1}]]
    body["changedPropIds"] = [json.dumps(button, separators=(",", ":"), sort_keys=True) + ".n_clicks"]
    pubsub = _listen(redis_client, settings)
    try:
        response = client.post("/_dash-update-component", json=body)
        assert "1 alert(s) acknowledged" in response.get_data(as_text=True), response.get_data(as_text=True)
        assert _heard(pubsub) == [csm.id]
    finally:
        pubsub.close()
    assert unread_count(session, csm.id) == 0
