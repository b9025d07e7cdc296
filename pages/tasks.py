"""Tasks: mine, my team's, overdue, all open or recently closed, chosen in the URL (`?view=`); close an
open task with its outcome; add a task (with a playbook's steps) on any account the user may act on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from flask_login import current_user

from components.tasks import make_task_table
from dashapp.auth import can, guarded_callback
from dashapp.extensions import db_session
from dashapp.tasks.queries import MAX_LIMIT, TaskQuery, list_tasks, local_today
from dashapp.tasks.service import TaskError, close_task
from dashapp.ui.new_task import new_task_form, submit

PAGE = "/tasks"
dash.register_page(__name__, path=PAGE, name="Tasks", title="Tasks · healthdash", nav_order=16)

# view -> (button label, what an empty list says)
VIEWS = {
    "mine": ("Mine", "No open tasks assigned to you."),
    "team": ("My team", "No open tasks for your team."),
    "overdue": ("Overdue", "Nothing is overdue."),
    "all": ("All open", "No open tasks."),
    "closed": ("Closed", "No closed tasks yet."),
}


def task_query(view: str, user_id: int) -> TaskQuery:
    """The tasks a view shows for the user."""
    if view == "mine":
        return TaskQuery(assignee=user_id, status=("open",), limit=MAX_LIMIT)
    if view == "team":
        return TaskQuery(team_of=user_id, status=("open",), limit=MAX_LIMIT)
    if view == "overdue":
        return TaskQuery(overdue=True, limit=MAX_LIMIT)
    if view == "closed":
        return TaskQuery(status=("done", "cancelled"), limit=MAX_LIMIT)
    return TaskQuery(status=("open",), limit=MAX_LIMIT)


def _view(query: dict[str, Any]) -> str:
    value = str(query.get("view") or "mine")
    return value if value in VIEWS else "mine"


def _content(view: str) -> Any:
    today = local_today(db_session(), current_user.id, datetime.now(UTC))  # overdue in the viewer's zone
    rows, _more = list_tasks(db_session(), task_query(view, current_user.id), today)
    tasks = [r.as_dict(today) for r in rows]
    return make_task_table(tasks, today, can_close=can(current_user, "act_on_tasks"), empty=VIEWS[view][1])


def _switches(current: str) -> Any:
    links = [
        html.A(
            label,
            href=f"{PAGE}?view={view}",
            id=f"tasks-view-{view}",
            className="btn btn-sm " + ("btn-secondary" if view == current else "btn-outline-secondary"),
            **({"aria-current": "page"} if view == current else {}),
        )
        for view, (label, _empty) in VIEWS.items()
    ]
    return html.Nav(
        html.Div(links, className="btn-group flex-wrap", role="group"),
        className="mb-2",
        **{"aria-label": "Which tasks"},
    )


def _new_task() -> Any:
    return html.Details(
        [
            html.Summary("New task", className="btn btn-sm btn-outline-primary mb-2", id="tasks-new-open"),
            dbc.Card(dbc.CardBody(new_task_form("tasks-new", pick_account=True)), className="mb-3"),
        ]
    )


def layout(**query: Any) -> html.Div:
    view = _view(query)
    return html.Div(
        [
            html.H1("Tasks", className="page-title"),
            html.P(
                "Follow-ups on your accounts: opened by hand or by an alert rule's playbook. "
                "Close a task with what came of it; the outcome goes on the account's timeline.",
                className="page-subtitle mb-2",
            ),
            *([_new_task()] if can(current_user, "act_on_tasks") else []),
            _switches(view),
            html.P(id="tasks-result", className="small mb-2", role="status"),
            html.Div(_content(view), id="tasks-list"),
            dcc.Store(id="tasks-view", data=view),
        ]
    )


@guarded_callback(
    "act_on_tasks",
    Output("tasks-result", "children"),
    Output("tasks-list", "children"),
    Input({"type": "task-close", "id": ALL}, "n_clicks"),
    State({"type": "task-outcome", "id": ALL}, "value"),
    State({"type": "task-outcome", "id": ALL}, "id"),
    State("tasks-view", "data"),
    prevent_initial_call=True,
)
def close(clicks: list, outcomes: list, ids: list, view: str | None) -> tuple:
    trigger = dash.ctx.triggered_id
    if not isinstance(trigger, dict) or not any(clicks):
        return dash.no_update, dash.no_update
    task_id = int(trigger["id"])
    outcome = next((o for i, o in zip(ids, outcomes, strict=False) if i["id"] == task_id), None)
    session = db_session()
    try:
        task = close_task(session, current_user, task_id, outcome=outcome or "", now=datetime.now(UTC))
        session.commit()
    except TaskError as exc:
        session.rollback()
        return f"Not closed: {exc}.", dash.no_update
    return f"Closed “{task.title}”: {task.outcome}", _content(_view({"view": view}))


@guarded_callback(
    "act_on_tasks",
    Output("tasks-new-result", "children"),
    Output("tasks-list", "children", allow_duplicate=True),
    Output("tasks-new-title", "value"),
    Input("tasks-new-add", "n_clicks"),
    State("tasks-new-account", "value"),
    State("tasks-new-title", "value"),
    State("tasks-new-due", "value"),
    State("tasks-new-assignee", "value"),
    State("tasks-new-playbook", "value"),
    State("tasks-view", "data"),
    prevent_initial_call=True,
)
def add(_clicks: Any, account: Any, title: str | None, due: str | None, assignee: Any, playbook: Any,
        view: str | None) -> tuple:  # fmt: skip
    account_id = int(account) if str(account or "").isdigit() else None
    added, said = submit(account_id, title, due, assignee, playbook)
    if not added:
        return said, dash.no_update, dash.no_update
    return said, _content(_view({"view": view})), ""
