"""What people do to alerts: acknowledge, snooze until a date with a reason, resolve; who may do it.

open -> acknowledged -> resolved; open/acknowledged -> snoozed (until a date) -> open again when the date
comes (see `evaluate.wake_snoozed`); any unresolved state -> resolved. Every change is recorded in
`alert_changes` with who and when. Bulk: a list of ids changes all or nothing. The result names whose
unread count moved, so the caller can tell their bells (`dashapp.alerts.live`) after committing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.alerts.queries import addressees
from dashapp.ownership import actable_accounts
from models.account import Account
from models.alert import Alert, AlertChange, AlertEvent

MAX_BULK = 500
MAX_REASON = 1000
ACTIONS = ("acknowledge", "snooze", "resolve")
_FROM: dict[str, tuple[str, ...]] = {
    "acknowledge": ("open", "snoozed"),
    "snooze": ("open", "acknowledged", "snoozed"),
    "resolve": ("open", "acknowledged", "snoozed"),
}


class AlertActionError(ValueError):
    """A lifecycle request that cannot be done; `field` names the input at fault."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class ActionResult:
    changed: list[int]
    unchanged: list[int]  # already in the target state (e.g. acknowledged twice)
    # Whose unread count this moved (an open alert left "open"): tell their bells once committed.
    user_ids: list[int] = field(default_factory=list)


def act(
    session: Session,
    user: Any,
    action: str,
    alert_ids: Sequence[int],
    *,
    now: datetime,
    until: datetime | None = None,
    reason: str = "",
) -> ActionResult:
    """Apply `action` to every alert in `alert_ids`, or to none (raises `AlertActionError`)."""
    if action not in ACTIONS:
        raise AlertActionError("action", f"action must be one of {', '.join(ACTIONS)}")
    ids = list(dict.fromkeys(int(i) for i in alert_ids))
    if not ids:
        raise AlertActionError("ids", "give at least one alert id")
    if len(ids) > MAX_BULK:
        raise AlertActionError("ids", f"at most {MAX_BULK} alerts at once")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise AlertActionError("reason", f"the reason is longer than {MAX_REASON} characters")
    if action == "snooze":
        if until is None:
            raise AlertActionError("until", "a snooze needs the date it ends")
        if until <= now:
            raise AlertActionError("until", "the snooze must end in the future")
        if not reason:
            raise AlertActionError("reason", "a snooze needs a reason")
    rows = session.execute(
        select(Alert, actable_accounts(user).label("allowed"))
        .join(Account, Account.id == Alert.account_id)
        .where(Alert.id.in_(ids))
        .with_for_update(of=Alert)
    ).all()
    found = {alert.id: (alert, allowed) for alert, allowed in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise AlertActionError("ids", f"no alert with id {missing[0]}", status=404)
    refused = [i for i in ids if not found[i][1]]
    if refused:
        raise AlertActionError("ids", f"you may not act on alert {refused[0]} (not your account)", status=403)
    changed: list[int] = []
    unchanged: list[int] = []
    left_open: list[int] = []
    for i in ids:
        alert = found[i][0]
        target = {"acknowledge": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}[action]
        if alert.state == target and action != "snooze":
            unchanged.append(i)
            continue
        if alert.state not in _FROM[action]:
            raise AlertActionError("ids", f"alert {i} is {alert.state}; it cannot be {target}", status=409)
        previous = alert.state
        if previous == "open":
            left_open.append(i)
        _apply(alert, action, user, now, until, reason)
        session.add(
            AlertChange(
                alert_id=alert.id,
                from_state=previous,
                to_state=alert.state,
                actor_id=user.id,
                reason=reason or action,
                at=now,
            )
        )
        if action == "resolve":
            session.add(
                AlertEvent(
                    alert_id=alert.id, kind="resolved", recipient_ids=alert.recipient_ids, created_at=now
                )
            )
        changed.append(i)
    session.flush()
    return ActionResult(changed, unchanged, addressees(session, left_open))


def _apply(alert: Alert, action: str, user: Any, now: datetime, until: datetime | None, reason: str) -> None:
    if action == "acknowledge":
        alert.state = "acknowledged"
        alert.acknowledged_at = alert.acknowledged_at or now
        alert.acknowledged_by_id = alert.acknowledged_by_id or user.id
        alert.snoozed_until = None
    elif action == "snooze":
        alert.state = "snoozed"
        alert.snoozed_until = until
        alert.snooze_reason = reason
    else:
        alert.state = "resolved"
        alert.resolved_at = now
        alert.resolved_by_id = user.id
        alert.resolution = reason or f"resolved by {getattr(user, 'email', user.id)}"
