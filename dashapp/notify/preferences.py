"""Per-user notification preferences: defaults, validation, quiet hours and the user's local day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy.orm import Session

from dashapp.notify.http import OutboundRefused, check_url
from models.notify import CHANNELS, SEVERITIES, NotificationPreference

DEFAULT_CHANNELS: dict[str, list[str]] = {"critical": ["email"], "warning": ["email"], "info": []}
DEFAULT_CAP = 20
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")  # E.164


class PreferenceError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Prefs:
    """A user's preferences as plain values (a row, or the defaults)."""

    channels: dict[str, list[str]]
    timezone: str = "UTC"
    quiet_start: time | None = None
    quiet_end: time | None = None
    daily_cap: int = DEFAULT_CAP
    digest_enabled: bool = True
    digest_hour: int = 8
    phone: str = ""
    slack_webhook_url: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def channels_for(self, severity: str) -> list[str]:
        return list(self.channels.get(severity, DEFAULT_CHANNELS.get(severity, [])))

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.zone)

    def local_day(self, now: datetime) -> date:
        return self.local(now).date()

    def quiet_until(self, now: datetime) -> datetime | None:
        """When quiet hours end, if `now` falls inside them (in the user's zone); None otherwise.
        A window may cross midnight (22:00-07:00)."""
        if self.quiet_start is None or self.quiet_end is None or self.quiet_start == self.quiet_end:
            return None
        local = self.local(now)
        t = local.time().replace(tzinfo=None)
        start, end = self.quiet_start, self.quiet_end
        inside = start <= t < end if start < end else (t >= start or t < end)
        if not inside:
            return None
        end_day = local.date() if t < end else local.date() + timedelta(days=1)
        return datetime.combine(end_day, end, tzinfo=self.zone)

    def start_of_local_day(self, now: datetime) -> datetime:
        return datetime.combine(self.local_day(now), time(0), tzinfo=self.zone)


def prefs_of(row: NotificationPreference | None) -> Prefs:
    if row is None:
        return Prefs(channels={k: list(v) for k, v in DEFAULT_CHANNELS.items()})
    return Prefs(
        channels={s: list((row.channels or {}).get(s, DEFAULT_CHANNELS[s])) for s in SEVERITIES},
        timezone=row.timezone,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        daily_cap=row.daily_cap,
        digest_enabled=row.digest_enabled,
        digest_hour=row.digest_hour,
        phone=row.phone,
        slack_webhook_url=row.slack_webhook_url,
    )


def load(session: Session, user_id: int) -> Prefs:
    return prefs_of(session.get(NotificationPreference, user_id))


def _time(field: str, value: Any) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise PreferenceError(field, f"{value!r} is not a time like 22:00") from None


def validate(changes: dict[str, Any]) -> dict[str, Any]:
    """Check every given field; return the cleaned values. Raises `PreferenceError` naming the field."""
    out: dict[str, Any] = {}
    if "channels" in changes:
        channels = changes["channels"]
        if not isinstance(channels, dict):
            raise PreferenceError("channels", "give an object: severity -> list of channels")
        clean: dict[str, list[str]] = {}
        for severity, chosen in channels.items():
            if severity not in SEVERITIES:
                raise PreferenceError(f"channels.{severity}", f"severity is one of {', '.join(SEVERITIES)}")
            if not isinstance(chosen, list) or any(c not in CHANNELS for c in chosen):
                raise PreferenceError(f"channels.{severity}", f"channels are among {', '.join(CHANNELS)}")
            clean[severity] = sorted(set(chosen))
        out["channels"] = clean
    if "timezone" in changes:
        zone = str(changes["timezone"] or "")
        try:
            if zone not in available_timezones():
                raise ZoneInfoNotFoundError(zone)
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PreferenceError(
                "timezone", f"{zone!r} is not an IANA time zone like Europe/Paris"
            ) from None
        out["timezone"] = zone
    for field in ("quiet_start", "quiet_end"):
        if field in changes:
            out[field] = _time(field, changes[field])
    if "daily_cap" in changes:
        cap = changes["daily_cap"]
        if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= 1000:
            raise PreferenceError("daily_cap", "a whole number from 1 to 1000")
        out["daily_cap"] = cap
    if "digest_hour" in changes:
        hour = changes["digest_hour"]
        if not isinstance(hour, int) or isinstance(hour, bool) or not 0 <= hour <= 23:
            raise PreferenceError("digest_hour", "an hour from 0 to 23")
        out["digest_hour"] = hour
    if "digest_enabled" in changes:
        out["digest_enabled"] = bool(changes["digest_enabled"])
    if "phone" in changes:
        phone = str(changes["phone"] or "").replace(" ", "")
        if phone and not _PHONE.match(phone):
            raise PreferenceError("phone", "an international number like +33612345678")
        out["phone"] = phone
    if "slack_webhook_url" in changes:
        url = str(changes["slack_webhook_url"] or "").strip()
        if url:
            try:
                check_url(url)
            except OutboundRefused as exc:
                raise PreferenceError("slack_webhook_url", str(exc)) from None
        out["slack_webhook_url"] = url
    return out


def update(session: Session, user_id: int, changes: dict[str, Any]) -> NotificationPreference:
    """Validate everything, then write: a bad field saves nothing."""
    clean = validate(changes)
    row = session.get(NotificationPreference, user_id)
    start = clean.get("quiet_start", row.quiet_start if row else None)
    end = clean.get("quiet_end", row.quiet_end if row else None)
    if (start is None) != (end is None):
        raise PreferenceError("quiet_end" if end is None else "quiet_start", "give both ends of quiet hours")
    if row is None:
        defaults = prefs_of(None)
        row = NotificationPreference(
            user_id=user_id, channels=defaults.channels, daily_cap=DEFAULT_CAP, timezone="UTC"
        )
        session.add(row)
    for key, value in clean.items():
        if key == "channels":
            value = {**(row.channels or {}), **value}
        setattr(row, key, value)
    session.flush()
    return row


def as_dict(prefs: Prefs) -> dict[str, Any]:
    return {
        "channels": prefs.channels,
        "timezone": prefs.timezone,
        "quiet_start": prefs.quiet_start.strftime("%H:%M") if prefs.quiet_start else None,
        "quiet_end": prefs.quiet_end.strftime("%H:%M") if prefs.quiet_end else None,
        "daily_cap": prefs.daily_cap,
        "digest_enabled": prefs.digest_enabled,
        "digest_hour": prefs.digest_hour,
        "phone": prefs.phone,
        "slack_webhook_url": prefs.slack_webhook_url,
    }
