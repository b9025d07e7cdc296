"""Settings → Notifications: the channels per severity, quiet hours and time zone, daily cap and digest,
phone number (SMS) and Slack webhook URL of the logged-in user."""

from __future__ import annotations

from datetime import time
from zoneinfo import available_timezones

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from flask_login import current_user

from dashapp.auth import guarded_callback
from dashapp.extensions import db_session
from dashapp.notify import preferences
from models.notify import CHANNELS, SEVERITIES

dash.register_page(
    __name__,
    path="/settings/notifications",
    name="Notifications",
    title="Notifications · healthdash",
    permission="view",
)

_CHANNEL_LABELS = {"email": "Email", "slack": "Slack", "sms": "SMS"}
_ZONE_OPTIONS = [{"label": z, "value": z} for z in sorted(available_timezones())]


def _field(label: str, control, help_text: str = "") -> html.Div:
    parts = [dbc.Label(label, html_for=control.id), control]
    if help_text:
        parts.append(dbc.FormText(help_text))
    return html.Div(parts, className="mb-3")


def layout(**_query: str) -> html.Div:
    prefs = preferences.load(db_session(), current_user.id)
    channels = dbc.Card(
        [
            dbc.CardHeader("Channels per severity"),
            dbc.CardBody(
                [
                    _field(
                        severity.capitalize(),
                        dbc.Checklist(
                            id=f"notify-channels-{severity}",
                            options=[{"label": _CHANNEL_LABELS[c], "value": c} for c in CHANNELS],
                            value=prefs.channels_for(severity),
                            inline=True,
                        ),
                    )
                    for severity in reversed(SEVERITIES)
                ]
            ),
        ]
    )
    timing = dbc.Card(
        [
            dbc.CardHeader("When"),
            dbc.CardBody(
                [
                    _field(
                        "Time zone",
                        dbc.Select(
                            id="notify-timezone",
                            options=_ZONE_OPTIONS,
                            value=prefs.timezone,
                        ),
                    ),
                    dbc.Row(
                        [
                            dbc.Col(
                                _field(
                                    "Quiet from",
                                    dbc.Input(
                                        id="notify-quiet-start", type="time", value=_hhmm(prefs.quiet_start)
                                    ),
                                )
                            ),
                            dbc.Col(
                                _field(
                                    "until",
                                    dbc.Input(
                                        id="notify-quiet-end", type="time", value=_hhmm(prefs.quiet_end)
                                    ),
                                )
                            ),
                        ]
                    ),
                    _field(
                        "Notifications a day at most",
                        dbc.Input(
                            id="notify-cap", type="number", min=1, max=1000, step=1, value=prefs.daily_cap
                        ),
                        "The rest wait for your daily digest.",
                    ),
                    _field(
                        "Daily digest at (hour)",
                        dbc.Input(
                            id="notify-digest-hour",
                            type="number",
                            min=0,
                            max=23,
                            step=1,
                            value=prefs.digest_hour,
                        ),
                    ),
                ]
            ),
        ]
    )
    where = dbc.Card(
        [
            dbc.CardHeader("Where"),
            dbc.CardBody(
                [
                    _field(
                        "Phone for SMS",
                        dbc.Input(
                            id="notify-phone", value=prefs.phone, placeholder="+33612345678", maxLength=20
                        ),
                    ),
                    _field(
                        "Slack incoming webhook URL",
                        dbc.Input(
                            id="notify-slack",
                            value=prefs.slack_webhook_url,
                            placeholder="https://hooks.slack.com/services/…",
                        ),
                    ),
                    dbc.Button("Save", id="notify-save", color="primary"),
                    html.Div(id="notify-saved", className="mt-3"),
                ]
            ),
        ]
    )
    return html.Div(
        [
            html.H1("Notifications", className="page-title"),
            html.P("How and when healthdash tells you about your accounts.", className="page-subtitle"),
            dbc.Row([dbc.Col(channels, lg=4), dbc.Col(timing, lg=4), dbc.Col(where, lg=4)], className="g-3"),
        ]
    )


def _hhmm(value: time | None) -> str:
    return value.strftime("%H:%M") if value else ""


@guarded_callback(
    "view",
    Output("notify-saved", "children"),
    Input("notify-save", "n_clicks"),
    *[State(f"notify-channels-{s}", "value") for s in SEVERITIES],
    State("notify-timezone", "value"),
    State("notify-quiet-start", "value"),
    State("notify-quiet-end", "value"),
    State("notify-cap", "value"),
    State("notify-digest-hour", "value"),
    State("notify-phone", "value"),
    State("notify-slack", "value"),
    prevent_initial_call=True,
)
def save(_n: int, *values: object) -> dbc.Alert:
    by_severity = dict(zip(SEVERITIES, values[: len(SEVERITIES)], strict=True))
    zone, quiet_start, quiet_end, cap, digest_hour, phone, slack = values[len(SEVERITIES) :]
    changes = {
        "channels": {s: list(v or []) for s, v in by_severity.items()},
        "timezone": zone,
        "quiet_start": quiet_start or None,
        "quiet_end": quiet_end or None,
        "daily_cap": _whole(cap),
        "digest_hour": _whole(digest_hour),
        "phone": phone or "",
        "slack_webhook_url": slack or "",
    }
    session = db_session()
    try:
        preferences.update(session, current_user.id, changes)
    except preferences.PreferenceError as exc:
        session.rollback()
        return dbc.Alert(f"{exc.field.replace('_', ' ').capitalize()}: {exc.message}", color="danger")
    session.commit()
    return dbc.Alert("Saved.", color="success")


def _whole(value: object) -> object:
    try:
        return int(value) if value not in (None, "") else value
    except (TypeError, ValueError):
        return value
