"""The channels: email over SMTP, Slack incoming webhooks, SMS through Twilio. Each raises on failure.

Slack and Twilio requests go through the guarded client (`dashapp.notify.http`); Twilio's official client
is given an HTTP client that does so, and its API base comes from settings (tests point it at a local
server).
"""

from __future__ import annotations

import json
import logging
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse
from twilio.rest import Client as TwilioClient

from dashapp.notify import message as render
from dashapp.notify.http import OutboundPolicy, basic_auth, send
from dashapp.reports import mail
from dashapp.settings import Settings

log = logging.getLogger(__name__)


class ChannelError(RuntimeError):
    """The channel cannot deliver (not configured, refused, or the service said no)."""


def send_email(settings: Settings, to: str, message: render.Rendered) -> None:
    email = EmailMessage()
    email["Subject"] = f"[healthdash] {message.title}"
    email["From"] = settings.smtp_sender
    email["To"] = to
    email.set_content(render.text_body(message, settings.public_url))
    email.add_alternative(render.html_body(message, settings.public_url), subtype="html")
    mail.send(settings, email)


def send_slack(settings: Settings, webhook_url: str, message: render.Rendered) -> None:
    if not webhook_url:
        raise ChannelError("no Slack webhook URL in the user's preferences")
    body = json.dumps(render.slack_blocks(message, settings.public_url)).encode()
    result = send(
        "POST",
        webhook_url,
        policy=OutboundPolicy.from_settings(settings),
        body=body,
        headers={"Content-Type": "application/json"},
    )
    if not result.ok:
        raise ChannelError(f"Slack answered HTTP {result.status}: {result.text(200)}")


class GuardedTwilioHttp(HttpClient):
    """Twilio's HTTP client interface over the guarded outbound client."""

    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__(log, is_async=False, timeout=policy.timeout)
        self.policy = policy

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> TwilioResponse:
        url = uri + ("?" + urlencode(params, doseq=True) if params else "")
        all_headers = dict(headers or {})
        body: bytes | None = None
        if data:
            body = urlencode(data, doseq=True).encode()
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if auth:
            all_headers["Authorization"] = basic_auth(auth[0], auth[1])
        result = send(method, url, policy=self.policy, body=body, headers=all_headers)
        return TwilioResponse(result.status, result.body.decode("utf-8", "replace"), dict(result.headers))


def twilio_client(settings: Settings) -> TwilioClient:
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number):
        raise ChannelError(
            "SMS is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER)"
        )
    client = TwilioClient(
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        http_client=GuardedTwilioHttp(OutboundPolicy.from_settings(settings)),
    )
    client.api.base_url = settings.twilio_api_base
    return client


def send_sms(settings: Settings, phone: str, message: render.Rendered) -> Any:
    if not phone:
        raise ChannelError("no phone number in the user's preferences")
    sent = twilio_client(settings).messages.create(
        to=phone, from_=settings.twilio_from_number, body=render.sms_text(message, settings.public_url)
    )
    return sent.sid
