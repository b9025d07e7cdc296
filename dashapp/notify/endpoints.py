"""Outbound webhook endpoints: create (with a `whsec_` secret shown once), list, delete; the event types."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.notify.http import OutboundRefused, check_url
from models.notify import WebhookEndpoint
from models.user import User

EVENT_TYPES: dict[str, str] = {
    "alert.opened": "An alert opened on an account.",
    "alert.resolved": "An alert was resolved (by a user or because its condition cleared).",
    "account.band_changed": "An account's health band changed after a recompute.",
    "task.created": "A task was opened for an account.",
}
MAX_URL = 2000
MAX_ENDPOINTS = 50


class EndpointError(ValueError):
    """Bad input for an endpoint; `field` names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once, when created


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def validate_url(url: str) -> str:
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise EndpointError("url", f"give an http(s) URL of at most {MAX_URL} characters")
    try:
        check_url(url)
    except OutboundRefused as exc:
        raise EndpointError("url", f"{exc}") from None
    return url


def validate_events(events: list[str]) -> list[str]:
    if not events:
        raise EndpointError("events", "subscribe to at least one event type")
    unknown = [e for e in events if e not in EVENT_TYPES]
    if unknown:
        raise EndpointError(
            "events", f"unknown event type {unknown[0]!r}; known: {', '.join(sorted(EVENT_TYPES))}"
        )
    return sorted(set(events))


def create_endpoint(
    session: Session, owner: User, *, url: str, events: list[str], description: str = ""
) -> NewEndpoint:
    """Validate everything first, then add one row: a refusal leaves nothing behind."""
    clean_url = validate_url(url)
    clean_events = validate_events(events)
    if len(description) > 200:
        raise EndpointError("description", "at most 200 characters")
    count = len(session.scalars(select(WebhookEndpoint.id)).all())
    if count >= MAX_ENDPOINTS:
        raise EndpointError("url", f"at most {MAX_ENDPOINTS} endpoints; delete one first")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        owner_id=owner.id, url=clean_url, secret=secret, events=clean_events, description=description
    )
    session.add(endpoint)
    session.flush()
    return NewEndpoint(endpoint, secret)


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint | None:
    return session.get(WebhookEndpoint, endpoint_id)


def enable_endpoint(endpoint: WebhookEndpoint) -> None:
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    endpoint.consecutive_failures = 0
    endpoint.failing_since = None
