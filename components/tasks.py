"""Tasks as Dash components: the due day (overdue said in words, not only colour), the Tasks page's table
with a close-with-outcome control per open task, an account's open tasks, and the New task form."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.a11y import hidden_label, select

NONE = "\u2013"
PHONE_HIDDEN = "d-none d-md-table-cell"  # columns left out at phone width


def make_due(due: date, today: date, status: str = "open") -> html.Span:
    """`12 Dec 2026`, and for an open task `overdue by 3 days` / `due today` in text beside the badge."""
    text = f"{due:%d %b %Y}"
    if status != "open":
        return html.Span(text, className="text-nowrap")
    late = (today - due).days
    if late > 0:
        return html.Span(
            [
                text,
                " ",
                dbc.Badge("Overdue", color="danger", className="ms-1"),
                html.Span(f" by {late} day{'' if late == 1 else 's'}", className="small"),
            ],
            className="task-overdue",
        )
    if late == 0:
        return html.Span([text, html.Span(" (due today)", className="small")], className="text-nowrap")
    return html.Span(text, className="text-nowrap")


def _close_control(task: dict[str, Any]) -> Any:
    label = f"Outcome for “{task['title']}” on {task['account']['name']}"
    outcome_id = {"type": "task-outcome", "id": task["id"]}
    return html.Div(
        [
            hidden_label(label, outcome_id),
            dbc.Input(
                id=outcome_id, placeholder="Outcome", size="sm", maxLength=2000, style={"minWidth": "8rem"}
            ),
            dbc.Button(
                "Close",
                id={"type": "task-close", "id": task["id"]},
                size="sm",
                color="primary",
                title=f"Close “{task['title']}” with this outcome",
            ),
        ],
        className="d-flex flex-wrap gap-1 align-items-center task-close",
    )


def _row(task: dict[str, Any], today: date, can_close: bool) -> html.Tr:
    account = task["account"]
    if task["status"] == "open":
        last = _close_control(task) if can_close else NONE
    else:
        last = html.Span([html.Span(f"{task['status']}: ", className="fw-semibold"), task["outcome"] or NONE])
    return html.Tr(
        [
            html.Td(
                dcc.Link(
                    account["name"], href=f"/accounts/{account['external_id']}", className="task-account"
                )
            ),
            html.Td(task["title"], className="task-title"),
            html.Td(make_due(task["due"], today, task["status"])),
            html.Td(task["assignee"] or "unassigned", className=PHONE_HIDDEN),
            html.Td(last),
        ],
        className="task-row",
    )


def make_task_table(tasks: list[dict[str, Any]], today: date, *, can_close: bool, empty: str) -> Any:
    """The Tasks page's list: account (a link), task, due, assignee, and close-with-outcome."""
    if not tasks:
        return html.P(empty, className="text-body-secondary", id="tasks-empty")
    head = html.Thead(
        html.Tr(
            [
                html.Th("Account", scope="col"),
                html.Th("Task", scope="col"),
                html.Th("Due", scope="col"),
                html.Th("Assignee", scope="col", className=PHONE_HIDDEN),
                html.Th("Outcome", scope="col"),
            ]
        )
    )
    return html.Div(
        [
            html.P(f"{len(tasks)} task(s)", className="small text-body-secondary", id="tasks-count"),
            html.Div(
                dbc.Table(
                    [head, html.Tbody([_row(t, today, can_close) for t in tasks])],
                    hover=True,
                    size="sm",
                    id="tasks-table",
                ),
                className="table-responsive",
            ),
        ]
    )


def make_account_tasks(tasks: list[dict[str, Any]], today: date) -> Any:
    """An account's open tasks, soonest due first, with a link to the Tasks page."""
    if not tasks:
        body: Any = html.P("No open tasks on this account.", className="text-body-secondary mb-2")
    else:
        body = html.Ul(
            [
                html.Li(
                    [html.Span(t["title"], className="fw-semibold"), " · ", make_due(t["due"], today),
                     html.Span(f" · {t['assignee'] or 'unassigned'}", className="text-body-secondary")],
                    className="mb-1",
                )
                for t in tasks
            ],
            className="list-unstyled small mb-2",
            id="account-tasks",
        )  # fmt: skip
    return html.Div([body, dcc.Link("All tasks", href="/tasks?view=all", className="small")])


def make_new_task_form(
    prefix: str,
    *,
    due: date,
    users: Sequence[tuple[str, str]],
    playbooks: Sequence[tuple[str, str]],
    accounts: Sequence[tuple[str, str]] | None = None,
) -> html.Div:
    """The New task form: (account,) title, due date, assignee, optional playbook. Ids start with `prefix`;
    `accounts` (value, label) adds an account picker (the Tasks page)."""

    def field(label: str, control: Any, key: str, md: int) -> dbc.Col:
        return dbc.Col(
            [dbc.Label(label, html_for=f"{prefix}-{key}", className="small mb-1"), control],
            md=md,
            className="mb-2",
        )

    def choice(key: str, first: str, choices: Sequence[tuple[str, str]]) -> dbc.Select:
        options = [{"label": first, "value": ""}, *({"label": t, "value": v} for v, t in choices)]
        return select(id=f"{prefix}-{key}", options=options, value="", size="sm")

    cols = []
    if accounts is not None:
        cols.append(field("Account", choice("account", "Choose an account", accounts), "account", 4))
    cols += [
        field(
            "Title", dbc.Input(id=f"{prefix}-title", maxLength=200, size="sm"), "title", 4 if accounts else 8
        ),
        field("Due", dbc.Input(id=f"{prefix}-due", type="date", value=due.isoformat(), size="sm"), "due", 4),
        field("Assignee", choice("assignee", "The account's owner", users), "assignee", 6),
        field("Playbook (its steps open too)", choice("playbook", "None", playbooks), "playbook", 6),
    ]
    return html.Div(
        [
            dbc.Row(cols, className="g-2"),
            html.Div(
                [
                    dbc.Button("Add task", id=f"{prefix}-add", size="sm", color="primary"),
                    html.Span(id=f"{prefix}-result", className="small ms-2", role="status"),
                ],
                className="d-flex align-items-center",
            ),
        ],
        id=f"{prefix}-form",
    )
