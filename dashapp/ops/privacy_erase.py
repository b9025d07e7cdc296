"""GDPR erasure of a contact: personal data removed, the account's aggregates kept, one transaction.

What happens to each row (see docs/privacy.md):
- the contact row stays (so contact counts hold) with email, name, title and traits cleared and its
  external id replaced by an opaque one (`erased-<reference>-<id>`);
- its events stay (the account's activity, roll-ups and scores do not change): `user_external_id` becomes the
  contact's new opaque id (distinct-user counts stay right), personal property keys are dropped and any
  property value naming the person is replaced by `[erased]`;
- survey comments are deleted, ticket subjects lose the person's name and email;
- any other text naming the person (audit details, stored webhook payloads, import error values) is scrubbed;
- one audit entry `privacy.erase` records who erased, when, an opaque reference and counts: no personal data.

The reference is a keyed hash (HMAC with the app's secret key) of the email: the same email always gives the
same reference, so a second erasure can say it was already done, while the reference reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, Text, cast, func, or_, select, update
from sqlalchemy.orm import Session

from dashapp.ops.privacy_export import PrivacyError
from models.account import Contact
from models.activity import UsageEvent
from models.audit import AuditLog, record
from models.ingest import ImportRowError, WebhookEvent
from models.support import SupportTicket
from models.survey import SurveyResponse

ACTION = "privacy.erase"
ERASED = "[erased]"
# Event property keys that hold personal data whatever their value (compared case-insensitively).
PERSONAL_KEYS = frozenset(
    {
        "email",
        "name",
        "first_name",
        "firstname",
        "last_name",
        "lastname",
        "full_name",
        "phone",
        "mobile",
        "address",
        "ip",
        "ip_address",
        "user_agent",
        "username",
        "avatar",
        "birthday",
    }
)
MIN_NEEDLE = 3  # shorter names are not searched for in free text (too many false matches)


@dataclass(frozen=True)
class Erasure:
    reference: str
    erased: bool  # False: nothing was left to erase (already erased before)
    contacts: int = 0
    events: int = 0
    tickets: int = 0
    surveys: int = 0
    other_rows: int = 0
    erased_at: str | None = None  # for an earlier erasure: when it happened

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "erased" if self.erased else "nothing_to_erase",
            "reference": self.reference,
            "contacts": self.contacts,
            "events": self.events,
            "tickets": self.tickets,
            "surveys": self.surveys,
            "other_rows": self.other_rows,
            "erased_at": self.erased_at,
        }


def reference_for(email: str, key: str) -> str:
    """The opaque reference of an erasure of `email` (stable per email and secret key)."""
    digest = hmac.new(key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()
    return f"erasure-{digest[:20]}"


def _scrub(value: Any, pattern: re.Pattern[str] | None) -> Any:
    """`value` (JSON) with personal keys dropped and text naming the person replaced."""
    if isinstance(value, dict):
        return {k: _scrub(v, pattern) for k, v in value.items() if k.lower() not in PERSONAL_KEYS}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    if isinstance(value, str) and pattern is not None and pattern.search(value):
        return ERASED
    return value


def _replace(value: str, pattern: re.Pattern[str] | None) -> str:
    return pattern.sub(ERASED, value) if pattern is not None else value


def _needles(contacts: list[Contact]) -> list[str]:
    found = {v.strip() for c in contacts for v in (c.email, c.name, c.external_id) if v}
    return sorted((v for v in found if len(v) >= MIN_NEEDLE), key=len, reverse=True)


def _containing(session: Session, table: Table, columns: list[Any], needles: list[str]) -> list[Any]:
    """Rows of `table` where any of `columns` (text, or JSON as text) mentions any needle."""
    if not needles:
        return []
    clauses = [cast(column, Text).ilike(f"%{_like(n)}%") for n in needles for column in columns]
    return list(session.execute(select(table).where(or_(*clauses)).with_for_update()).mappings())


def _like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def erase_contact(session: Session, email: str, *, key: str, actor_id: int | None, actor: str) -> Erasure:
    """Erase every contact with `email` (in the caller's transaction). Raises PrivacyError for an unknown one."""
    address = email.strip()
    if "@" not in address or len(address) > 320:
        raise PrivacyError(f"contact: {address[:80]!r} is not an email address")
    ref = reference_for(address, key)
    contacts = list(
        session.scalars(
            select(Contact)
            .where(func.lower(Contact.email) == address.lower())
            .order_by(Contact.id)
            .with_for_update()
        )
    )
    if not contacts:
        earlier = session.scalar(
            select(AuditLog).where(AuditLog.action == ACTION, AuditLog.object_id == ref).order_by(AuditLog.id)
        )
        if earlier is None:
            raise PrivacyError(f"contact: there is no contact with email {address.lower()!r}")
        return Erasure(ref, erased=False, erased_at=earlier.at.isoformat())

    needles = _needles(contacts)
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None
    ids = [c.id for c in contacts]
    events = tickets = surveys = other = 0

    for contact in contacts:
        new_external = f"erased-{ref}-{contact.id}"
        found = session.execute(
            select(UsageEvent).where(
                (UsageEvent.contact_id == contact.id) | (UsageEvent.user_external_id == contact.external_id)
            )
        ).scalars()
        for event in found:
            event.user_external_id = new_external
            event.properties = _scrub(event.properties or {}, pattern)
            events += 1
        contact.external_id = new_external
        contact.email = None
        contact.name = None
        contact.title = None
        contact.traits = {}

    for ticket in session.scalars(select(SupportTicket).where(SupportTicket.contact_id.in_(ids))):
        ticket.subject = _replace(ticket.subject or "", pattern)
        tickets += 1
    surveys = (
        session.execute(
            update(SurveyResponse).where(SurveyResponse.contact_id.in_(ids)).values(comment=None)
        ).rowcount
        or 0
    )
    other += _scrub_elsewhere(session, needles, pattern)
    session.flush()
    record(
        session,
        actor_id=actor_id,
        actor=actor,
        action=ACTION,
        object_type="contact",
        object_id=ref,
        details={"contacts": len(ids), "events": events, "tickets": tickets, "surveys": surveys},
    )
    return Erasure(ref, True, len(ids), events, tickets, surveys, other)


def _scrub_elsewhere(session: Session, needles: list[str], pattern: re.Pattern[str] | None) -> int:
    """Audit details, stored webhook payloads and import error values that name the person."""
    changed = 0
    audit = AuditLog.__table__
    for row in _containing(session, audit, [audit.c.details], needles):
        session.execute(
            update(audit).where(audit.c.id == row["id"]).values(details=_scrub(row["details"], pattern))
        )
        changed += 1
    hooks = WebhookEvent.__table__
    for row in _containing(session, hooks, [hooks.c.payload, hooks.c.detail], needles):
        values = {"payload": _scrub(row["payload"], pattern), "detail": _replace(row["detail"], pattern)}
        session.execute(update(hooks).where(hooks.c.id == row["id"]).values(**values))
        changed += 1
    errors = ImportRowError.__table__
    for row in _containing(session, errors, [errors.c.value], needles):
        session.execute(update(errors).where(errors.c.id == row["id"]).values(value=ERASED))
        changed += 1
    return changed
