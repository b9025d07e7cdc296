"""The daily digest: one email per user and local day, once their digest hour has come.

It lists in full what was held over the user's daily cap, and recalls the titles of what was sent in the
last 24 hours. A user with nothing to report gets no email. A failed send leaves everything as it was, so
the next hourly run tries again; a digest sent is recorded per (user, day), so a rerun sends nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from dashapp.notify import channels
from dashapp.notify.message import Rendered
from dashapp.notify.preferences import load
from dashapp.settings import Settings
from models.db import Database
from models.notify import DigestRun, NotificationDelivery
from models.user import User

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=24)
MAX_RECALLED = 30


def candidates(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(NotificationDelivery.user_id)
            .where(
                or_(
                    NotificationDelivery.status == "digest",
                    (NotificationDelivery.status == "sent")
                    & (NotificationDelivery.created_at >= now - WINDOW),
                )
            )
            .distinct()
            .order_by(NotificationDelivery.user_id)
        )
    )


def build(session: Session, user_id: int, day: str, now: datetime) -> tuple[Rendered, list[int]] | None:
    """The user's digest and the held rows it covers; None when there is nothing to say."""
    held = session.scalars(
        select(NotificationDelivery)
        .where(NotificationDelivery.user_id == user_id, NotificationDelivery.status == "digest")
        .order_by(NotificationDelivery.id)
    ).all()
    sent_titles = list(
        dict.fromkeys(
            session.scalars(
                select(NotificationDelivery.title)
                .where(
                    NotificationDelivery.user_id == user_id,
                    NotificationDelivery.status == "sent",
                    NotificationDelivery.kind != "digest",
                    NotificationDelivery.created_at >= now - WINDOW,
                )
                .order_by(NotificationDelivery.id)
            )
        )
    )
    if not held and not sent_titles:
        return None
    items: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for row in held:
        for item in row.content.get("items", []):
            key = (item["account_id"], item["line"])
            if key not in seen:
                seen.add(key)
                items.append(item)
    parts = []
    if held:
        parts.append(
            f"{len(held)} notification(s) over your daily limit were held for this digest: "
            + "; ".join(row.title for row in held[:MAX_RECALLED])
            + "."
        )
    if sent_titles:
        parts.append("Sent in the last 24 hours: " + "; ".join(sent_titles[:MAX_RECALLED]) + ".")
    message = Rendered(
        title=f"Your healthdash digest for {day}",
        severity="info",
        items=items,
        link="/",
        body=" ".join(parts),
    )
    return message, [row.id for row in held]


def send_due(db: Database, settings: Settings, *, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        users = candidates(session, now)
    sent, failed = 0, 0
    for user_id in users:
        try:
            with db.transaction() as session:
                sent += _send_for(session, settings, user_id, now)
        except Exception:  # one user's failed digest must not stop the others; retried next hour
            log.exception("digest for user %s failed", user_id)
            failed += 1
    return {"digests_sent": sent, "failed": failed, "users_considered": len(users)}


def _send_for(session: Session, settings: Settings, user_id: int, now: datetime) -> int:
    prefs = load(session, user_id)
    user = session.get(User, user_id)
    local = prefs.local(now)
    if user is None or not user.is_active or not prefs.digest_enabled or local.hour < prefs.digest_hour:
        return 0
    day = local.date().isoformat()
    built = build(session, user_id, day, now)
    if built is None:
        return 0
    message, held_ids = built
    claimed = session.execute(
        insert(DigestRun)
        .values(user_id=user_id, day=day, items=len(message.items), sent_at=now)
        .on_conflict_do_nothing(constraint="uq_notification_digests_day")
        .returning(DigestRun.id)
    ).scalar()
    if claimed is None:
        return 0  # already sent today
    channels.send_email(settings, user.email, message)
    for row in session.scalars(select(NotificationDelivery).where(NotificationDelivery.id.in_(held_ids))):
        row.status = "digested"
        row.sent_at = now
    return 1
