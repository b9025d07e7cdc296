"""Settings → Notifications: the page shows the user's preferences; saving validates and stores them."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from dashapp.notify import preferences
from models.notify import SEVERITIES, NotificationPreference
from tests.support.dash_calls import callback_body, render_page

STATES = SEVERITIES  # in the order the callback declares them


def _save(client, **values):
    defaults = {
        "critical": ["email"],
        "warning": ["email"],
        "info": [],
        "timezone": "UTC",
        "quiet_start": "",
        "quiet_end": "",
        "cap": 20,
        "digest_hour": 8,
        "phone": "",
        "slack": "",
    }
    defaults.update(values)
    states = [(f"notify-channels-{s}", "value", defaults[s]) for s in STATES] + [
        ("notify-timezone", "value", defaults["timezone"]),
        ("notify-quiet-start", "value", defaults["quiet_start"]),
        ("notify-quiet-end", "value", defaults["quiet_end"]),
        ("notify-cap", "value", defaults["cap"]),
        ("notify-digest-hour", "value", defaults["digest_hour"]),
        ("notify-phone", "value", defaults["phone"]),
        ("notify-slack", "value", defaults["slack"]),
    ]
    body = callback_body(
        [("notify-saved", "children")], [("notify-save", "n_clicks", 1)], states, client=client
    )
    return client.post("/_dash-update-component", json=body)


def test_page_shows_my_preferences_and_saves_them(client, logged_in, session: Session) -> None:
    me = logged_in("csm")
    preferences.update(session, me.id, {"timezone": "Europe/Paris", "daily_cap": 7})
    session.flush()
    page = render_page(client, "/settings/notifications")
    text = json.dumps(page.json)
    assert page.status_code == 200 and "Europe/Paris" in text and "notify-cap" in text
    saved = _save(
        client, critical=["email", "sms"], phone="+33612345678", quiet_start="22:00", quiet_end="07:00"
    )
    assert "Saved" in json.dumps(saved.json["response"])
    session.expire_all()
    row = session.get(NotificationPreference, me.id)
    assert row.channels["critical"] == ["email", "sms"] and row.phone == "+33612345678"
    assert row.quiet_start.hour == 22 and row.daily_cap == 20


def test_bad_values_are_named_and_nothing_is_saved(client, logged_in, session: Session) -> None:
    me = logged_in("viewer")
    for values, words in (
        ({"phone": "12"}, "Phone"),
        ({"quiet_start": "22:00"}, "Quiet"),
        ({"slack": "ftp://x"}, "Slack webhook url"),
        ({"cap": 0}, "Daily cap"),
    ):
        response = _save(client, **values)
        assert words in json.dumps(response.json["response"]), values
    assert session.get(NotificationPreference, me.id) is None


def test_anonymous_users_are_sent_to_login(client) -> None:
    assert client.get("/settings/notifications").status_code == 302
