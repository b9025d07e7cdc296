"""Segment tracking-spec messages -> typed operations, one message at a time.

Each message becomes an `EventRow` (track/page/screen), an `Identify`, a `Group` or an `Alias`, or
raises `MessageError` naming what is wrong; a batch keeps its good messages and reports the bad ones.

- `messageId` is the idempotency key. A message without one but with a `timestamp` (or
  `originalTimestamp`) gets a key derived from its content (SHA-256 of its canonical JSON, the time
  included), so a replayed copy of it is still recognised. A message with neither cannot be told apart
  from a second, identical event: it gets a fresh random key (`gen:...`), so two such events are two
  rows, never silently merged (the price: a replayed copy of it is stored again).
- `timestamp` (or `originalTimestamp`, else the time received) is when the event happened; values
  without an offset are UTC.
- The account of an event is `context.groupId` (Segment's B2B convention), else `properties.groupId`
  / `properties.accountId`; without one it is the account of the user's contact (linked by `group`).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashapp.ingest import validators as v
from dashapp.ingest.fields import ACCOUNT_FIELDS, normalise_name

MAX_MESSAGE_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
EVENT_TYPES = ("track", "page", "screen")
MESSAGE_TYPES = (*EVENT_TYPES, "identify", "group", "alias")


class MessageError(ValueError):
    """One message cannot be stored; the text says why."""


@dataclass(slots=True)
class EventRow:
    message_id: str
    account_ref: str | None
    user_id: str | None
    event_type: str
    event: str
    occurred_at: datetime
    properties: dict[str, Any]


@dataclass(slots=True)
class Identify:
    message_id: str
    user_id: str
    email: str | None
    name: str | None
    title: str | None
    traits: dict[str, Any]
    seen_at: datetime
    present: frozenset[str] = field(default_factory=frozenset)


@dataclass(slots=True)
class Group:
    message_id: str
    group_id: str
    user_id: str | None
    columns: dict[str, Any]  # account column -> value (only traits that were sent)
    custom: dict[str, Any]
    parent: str | None = None


@dataclass(slots=True)
class Alias:
    message_id: str


Operation = EventRow | Identify | Group | Alias

# Group traits (Segment's reserved ones and ours) -> account fields; other traits become custom attributes.
_ACCOUNT_TRAITS = {f.name: f for f in ACCOUNT_FIELDS if f.name not in ("external_id", "owner", "parent")}
_TRAIT_ALIASES = {"website": "domain", "monthly_recurring_revenue": "mrr", "stage": "lifecycle_stage"}
_SKIPPED_TRAITS = {"id", "group_id", "owner"}


def _string(msg: dict[str, Any], key: str, max_length: int = 255) -> str | None:
    value = msg.get(key)
    if type(value) is str and 0 < len(value) <= max_length and "\x00" not in value:
        return value  # the common case, checked cheaply
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MessageError(f"{key} must be a string")
    value = str(value)
    if "\x00" in value:
        raise MessageError(f"{key} contains a NUL character, which cannot be stored")
    if len(value) > max_length:
        raise MessageError(f"{key} is {len(value)} characters long; at most {max_length} are allowed")
    return value


def _object(msg: dict[str, Any], key: str) -> dict[str, Any]:
    value = msg.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MessageError(f"{key} must be a JSON object")
    return value


def _no_nul(value: Any, where: str) -> None:
    """PostgreSQL cannot store NUL in text or JSON. Only called when the request body contains a \\u0000."""
    if "\\u0000" in json.dumps(value, default=str):
        raise MessageError(f"{where} contains a NUL character (\\u0000), which cannot be stored")


def message_id(msg: dict[str, Any]) -> str:
    mid = _string(msg, "messageId")
    if mid is not None:
        return mid
    if all(msg.get(key) in (None, "") for key in ("timestamp", "originalTimestamp")):
        return "gen:" + uuid.uuid4().hex
    canonical = json.dumps(msg, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


def _timestamp(msg: dict[str, Any], received_at: datetime) -> datetime:
    for key in ("timestamp", "originalTimestamp"):
        raw = msg.get(key)
        if raw in (None, ""):
            continue
        if not isinstance(raw, str):
            raise MessageError(f"{key} must be an ISO 8601 string")
        try:
            parsed = datetime.fromisoformat(raw)
            if parsed.tzinfo is not None and 1900 <= parsed.year <= 2200:
                return parsed  # the common case
            return v.parse_datetime(raw) or received_at
        except ValueError as exc:
            raise MessageError(f"{key} {exc}") from None
    return received_at


def _user(msg: dict[str, Any]) -> str | None:
    return _string(msg, "userId") or _string(msg, "anonymousId")


def parse_message(
    msg: Any, received_at: datetime, default_type: str | None = None, *, check_nul: bool = True
) -> Operation:
    if not isinstance(msg, dict):
        raise MessageError("a message must be a JSON object")
    kind = msg.get("type") or default_type
    if not isinstance(kind, str) or kind.lower() not in MESSAGE_TYPES:
        raise MessageError(f"type {kind!r} is not one of {', '.join(MESSAGE_TYPES)}")
    kind = kind.lower()
    mid = message_id(msg)
    if check_nul:
        _no_nul(msg, "the message")
    if kind in EVENT_TYPES:
        return _event(msg, kind, mid, received_at)
    if kind == "identify":
        return _identify(msg, mid, received_at)
    if kind == "group":
        return _group(msg, mid)
    return Alias(mid)


def _event(msg: dict[str, Any], kind: str, mid: str, received_at: datetime) -> EventRow:
    user = _user(msg)
    if user is None:
        raise MessageError(f"a {kind} call needs a userId or an anonymousId")
    properties = msg.get("properties")
    if type(properties) is not dict:
        properties = _object(msg, "properties")
    context = msg.get("context")
    if type(context) is not dict:
        context = _object(msg, "context")
    if kind == "track":
        name = _string(msg, "event")
        if name is None:
            raise MessageError("a track call needs an event name")
    else:
        name = _string(msg, "name") or ("Page Viewed" if kind == "page" else "Screen Viewed")
        if msg.get("category") and "category" not in properties:
            properties = {**properties, "category": msg["category"]}
    account = context.get("groupId")
    if type(account) is str and 0 < len(account) <= 255:
        pass  # the common case
    else:
        account = _account_ref(context, properties)
    return EventRow(
        message_id=mid,
        account_ref=account,
        user_id=user,
        event_type=kind,
        event=name,
        occurred_at=_timestamp(msg, received_at),
        properties=properties,
    )


def _account_ref(context: dict[str, Any], properties: dict[str, Any]) -> str | None:
    for source, key in ((context, "groupId"), (properties, "groupId"), (properties, "accountId")):
        value = source.get(key)
        if value not in (None, ""):
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise MessageError(f"{key} must be a string")
            return str(value)[:255]
    return None


def _identify(msg: dict[str, Any], mid: str, received_at: datetime) -> Identify:
    user = _string(msg, "userId")
    if user is None:
        raise MessageError("an identify call needs a userId (anonymous profiles are not stored)")
    traits = _object(msg, "traits")
    try:
        email = v.email(traits.get("email"))
        name = v.text(traits.get("name"))
        if name is None and (traits.get("firstName") or traits.get("lastName")):
            name = v.text(f"{traits.get('firstName') or ''} {traits.get('lastName') or ''}")
        title = v.text(traits.get("title"))
    except ValueError as exc:
        raise MessageError(f"traits: {exc}") from None
    present = frozenset(k for k, val in (("email", email), ("name", name), ("title", title)) if val)
    return Identify(mid, user, email, name, title, traits, _timestamp(msg, received_at), present)


def _group(msg: dict[str, Any], mid: str) -> Group:
    group_id = _string(msg, "groupId")
    if group_id is None:
        raise MessageError("a group call needs a groupId (the account's external id)")
    traits = _object(msg, "traits")
    columns: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    parent = None
    for raw_key, value in traits.items():
        key = normalise_name(raw_key)
        key = _TRAIT_ALIASES.get(key, key)
        if key in _SKIPPED_TRAITS:
            continue
        if key == "parent" or key == "parent_id":
            parent = v.text(value)
            continue
        spec = _ACCOUNT_TRAITS.get(key)
        if spec is None:
            custom[raw_key] = value
            continue
        try:
            columns[key] = spec.parse(value)
        except ValueError as exc:
            raise MessageError(f"traits.{raw_key}: {exc}") from None
    if columns.get("name") is None:
        columns.pop("name", None)
    return Group(mid, group_id, _user(msg), columns, custom, parent)
