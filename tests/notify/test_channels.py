"""One grouped notification reaches every channel the user chose, through a real worker: the email
(aiosmtpd; HTML and text, links to the accounts), the Slack message (Block Kit) and the SMS (the official
`twilio` client against a local server answering Twilio's Messages endpoint)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from dashapp.notify import dispatch, preferences
from dashapp.notify.message import Item, Notification
from dashapp.settings import Settings
from jobs.notify import deliver_soon
from models.db import Database
from models.notify import NotificationDelivery
from tests.notify.conftest import BASE_URL, TWILIO_SID, Mail
from tests.notify.servers import Answer, Recorded, Recorder, part, recording_server
from tests.support.factories import make_account, make_user
from tests.support.jobs import drain


def twilio_answer(request: Recorded) -> Answer:
    """What Twilio's REST API answers to `POST /2010-04-01/Accounts/{sid}/Messages.json`."""
    if request.method != "POST" or not request.path.endswith("/Messages.json"):
        return Answer(404, b'{"code": 20404, "message": "not found", "status": 404}')
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    body = {
        "sid": "SM" + "a" * 32,
        "account_sid": TWILIO_SID,
        "to": form["To"],
        "from": form["From"],
        "body": form["Body"],
        "status": "queued",
        "num_segments": "1",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "date_created": "Mon, 07 Dec 2026 09:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/SM{'a' * 32}.json",
    }
    return Answer(201, json.dumps(body).encode(), {"Content-Type": "application/json"})


def test_thirty_accounts_red_make_one_message_per_chosen_channel(
    nsettings: Settings, ndb: Database, mail: Mail, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recording_server() as slack, recording_server(Recorder(answer=twilio_answer)) as twilio:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", TWILIO_SID)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", "test-auth-token")
        monkeypatch.setenv("TWILIO_FROM_NUMBER", "+15005550006")
        monkeypatch.setenv("TWILIO_API_BASE", twilio.url)
        with ndb.transaction() as session:
            csm = make_user(session, role="csm", email="casey@example.test")
            preferences.update(
                session,
                csm.id,
                {
                    "channels": {"critical": ["email", "slack", "sms"]},
                    "phone": "+33612345678",
                    "slack_webhook_url": slack.url + "/services/T0/B0/secret",
                },
            )
            accounts = [make_account(session, name=f"Red Co {i:02d}") for i in range(30)]
            notification = Notification(
                kind="alert.opened",
                title="30 of your accounts turned red",
                severity="critical",
                items=tuple(Item(a.id, a.name, "band changed to red") for a in accounts),
                link_path="/alerts?state=open",
            )
            ids = dispatch.notify(session, [csm.id], notification, now=datetime.now(UTC))
            first_id = accounts[0].id
        assert len(ids) == 3
        deliver_soon(nsettings, ndb, notification_ids=ids)
        drain(nsettings, "notify")
    [email] = mail.inbox.messages
    assert email["To"] == "casey@example.test" and "30 of your accounts turned red" in email["Subject"]
    text, html = part(email, "text/plain"), part(email, "text/html")
    assert text.count("band changed to red") == 30 and f"{BASE_URL}/accounts/{first_id}" in text
    assert f'href="{BASE_URL}/accounts/{first_id}"' in html and f"{BASE_URL}/alerts?state=open" in text
    [slack_request] = slack.requests
    assert slack_request.path == "/services/T0/B0/secret"
    blocks = slack_request.json()["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "30 of your accounts turned red"
    assert f"<{BASE_URL}/accounts/{first_id}|Red Co 00>" in blocks[1]["text"]["text"]
    [sms] = twilio.requests
    assert sms.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert (
        sms.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{TWILIO_SID}:test-auth-token".encode()).decode()
    )
    form = parse_qs(sms.body.decode())
    assert form["To"] == ["+33612345678"] and form["From"] == ["+15005550006"]
    assert form["Body"][0].startswith("30 of your accounts turned red: Red Co 00")
    with ndb.transaction() as session:
        rows = session.scalars(select(NotificationDelivery).order_by(NotificationDelivery.channel)).all()
        assert [(r.channel, r.status) for r in rows] == [
            ("email", "sent"),
            ("slack", "sent"),
            ("sms", "sent"),
        ]
        # Sending again (a retried job) sends nothing new.
    deliver_soon(nsettings, ndb, notification_ids=ids)
    drain(nsettings, "notify")
    assert len(mail.inbox.messages) == 1


def test_a_failing_channel_is_recorded_and_others_still_go(
    nsettings: Settings, ndb: Database, mail: Mail
) -> None:
    with recording_server(Recorder(answer=lambda r: Answer(404, b"no_service"))) as slack:
        with ndb.transaction() as session:
            user = make_user(session, role="csm")
            preferences.update(
                session,
                user.id,
                {"channels": {"warning": ["email", "slack"]}, "slack_webhook_url": slack.url},
            )
            ids = dispatch.notify(
                session,
                [user.id],
                Notification(kind="x", title="Heads up", severity="warning"),
                now=datetime.now(UTC),
            )
        from dashapp.notify import runner

        summary = runner.send_notifications(ndb, nsettings, ids, now=datetime.now(UTC))
    assert summary.notifications == {"sent": 1, "failed": 1}
    assert len(mail.inbox.messages) == 1
    with ndb.transaction() as session:
        slack_row = session.scalar(
            select(NotificationDelivery).where(NotificationDelivery.channel == "slack")
        )
        assert slack_row.status == "failed" and "404" in slack_row.error and "no_service" in slack_row.error
