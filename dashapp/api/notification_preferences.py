"""`/notification-preferences`: how the caller is notified (channels per severity, quiet hours and time
zone, daily cap and digest, phone for SMS, Slack webhook URL)."""

from __future__ import annotations

from typing import Any

from flask import Response

from dashapp.api.blueprint import bp
from dashapp.api.http import invalid, json_response
from dashapp.api.notify_schemas import Preferences, PreferencesChange
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.notify import preferences

TAG = "Notifications"


@operation(
    bp,
    "GET",
    "/notification-preferences",
    summary="Your notification preferences",
    tag=TAG,
    response=Preferences,
)
def get_notification_preferences(caller: Any) -> Response:
    """Your preferences, or the defaults (email for critical and warning alerts) if you never set them."""
    return json_response(preferences.as_dict(preferences.load(db_session(), caller.user.id)))


@operation(
    bp,
    "PATCH",
    "/notification-preferences",
    summary="Change your notification preferences",
    tag=TAG,
    body=PreferencesChange,
    response=Preferences,
    scope="write",
)
def change_notification_preferences(caller: Any, body: PreferencesChange) -> Response:
    """Change the fields given; the others stay. A bad value changes nothing."""
    given = body.model_dump(exclude_unset=True)
    changes = {k: v for k, v in given.items() if v is not None and k != "quiet_hours"}
    if "quiet_hours" in given:
        hours = given["quiet_hours"] or {}
        changes["quiet_start"], changes["quiet_end"] = hours.get("start"), hours.get("end")
    if "channels" in changes:
        changes["channels"] = {k: v for k, v in (changes["channels"] or {}).items() if v is not None}
    session = db_session()
    try:
        preferences.update(session, caller.user.id, changes)
    except preferences.PreferenceError as exc:
        session.rollback()
        raise invalid(422, [{"name": f"body.{exc.field}", "message": exc.message}], "body") from None
    session.commit()
    return json_response(preferences.as_dict(preferences.load(session, caller.user.id)))
