"""The New task form on the account page and the Tasks page: its choices (assignees, playbooks, and on the
Tasks page the accounts the user may act on) and turning a submission into `dashapp.tasks.service.
create_task`, which checks everything; this module only reads the form's values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_login import current_user
from sqlalchemy import select

from components.tasks import make_new_task_form
from dashapp.extensions import db_session, runtime
from dashapp.ownership import actable_accounts, possible_owners
from dashapp.tasks.playbooks import list_playbooks
from dashapp.tasks.queries import local_today
from dashapp.tasks.service import TaskError, create_task
from jobs.notify import deliver_soon
from models.account import Account

MAX_ACCOUNTS = 2000  # the Tasks page's picker; past that, start from the account's page


def new_task_form(prefix: str, *, pick_account: bool) -> Any:
    """The form for the logged-in user, due today (their today) by default."""
    session = db_session()
    accounts = None
    if pick_account:
        rows = session.execute(
            select(Account.id, Account.name)
            .where(actable_accounts(current_user), Account.churned_at.is_(None))
            .order_by(Account.name)
            .limit(MAX_ACCOUNTS)
        )
        accounts = [(str(i), name) for i, name in rows]
    return make_new_task_form(
        prefix,
        due=local_today(session, current_user.id, datetime.now(UTC)),
        users=[(str(u.id), u.display_name) for u in possible_owners(session)],
        playbooks=[(str(p.id), p.name) for p in list_playbooks(session)],
        accounts=accounts,
    )


def _id(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def submit(
    account_id: int | None, title: str | None, due: str | None, assignee: Any, playbook: Any
) -> tuple[bool, str]:
    """Create the task (and its playbook's steps): whether it was added, and the sentence to show.
    Nothing is saved on an error."""
    if account_id is None:
        return False, "Not added: account: choose an account."
    try:
        due_day = date.fromisoformat(str(due or ""))
    except ValueError:
        return False, "Not added: due: give the day it is due."
    session = db_session()
    try:
        created = create_task(
            session, current_user, account_id=account_id, title=title or "", due=due_day,
            assignee_id=_id(assignee), playbook_id=_id(playbook), now=datetime.now(UTC),
        )  # fmt: skip
        session.commit()
    except TaskError as exc:
        session.rollback()
        return False, f"Not added: {exc.field.removesuffix('_id')}: {exc}."
    rt = runtime()
    deliver_soon(rt.settings, rt.db, webhook_ids=created.webhook_ids)
    steps = f" and {len(created.step_tasks)} playbook step(s)" if created.step_tasks else ""
    return True, f"Added “{created.task.title}”{steps}."
