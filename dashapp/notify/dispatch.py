"""THE entry point for telling people something: `notify(session, recipients, notification, now=...)`.

For each recipient (a user id) it applies their preferences and records one `NotificationDelivery` per
channel:
- channels come from the user's choice for the notification's severity (none chosen: nothing recorded);
- over the user's daily cap (counted per local day, in their time zone), the notification is held for the
  daily digest instead (status "digest");
- inside the user's quiet hours, it waits until they end (`send_after`);
- inactive users get nothing.
It sends nothing and does no I/O: rows are written in the caller's transaction. After commit, give the
returned ids to `jobs.notify.deliver_soon(settings, db, notification_ids=...)`; the periodic sweep sends
whatever is due anyway (quiet-hours deferrals, retries). Group before calling: one `Notification` listing
30 accounts is one message per channel, not 30.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.notify import channels as channel_senders
from dashapp.notify.message import Notification, Rendered
from dashapp.notify.preferences import Prefs, load
from dashapp.settings import Settings
from models.notify import NotificationDelivery
from models.user import User

MAX_SEND_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=5)


def sent_today(session: Session, user_id: int, prefs: Prefs, now: datetime) -> int:
    """Notifications (not rows: one per channel) that count against today's cap."""
    return (
        session.scalar(
            select(func.count(func.distinct(NotificationDelivery.batch))).where(
                NotificationDelivery.user_id == user_id,
                NotificationDelivery.created_at >= prefs.start_of_local_day(now),
                NotificationDelivery.status.in_(("pending", "sent", "failed")),
            )
        )
        or 0
    )


def notify(
    session: Session, recipients: Iterable[int], notification: Notification, *, now: datetime
) -> list[int]:
    """Record `notification` for each recipient per their preferences; return the ids to send."""
    to_send: list[int] = []
    user_ids = list(dict.fromkeys(recipients))
    if not user_ids:
        return to_send
    users = session.scalars(select(User).where(User.id.in_(user_ids), User.is_active.is_(True))).all()
    for user in sorted(users, key=lambda u: u.id):
        prefs = load(session, user.id)
        chosen = prefs.channels_for(notification.severity)
        if not chosen:
            continue
        batch = uuid.uuid4().hex
        common = {
            "user_id": user.id,
            "batch": batch,
            "kind": notification.kind[:64],
            "severity": notification.severity,
            "title": notification.title[:300],
            "content": notification.content(),
            "created_at": now,
        }
        if sent_today(session, user.id, prefs, now) >= prefs.daily_cap:
            session.add(NotificationDelivery(channel="email", status="digest", send_after=now, **common))
            continue
        send_after = prefs.quiet_until(now) or now
        rows = [
            NotificationDelivery(channel=c, status="pending", send_after=send_after, **common) for c in chosen
        ]
        session.add_all(rows)
        session.flush()
        if send_after <= now:
            to_send.extend(r.id for r in rows)
    session.flush()
    return to_send


def due(session: Session, now: datetime, limit: int = 500) -> list[int]:
    return list(
        session.scalars(
            select(NotificationDelivery.id)
            .where(NotificationDelivery.status == "pending", NotificationDelivery.send_after <= now)
            .order_by(NotificationDelivery.send_after, NotificationDelivery.id)
            .limit(limit)
        )
    )


def send_one(session: Session, settings: Settings, delivery_id: int, *, now: datetime) -> str | None:
    """Send one pending, due delivery on its channel; record the outcome. Returns the new status."""
    row = session.get(NotificationDelivery, delivery_id, with_for_update=True)
    if row is None or row.status != "pending" or row.send_after > now:
        return None
    user = session.get(User, row.user_id)
    prefs = load(session, row.user_id)
    message = Rendered.from_row(row.title, row.severity, row.content)
    row.attempts += 1
    try:
        if user is None or not user.is_active:
            raise channel_senders.ChannelError("the user is no longer active")
        if row.channel == "email":
            channel_senders.send_email(settings, user.email, message)
        elif row.channel == "slack":
            channel_senders.send_slack(settings, prefs.slack_webhook_url, message)
        elif row.channel == "sms":
            channel_senders.send_sms(settings, prefs.phone, message)
        else:  # pragma: no cover - the table's check constraint allows no other
            raise channel_senders.ChannelError(f"unknown channel {row.channel}")
    except Exception as exc:  # every channel failure is recorded on the row, and retried
        row.error = f"{type(exc).__name__}: {exc}"[:1000]
        if row.attempts >= MAX_SEND_ATTEMPTS or isinstance(exc, channel_senders.ChannelError):
            row.status = "failed"
        else:
            row.send_after = now + RETRY_DELAY * row.attempts
        return row.status
    row.status = "sent"
    row.sent_at = now
    row.error = None
    return row.status


def notify_by_email(
    session: Session, user_id: int, notification: Notification, *, now: datetime
) -> int | None:
    """A notice about the system itself (an endpoint disabled): by email, whatever the preferences, caps
    or quiet hours. Returns the delivery id to send, or None for an unknown or inactive user."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    row = NotificationDelivery(
        user_id=user_id,
        batch=uuid.uuid4().hex,
        channel="email",
        kind=notification.kind[:64],
        severity=notification.severity,
        title=notification.title[:300],
        content=notification.content(),
        status="pending",
        send_after=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id
