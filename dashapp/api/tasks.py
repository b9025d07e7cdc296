"""`/tasks` (list, create, read, close), `/playbooks` (read) and `/accounts/{external_id}/notes`.

Everyone who may read sees tasks, playbooks and notes; creating and closing tasks and adding notes needs a
write token and `act_on_tasks`, and only on accounts the caller may act on (a CSM their own, a manager
their team's, an admin all; the assignee may also close their task)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Response
from sqlalchemy import select

from dashapp.api.accounts import EXTERNAL_ID, page_response
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.pagination import seal, unseal
from dashapp.api.spec import operation
from dashapp.api.task_schemas import (
    NoteCreate,
    NoteList,
    NoteOut,
    PlaybookList,
    TaskClose,
    TaskCreate,
    TaskListQuery,
    TaskOut,
    TaskPage,
)
from dashapp.extensions import db_session, runtime
from dashapp.tasks.playbooks import list_playbooks
from dashapp.tasks.queries import TaskQuery, account_notes, list_tasks, local_today, one_task
from dashapp.tasks.service import TaskError, add_note, close_task, create_task
from jobs.notify import deliver_soon
from models.account import Account, live

TASK_ID = id_param("task_id", "The task's id.")
_ACT = {"scope": "write", "permission": "act_on_tasks"}


def _now() -> datetime:
    return datetime.now(UTC)


def _refused(exc: TaskError) -> ApiError:
    """The domain's refusal as problem JSON naming the field (path parameters by their own name)."""
    db_session().rollback()
    name = {"task_id": "task_id", "account": "external_id"}.get(exc.field, f"body.{exc.field}")
    return ApiError(exc.status, f"{exc.field}: {exc}", errors=[{"name": name, "message": str(exc)}])


def _account_id(external_id: str) -> int | None:
    return db_session().scalar(select(Account.id).where(Account.external_id == external_id, live(Account)))


def _fingerprint(query: TaskListQuery, user_id: int) -> str:
    return "|".join(str(v) for v in (query.assignee, query.team, query.overdue, query.account_id,
                                     query.status, user_id))  # fmt: skip


def _after(query: TaskListQuery, user_id: int) -> tuple[date, int] | None:
    if not query.cursor:
        return None
    data = unseal(query.cursor)
    try:
        if data.get("f") != _fingerprint(query, user_id):
            raise ValueError("other filters")
        return date.fromisoformat(data["d"]), int(data["id"])
    except (KeyError, TypeError, ValueError):
        raise ApiError(
            400,
            "cursor: this is not a cursor from this listing; start again without one.",
            errors=[{"name": "cursor", "message": "is not a cursor for these filters"}],
        ) from None


def _task_body(task_id: int, user_id: int) -> dict[str, Any]:
    session = db_session()
    row = one_task(session, task_id)
    if row is None:
        raise ApiError(404, f"There is no task {task_id}.")
    return TaskOut.model_validate(row.as_dict(local_today(session, user_id, _now()))).model_dump()


@operation(
    bp, "GET", "/tasks", summary="Tasks", tag="Tasks", query=TaskListQuery, response=TaskPage, errors=(400,)
)
def list_tasks_api(caller: Any, query: TaskListQuery) -> Response:
    """Tasks, soonest due first: `assignee` (`me` or a user id), `team=me`, `overdue`, `account_id`
    (external id) and `status`, a page at a time (follow `next_cursor`, or the `Link` header)."""
    session, me = db_session(), caller.user.id
    today = local_today(session, me, _now())  # overdue in the caller's time zone
    account = None
    if query.account_id is not None:
        account = _account_id(query.account_id) or 0  # no such account: no tasks
    wanted = TaskQuery(
        assignee=me if query.assignee == "me" else (int(query.assignee) if query.assignee else None),
        team_of=me if query.team == "me" else None,
        overdue=query.overdue,
        account_id=account,
        status=(query.status,) if query.status else (),
        limit=query.limit,
        after=_after(query, me),
    )
    rows, more = list_tasks(session, wanted, today)
    cursor = None
    if more and rows:
        last = rows[-1].task
        cursor = seal({"d": last.due_date.isoformat(), "id": last.id, "f": _fingerprint(query, me)})
    data = [TaskOut.model_validate(r.as_dict(today)).model_dump() for r in rows]
    return page_response(data, cursor, query.limit)


@operation(
    bp, "POST", "/tasks", summary="Create a task", tag="Tasks", body=TaskCreate, response=TaskOut,
    status=201, errors=(403,), **_ACT,  # type: ignore[arg-type]
)  # fmt: skip
def create_task_api(caller: Any, body: TaskCreate) -> Response:
    """A task on an account you may act on, due on `due`, for `assignee_id` (default: the account's
    owner). An unknown account or assignee is named in `errors` and nothing is saved. Sends a
    `task.created` webhook event."""
    session = db_session()
    account_id = _account_id(body.account_id)
    if account_id is None:
        message = f"there is no account {body.account_id!r}"
        raise ApiError(
            422, f"account_id: {message}.", errors=[{"name": "body.account_id", "message": message}]
        )
    now = _now()
    try:
        created = create_task(
            session, caller.user, account_id=account_id, title=body.title, due=body.due,
            assignee_id=body.assignee_id, playbook_id=body.playbook_id, now=now,
        )  # fmt: skip
        session.commit()
    except TaskError as exc:
        raise _refused(exc) from None
    rt = runtime()
    deliver_soon(rt.settings, rt.db, webhook_ids=created.webhook_ids)
    return json_response(_task_body(created.task.id, caller.user.id), status=201)


@operation(
    bp, "GET", "/tasks/{task_id}", summary="One task", tag="Tasks", response=TaskOut, errors=(404,),
    path_params=TASK_ID,
)  # fmt: skip
def get_task(caller: Any, task_id: str) -> Response:
    """A task with its account, assignee, due day, status and outcome."""
    return json_response(_task_body(path_id(task_id, "task"), caller.user.id))


@operation(
    bp, "POST", "/tasks/{task_id}/close", summary="Close a task with its outcome", tag="Tasks",
    body=TaskClose, response=TaskOut, errors=(403, 404, 409), path_params=TASK_ID,
    **_ACT,  # type: ignore[arg-type]
)  # fmt: skip
def close_task_api(caller: Any, task_id: str, body: TaskClose) -> Response:
    """Close an open task as `done` (default) or `cancelled`, with the `outcome` (required); it shows on
    the account's timeline."""
    session = db_session()
    pk = path_id(task_id, "task")
    try:
        close_task(session, caller.user, pk, outcome=body.outcome, status=body.status, now=_now())
        session.commit()
    except TaskError as exc:
        if exc.status == 404:
            session.rollback()
            raise ApiError(404, f"There is no task {task_id}.") from None
        raise _refused(exc) from None
    return json_response(_task_body(pk, caller.user.id))


@operation(bp, "GET", "/playbooks", summary="Playbooks", tag="Tasks", response=PlaybookList)
def list_playbooks_api(caller: Any) -> Response:
    """Every playbook with its ordered steps (title, days after the alert opened that it is due) and the
    alert rules that run it (set `playbook_id` on an alert rule)."""
    return json_response({"data": [p.as_dict() for p in list_playbooks(db_session())]})


def _account_pk(external_id: str) -> int:
    pk = _account_id(external_id)
    if pk is None:
        raise ApiError(404, f"There is no account with external id {external_id!r}.")
    return pk


@operation(
    bp, "GET", "/accounts/{external_id}/notes", summary="An account's notes", tag="Tasks",
    response=NoteList, errors=(404,), path_params=EXTERNAL_ID,
)  # fmt: skip
def list_notes(caller: Any, external_id: str) -> Response:
    """The account's notes, newest first (the latest 100)."""
    return json_response({"data": account_notes(db_session(), _account_pk(external_id))})


@operation(
    bp, "POST", "/accounts/{external_id}/notes", summary="Add a note to an account", tag="Tasks",
    body=NoteCreate, response=NoteOut, status=201, errors=(403, 404), path_params=EXTERNAL_ID,
    **_ACT,  # type: ignore[arg-type]
)  # fmt: skip
def create_note(caller: Any, external_id: str, body: NoteCreate) -> Response:
    """A free-text note on the account's timeline, by you."""
    session = db_session()
    pk = _account_pk(external_id)
    try:
        note = add_note(session, caller.user, pk, body.text, now=_now())
        session.commit()
    except TaskError as exc:  # the account (named by its path parameter) or the text
        raise _refused(exc) from None
    author = caller.user.name or caller.user.email
    out = {"id": note.id, "text": note.text, "author_id": note.author_id, "author": author,
           "created_at": note.created_at}  # fmt: skip
    return json_response(NoteOut.model_validate(out).model_dump(), status=201)
