"""Request and response shapes of `/webhooks` and `/notification-preferences` (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dashapp.notify.endpoints import EVENT_TYPES, MAX_URL

EventType = Literal["alert.opened", "alert.resolved", "account.band_changed", "task.created"]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]
Channel = Literal["email", "slack", "sms"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WebhookCreate(_Strict):
    url: str = Field(min_length=1, max_length=MAX_URL, description="Where events are POSTed: an http(s) URL.")
    events: list[EventType] = Field(
        min_length=1, max_length=len(EVENT_TYPES), description="Event types to receive."
    )
    description: str = Field("", max_length=200)


class WebhookInfo(BaseModel):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    consecutive_failures: int
    created_at: datetime


class WebhookCreated(WebhookInfo):
    secret: str = Field(description="The signing secret (`whsec_...`): shown this once; keep it.")


class WebhookList(BaseModel):
    data: list[WebhookInfo]


class AttemptInfo(BaseModel):
    number: int
    attempted_at: datetime
    status_code: int | None
    error: str | None
    response_excerpt: str
    duration_ms: int
    next_delay_seconds: int | None


class DeliveryInfo(BaseModel):
    id: int
    message_id: str = Field(description="The `webhook-id` header (the same on every retry and replay).")
    event_type: str
    status: Literal["pending", "succeeded", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptInfo]


class DeliveryList(BaseModel):
    data: list[DeliveryInfo]


class SeverityChannels(_Strict):
    critical: list[Channel] | None = None
    warning: list[Channel] | None = None
    info: list[Channel] | None = None


class PreferencesChange(_Strict):
    channels: SeverityChannels | None = None
    timezone: str | None = Field(None, max_length=64, description="IANA time zone, e.g. Europe/Paris.")
    quiet_start: str | None = Field(None, max_length=8, description="Start of quiet hours, HH:MM (local).")
    quiet_end: str | None = Field(None, max_length=8, description="End of quiet hours, HH:MM (local).")
    daily_cap: int | None = Field(
        None, ge=1, le=1000, description="Notifications a day; the rest go to the digest."
    )
    digest_enabled: bool | None = None
    digest_hour: int | None = Field(None, ge=0, le=23, description="Local hour the daily digest is sent.")
    phone: str | None = Field(
        None, max_length=20, description="For SMS, E.164 (+33612345678); empty to remove."
    )
    slack_webhook_url: str | None = Field(None, max_length=MAX_URL, description="Slack incoming webhook URL.")


class Preferences(BaseModel):
    channels: dict[str, list[str]]
    timezone: str
    quiet_start: str | None
    quiet_end: str | None
    daily_cap: int
    digest_enabled: bool
    digest_hour: int
    phone: str
    slack_webhook_url: str
