"""Changing tasks and notes: create a task, close it with an outcome, add a note; who may do it.

Viewers read. A CSM acts on their own accounts, a manager on their team's, an admin on all
(`dashapp.ownership.actable_accounts`, the `act_on_tasks` permission in words); whoever a task is assigned
to may also close it. Bad input raises
`TaskError` naming the field, before anything is written. Rows only, in the caller's transaction: the caller
commits, then sends the returned webhook deliveries (`jobs.notify.deliver_soon`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.ownership import OWNER_ROLES, actable_accounts
from dashapp.tasks.events import announce_created
from dashapp.tasks.playbooks import playbook_steps
from dashapp.tasks.queries import local_today
from models.account import Account
from models.task import AccountNote, Task
from models.user import User

MAX_TITLE = 200
MAX_OUTCOME = 2000
MAX_NOTE = 5000
CLOSED = ("done", "cancelled")


class TaskError(ValueError):
    """A request that cannot be done; `field` names the input at fault, `status` the HTTP answer."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass
class Created:
    task: Task
    webhook_ids: list[int] = field(default_factory=list)
    step_tasks: list[Task] = field(default_factory=list)  # one per step of the playbook it opened


def _text(value: str | None, name: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise TaskError(name, f"the {name} is blank")
    if len(value) > limit:
        raise TaskError(name, f"the {name} is longer than {limit} characters")
    if "\x00" in value:
        raise TaskError(name, f"the {name} contains a NUL character")
    return value


def _may_act(session: Session, actor: Any, account_id: int) -> bool:
    allowed = session.scalar(select(actable_accounts(actor)).where(Account.id == account_id))
    return bool(allowed)


def _account(session: Session, account_id: int, actor: Any, field_name: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise TaskError(field_name, f"there is no account {account_id}")
    if not _may_act(session, actor, account.id):
        raise TaskError(field_name, f"you may not act on {account.name} (not your account)", status=403)
    return account


def _assignee(session: Session, assignee_id: int) -> User:
    user = session.get(User, assignee_id)
    if user is None:
        raise TaskError("assignee_id", f"there is no user {assignee_id}")
    if not user.is_active or user.role not in OWNER_ROLES:
        raise TaskError(
            "assignee_id", f"{user.email} cannot be given tasks (an active {', '.join(OWNER_ROLES)})"
        )
    return user


def create_task(
    session: Session,
    actor: Any,
    *,
    account_id: int,
    title: str,
    due: date,
    assignee_id: int | None = None,
    playbook_id: int | None = None,
    now: datetime,
) -> Created:
    """A manual task on the account, assigned to `assignee_id` (default: the account's owner, else the
    actor), with its `task.created` webhook event; with `playbook_id`, the playbook's steps open too, for
    the same person, each due its step's days after their today."""
    title = _text(title, "title", MAX_TITLE)
    account = _account(session, account_id, actor, "account_id")
    if assignee_id is None:
        assignee_id = account.owner_id or getattr(actor, "id", None)
    else:
        _assignee(session, assignee_id)
    steps = playbook_steps(session, playbook_id) if playbook_id is not None else []
    if steps is None:
        raise TaskError("playbook_id", f"there is no playbook {playbook_id}")
    start = local_today(session, assignee_id, now)  # the steps count from the assignee's today
    task = Task(
        account_id=account.id,
        assignee_id=assignee_id,
        title=title,
        due_date=due,
        status="open",
        source="manual",
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        updated_at=now,
    )
    opened = [
        Task(account_id=account.id, assignee_id=assignee_id, title=step.title, status="open",
             due_date=start + timedelta(days=step.due_days), source="playbook",
             playbook_step_id=step.id, created_by_id=getattr(actor, "id", None), created_at=now, updated_at=now)
        for step in steps
    ]  # fmt: skip
    session.add_all([task, *opened])
    session.flush()
    ids = [task.id, *(t.id for t in opened)]
    return Created(task, announce_created(session, ids, now=now), opened)


def close_task(
    session: Session, actor: Any, task_id: int, *, outcome: str, status: str = "done", now: datetime
) -> Task:
    """Close an open task as done or cancelled, recording the outcome, who and when."""
    if status not in CLOSED:
        raise TaskError("status", f"a task closes as {' or '.join(CLOSED)}")
    outcome = _text(outcome, "outcome", MAX_OUTCOME)
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        raise TaskError("task_id", f"there is no task {task_id}", status=404)
    mine = task.assignee_id == getattr(actor, "id", None) and getattr(actor, "role", None) in OWNER_ROLES
    if not mine and not _may_act(session, actor, task.account_id):
        raise TaskError("task_id", f"you may not close task {task_id} (not your account)", status=403)
    if task.status != "open":
        raise TaskError("task_id", f"task {task_id} is already {task.status}", status=409)
    task.status = status
    task.outcome = outcome
    task.closed_at = now
    task.closed_by_id = getattr(actor, "id", None)
    task.updated_at = now
    session.flush()
    return task


def add_note(session: Session, actor: Any, account_id: int, text: str, *, now: datetime) -> AccountNote:
    """A note on the account's timeline, by `actor`."""
    text = _text(text, "text", MAX_NOTE)
    account = _account(session, account_id, actor, "account")
    note = AccountNote(account_id=account.id, author_id=getattr(actor, "id", None), text=text, created_at=now)
    session.add(note)
    session.flush()
    return note
