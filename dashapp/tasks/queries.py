"""Reading tasks and notes: the filtered task list (Tasks page, API), an account's open tasks and notes,
and their lines on the account's timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, aliased

from dashapp.notify.preferences import load as load_prefs
from models.account import Account, live
from models.task import AccountNote, Task
from models.user import User

MAX_LIMIT = 200
Status = Literal["open", "done", "cancelled"]


class TaskQuery(BaseModel):
    """Which tasks. `assignee`: a user id; `team_of`: a manager's id (tasks assigned to them or their
    reports, or on accounts they or their reports own); `overdue`: open and due before `today`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignee: int | None = None
    team_of: int | None = None
    overdue: bool = False
    account_id: int | None = None
    status: tuple[Status, ...] = ()
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    after: tuple[date, int] | None = None  # keyset: (due date, id) of the last row of the previous page


@dataclass(frozen=True)
class TaskRow:
    task: Task
    account_external_id: str
    account_name: str
    assignee_name: str | None

    def overdue(self, today: date) -> bool:
        return self.task.status == "open" and self.task.due_date < today

    def as_dict(self, today: date) -> dict[str, Any]:
        t = self.task
        return {
            "id": t.id,
            "account": {"external_id": self.account_external_id, "name": self.account_name},
            "assignee_id": t.assignee_id,
            "assignee": self.assignee_name,
            "title": t.title,
            "due": t.due_date,
            "overdue": self.overdue(today),
            "status": t.status,
            "outcome": t.outcome,
            "closed_at": t.closed_at,
            "closed_by_id": t.closed_by_id,
            "source": t.source,
            "alert_id": t.alert_id,
            "created_by_id": t.created_by_id,
            "created_at": t.created_at,
            "updated_at": t.updated_at,
        }


def local_today(session: Session, user_id: int | None, now: datetime) -> date:
    """The user's calendar day at `now`, in the time zone of their notification preferences (UTC when
    they set none, or for nobody): the `today` a task is judged overdue against."""
    if user_id is None:
        return now.astimezone(UTC).date()
    return load_prefs(session, user_id).local_day(now)


def _team(manager_id: int) -> Any:
    team = select(User.id).where(or_(User.manager_id == manager_id, User.id == manager_id))
    return or_(Task.assignee_id.in_(team), Account.owner_id.in_(team))


def _filtered(query: TaskQuery, today: date) -> Select:
    assignee = aliased(User)
    stmt = (
        select(
            Task,
            Account.external_id,
            Account.name,
            assignee.name.label("assignee_name"),
            assignee.email.label("assignee_email"),
        )
        .join(Account, (Account.id == Task.account_id) & live(Account))
        .outerjoin(assignee, assignee.id == Task.assignee_id)
    )
    if query.assignee is not None:
        stmt = stmt.where(Task.assignee_id == query.assignee)
    if query.team_of is not None:
        stmt = stmt.where(_team(query.team_of))
    if query.overdue:
        stmt = stmt.where(Task.status == "open", Task.due_date < today)
    if query.account_id is not None:
        stmt = stmt.where(Task.account_id == query.account_id)
    if query.status:
        stmt = stmt.where(Task.status.in_(query.status))
    return stmt


def _rows(session: Session, stmt: Select) -> list[TaskRow]:
    return [TaskRow(task, ext, name, who or email) for task, ext, name, who, email in session.execute(stmt)]


def list_tasks(session: Session, query: TaskQuery, today: date) -> tuple[list[TaskRow], bool]:
    """One page of tasks, soonest due first (then by id), and whether more follow."""
    stmt = _filtered(query, today)
    if query.after is not None:
        due, last_id = query.after
        stmt = stmt.where(or_(Task.due_date > due, and_(Task.due_date == due, Task.id > last_id)))
    rows = _rows(session, stmt.order_by(Task.due_date, Task.id).limit(query.limit + 1))
    return rows[: query.limit], len(rows) > query.limit


def one_task(session: Session, task_id: int) -> TaskRow | None:
    rows = _rows(session, _filtered(TaskQuery(), date.min).where(Task.id == task_id))
    return rows[0] if rows else None


def account_notes(session: Session, account_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """An account's notes, newest first, with who wrote them."""
    rows = session.execute(
        select(AccountNote, User.name, User.email)
        .outerjoin(User, User.id == AccountNote.author_id)
        .where(AccountNote.account_id == account_id)
        .order_by(AccountNote.created_at.desc(), AccountNote.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": n.id,
            "text": n.text,
            "author_id": n.author_id,
            "author": name or email,
            "created_at": n.created_at,
        }
        for n, name, email in rows
    ]


def task_timeline(session: Session, account_id: int, limit: int = 60) -> list[dict[str, Any]]:
    """Notes, and tasks closed with their outcome, as timeline entries (`at`, `kind`, `text`)."""
    events: list[dict[str, Any]] = []
    for note in account_notes(session, account_id, limit):
        who = note["author"] or "someone"
        events.append({"at": note["created_at"], "kind": "note", "text": f"{who}: {note['text']}"})
    closer = aliased(User)
    for task, name, email in session.execute(
        select(Task, closer.name, closer.email)
        .outerjoin(closer, closer.id == Task.closed_by_id)
        .where(Task.account_id == account_id, Task.closed_at.is_not(None))
        .order_by(Task.closed_at.desc())
        .limit(limit)
    ):
        by = f" by {name or email}" if (name or email) else ""
        text = f"Task “{task.title}” {task.status}{by}: {task.outcome}"
        events.append({"at": task.closed_at, "kind": "task", "text": text})
    return events
