"""Request and response shapes of `/webhooks` and `/notification-preferences` (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from dashapp.notify.endpoints import EVENT_TYPES, MAX_URL

_HOST = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
URL_PATTERN = rf"^https?://{_HOST}(:[1-9][0-9]{{0,3}})?(/[!-~]*)?$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TimeZone = Literal[tuple(sorted(available_timezones()))]  # type: ignore[valid-type]
EventType = Literal["alert.opened", "alert.resolved", "account.band_changed", "task.created"]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]
Channel = Literal["email", "slack", "sms"]


def _whole_number(value: Any) -> Any:
    """JSON has one number type: 3.0 is the integer 3 (JSON Schema agrees); 3.5, true and "3" are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Cap = Annotated[int, Field(ge=1, le=1000), BeforeValidator(_whole_number)]
Hour = Annotated[int, Field(ge=0, le=23), BeforeValidator(_whole_number)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class WebhookCreate(_Strict):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        pattern=URL_PATTERN,
        description="Where events are POSTed: an http(s) URL.",
    )
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


class QuietHours(_Strict):
    start: str = Field(pattern=TIME_PATTERN, description="Local time quiet hours start, HH:MM.")
    end: str = Field(pattern=TIME_PATTERN, description="Local time they end, HH:MM (may be the next day).")


class PreferencesChange(_Strict):
    channels: SeverityChannels | None = None
    timezone: TimeZone | None = Field(None, description="IANA time zone, e.g. Europe/Paris.")
    quiet_hours: QuietHours | None = Field(None, description="Notifications wait until they end; null: none.")
    daily_cap: Cap | None = Field(None, description="Notifications a day; the rest go to the digest.")
    digest_enabled: bool | None = None
    digest_hour: Hour | None = Field(None, description="Local hour the daily digest is sent.")
    phone: str | None = Field(
        None,
        pattern=r"^(\+[1-9][0-9]{6,14})?$",
        description="For SMS, E.164 (+33612345678); empty to remove.",
    )
    slack_webhook_url: str | None = Field(
        None,
        max_length=MAX_URL,
        pattern=rf"^(https?://{_HOST}(:[1-9][0-9]{{0,3}})?(/[!-~]*)?)?$",
        description="Slack incoming webhook URL; empty to remove.",
    )


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
