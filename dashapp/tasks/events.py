"""The `task.created` webhook event: one per task opened (by hand or by a playbook)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.notify.webhooks import emit_webhook_event
from models.account import Account
from models.task import Task

EVENT = "task.created"


def payload(task: Task, account: Account) -> dict[str, Any]:
    return {
        "task": {
            "id": task.id,
            "title": task.title,
            "due": task.due_date.isoformat(),
            "status": task.status,
            "source": task.source,
            "alert_id": task.alert_id,
            "assignee_id": task.assignee_id,
            "created_by_id": task.created_by_id,
            "created_at": task.created_at.isoformat() if task.created_at else None,
        },
        "account": {"id": account.id, "external_id": account.external_id, "name": account.name},
    }


def announce_created(session: Session, task_ids: Sequence[int], *, now: datetime) -> list[int]:
    """One `task.created` event per task for the subscribed endpoints; returns the webhook delivery ids
    (hand them to `jobs.notify.deliver_soon` after commit)."""
    if not task_ids:
        return []
    rows = session.execute(
        select(Task, Account)
        .join(Account, Account.id == Task.account_id)
        .where(Task.id.in_(task_ids))
        .order_by(Task.id)
    ).all()
    delivery_ids: list[int] = []
    for task, account in rows:
        delivery_ids += emit_webhook_event(session, EVENT, payload(task, account), now=now)
    return delivery_ids
