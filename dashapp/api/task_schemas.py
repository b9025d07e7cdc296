"""Request and response shapes of `/tasks`, `/playbooks` and `/accounts/{external_id}/notes` (the OpenAPI
document is built from them)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from dashapp.api.http import MAX_ID
from dashapp.api.schemas import TEXT_PATTERN, JsonInt, Strict
from dashapp.tasks.queries import MAX_LIMIT
from dashapp.tasks.service import MAX_NOTE, MAX_OUTCOME, MAX_TITLE

TaskStatus = Literal["open", "done", "cancelled"]
# A user id or `me`, within PostgreSQL's BIGINT.
USER_PATTERN = r"^(me|[1-9][0-9]{0,17})$"


def _day(value: Any) -> Any:
    """A day in a JSON body is a string written YYYY-MM-DD (not a number, not a time)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return date.fromisoformat(value)
    raise ValueError("a day is written YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_day)]


class TaskListQuery(Strict):
    assignee: str | None = Field(
        None, pattern=USER_PATTERN, description="`me`, or a user id: tasks assigned to them."
    )
    team: Literal["me"] | None = Field(
        None, description="`me`: tasks of my team (assigned to me or my reports, or on our accounts)."
    )
    overdue: bool = Field(False, description="Only open tasks due before today (UTC).")
    account_id: str | None = Field(
        None, min_length=1, max_length=255, description="Only tasks on this account (its external id)."
    )
    status: TaskStatus | None = Field(None, description="Only tasks in this status.")
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Rows per page.")
    cursor: str | None = Field(None, max_length=2000, description="`next_cursor` of the previous page.")


class TaskAccount(Strict):
    external_id: str
    name: str


class TaskOut(Strict):
    id: int
    account: TaskAccount
    assignee_id: int | None
    assignee: str | None = Field(description="The assignee's name (or email).")
    title: str
    due: date
    overdue: bool = Field(description="Open and due before today (UTC).")
    status: TaskStatus
    outcome: str | None = Field(description="What came of it, recorded when it was closed.")
    closed_at: datetime | None
    closed_by_id: int | None
    source: Literal["manual", "playbook"]
    alert_id: int | None = Field(description="The alert whose playbook opened it.")
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime


class TaskPage(Strict):
    data: list[TaskOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
    has_more: bool
    limit: int


class TaskCreate(Strict):
    account_id: str = Field(
        min_length=1,
        max_length=255,
        description="The account's external id (as in `/accounts/{external_id}`).",
    )
    title: str = Field(min_length=1, max_length=MAX_TITLE, pattern=TEXT_PATTERN, description="What to do.")
    due: Day = Field(
        ge=date(2000, 1, 1),
        le=date(2199, 12, 31),
        description="The day it is due (YYYY-MM-DD).",
        json_schema_extra={"pattern": r"^2[01]\d\d-"},
    )
    assignee_id: JsonInt | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        strict=True,
        description="Who does it (an active CSM, manager or admin); default: the account's owner, else you.",
    )
    playbook_id: JsonInt | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        strict=True,
        description="A playbook whose steps open as tasks too, for the same person, each due its step's "
        "days after their today (`GET /playbooks`).",
    )


class TaskClose(Strict):
    outcome: str = Field(
        min_length=1, max_length=MAX_OUTCOME, pattern=TEXT_PATTERN, description="What came of it."
    )
    status: Literal["done", "cancelled"] = Field("done", description="Closed as done (default) or cancelled.")


class NoteCreate(Strict):
    text: str = Field(min_length=1, max_length=MAX_NOTE, pattern=TEXT_PATTERN, description="The note.")


class NoteOut(Strict):
    id: int
    text: str
    author_id: int | None
    author: str | None = Field(description="The author's name (or email).")
    created_at: datetime


class NoteList(Strict):
    data: list[NoteOut]


class PlaybookStepOut(Strict):
    position: int
    title: str
    due_days: int = Field(description="Days after the alert opened that the task is due.")


class PlaybookOut(Strict):
    id: int
    name: str
    description: str
    is_default: bool
    steps: list[PlaybookStepOut]
    rule_ids: list[int] = Field(description="The alert rules that run this playbook.")


class PlaybookList(Strict):
    data: list[PlaybookOut]
