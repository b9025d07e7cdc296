"""Account: one account's health (history with events, breakdown, why it moved), open tasks, notes,
timeline and contacts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html
from flask_login import current_user

from components.a11y import dom_id
from components.filter_bar import PERIODS, fid, make_page_query_store
from components.forecasts import make_account_forecast
from components.format import format_money
from components.health_charts import contribution_waterfall, score_history
from components.measure_changes import make_measure_changes_table
from components.messages import make_empty_state
from components.tables import make_score_badge
from components.tasks import make_account_tasks
from dashapp.auth import can, guarded_callback
from dashapp.explore.registry import ExplorePage, declare
from dashapp.exports.csvfile import history_rows, rows_writer
from dashapp.extensions import db_session
from dashapp.filters import DEFAULT_TREND_DAYS, Filters
from dashapp.queries import account as q
from dashapp.queries.forecasts import account_forecast
from dashapp.share.render import account_sections
from dashapp.tasks.queries import TaskQuery, list_tasks, local_today
from dashapp.tasks.service import TaskError, add_note
from dashapp.ui.alert_actions import account_alerts
from dashapp.ui.churn import account_churn_card
from dashapp.ui.new_task import new_task_form, submit
from dashapp.ui.override import override_panel
from dashapp.ui.page import card, from_url, graph, loading, page_header, theme, theme_id, theme_store

PAGE = "/accounts/<external_id>"
dash.register_page(
    __name__,
    path_template="/accounts/<external_id>",
    name="Account",
    title="Account · healthdash",
)
EXPLORE = declare(
    ExplorePage(
        "/accounts/",
        "Account",
        prefix=True,
        saveable=True,
        exportable=True,
        shareable=True,
        sections=account_sections,
        csv=rows_writer(history_rows),
        words=lambda target: f"Account {target.page.removeprefix('/accounts/')}",
        filters_line=False,
    )
)

NONE = "\u2013"
KIND_COLORS = {
    "usage": "info", "ticket": "warning", "invoice": "secondary", "survey": "primary", "alert": "danger",
    "note": "success", "task": "dark",
}  # fmt: skip


def _arr(view: q.AccountView) -> str:
    """ARR as billed and, for another currency, in the reporting currency."""
    a = view.account
    native = format_money(a.arr, a.currency, compact=False)
    if a.currency == view.reporting_currency:
        return native
    if view.arr_reporting is None:
        return f"{native} (no {view.reporting_currency} rate)"
    return f"{native} ({format_money(view.arr_reporting, view.reporting_currency, compact=False)})"


def _facts(view: q.AccountView) -> html.Div:
    a = view.account
    items = [
        ("Segment", a.segment or NONE),
        ("Plan", a.plan or NONE),
        ("Region", a.region or NONE),
        ("Stage", a.lifecycle_stage or NONE),
        ("Owner", view.owner_name or "unassigned"),
        ("ARR", _arr(view)),
        ("Renewal", f"{a.renewal_date:%d %b %Y}" if a.renewal_date else NONE),
        ("Status", f"churned {a.churned_at:%d %b %Y}" if a.churned_at else "active"),
    ]
    return html.Div(
        [
            html.Span([html.Span(k + ": ", className="text-body-secondary"), v], className="me-3 text-nowrap")
            for k, v in items
        ],
        className="d-flex flex-wrap small mb-3",
        id="account-facts",
    )


def _timeline(events: list[dict[str, Any]]) -> Any:
    if not events:
        return html.P(
            "No usage, tickets, invoices or survey answers recorded yet.",
            className="text-body-secondary mb-0",
        )
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(f"{e['at']:%d %b %Y}", className="text-body-secondary me-2 text-nowrap"),
                    dbc.Badge(e["kind"], color=KIND_COLORS.get(e["kind"], "light"), className="me-1"),
                    " ",
                    e["text"],
                ],
                className="timeline-item",
            )
            for e in events
        ],
        className="list-unstyled small mb-0 timeline",
        id="account-timeline",
    )


def _contacts(view: q.AccountView) -> Any:
    people = q.contacts(db_session(), view.account.id)
    if not people:
        return html.P("No contacts linked to this account yet.", className="text-body-secondary mb-0")
    rows = [
        html.Tr(
            [
                html.Td(c.name or NONE),
                html.Td(c.title or NONE),
                html.Td(c.email or NONE),
                html.Td(f"{c.last_seen_at:%d %b %Y}" if c.last_seen_at else "never"),
            ]
        )
        for c in people
    ]
    head = html.Thead(html.Tr([html.Th("Name"), html.Th("Title"), html.Th("Email"), html.Th("Last seen")]))
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", responsive=True, className="mb-0", id="account-contacts"
    )


def _open_tasks(account_id: int) -> Any:
    today = local_today(db_session(), current_user.id, datetime.now(UTC))  # overdue in the viewer's zone
    rows, _more = list_tasks(db_session(), TaskQuery(account_id=account_id, status=("open",)), today)
    return make_account_tasks([r.as_dict(today) for r in rows], today)


def _task_box() -> Any:
    """New task (people who may act on accounts; the service checks this account)."""
    if not can(current_user, "act_on_tasks"):
        return None
    return html.Details(
        [
            html.Summary(
                "New task", className="btn btn-sm btn-outline-primary mt-2", id="account-newtask-open"
            ),
            html.Div(new_task_form("account-newtask", pick_account=False), className="mt-2"),
        ]
    )


def _note_box() -> Any:
    """A note for the timeline (people who may act on accounts; the callback checks this account)."""
    if not can(current_user, "act_on_tasks"):
        return html.P(
            "Notes are added by the account's CSM, their manager or an admin.", className="small mb-0"
        )
    return html.Div(
        [
            dbc.Label("Note for the timeline", html_for="account-note-text", className="small mb-1"),
            dbc.Textarea(
                id="account-note-text", rows=3, maxLength=5000, placeholder="What happened, what was agreed"
            ),
            html.Div(
                [
                    dbc.Button("Add note", id="account-note-add", size="sm", color="primary"),
                    html.Span(id="account-note-result", className="small ms-2", role="status"),
                ],
                className="mt-2 d-flex align-items-center",
            ),
        ]
    )


def content(external_id: str, filters: Filters, theme_name: str | None) -> list[Any]:
    session = db_session()
    view = q.find_account(session, external_id)
    if view is None:
        return [
            make_empty_state(
                "No such account",
                f"No account has the id {external_id!r}. Find it on the Accounts page.",
                id="account-missing",
            )
        ]
    start, end = filters.trend_window()
    rows = q.history(session, view.account.id, start, end)
    notes = q.annotations(session, view.account.id, start, end)
    health = view.health
    why = (health.explanation_text if health else "") or "No change explained yet."
    history_fig = score_history(
        [r["day"] for r in rows],
        [r["score"] for r in rows],
        theme_name,
        annotations=notes,
        overridden=[r["overridden"] for r in rows],
    )
    measures = view.latest.measures if view.latest else []
    waterfall = contribution_waterfall(measures, view.latest.score if view.latest else None, theme_name)
    changes = q.measure_changes(session, view.latest)
    return [
        html.Div(
            [
                make_score_badge(health.score if health else None, health.band if health else None),
                html.Span(
                    " overridden" if health and health.overridden else "",
                    className="small text-body-secondary",
                ),
                html.Span(why, className="ms-2", id="account-why"),
            ],
            className="mb-2",
        ),
        _facts(view),
        account_churn_card(view.account.id),
        html.Div(
            card(
                "Open alerts",
                [
                    html.Div(account_alerts(external_id), id="account-alerts-box"),
                    html.Span(id="account-alerts-result", className="small", role="status"),
                ],
            ),
            className="mb-3",
        ),
        html.Div(card("Manual override", override_panel(view.account.id)), className="mb-3"),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Score history",
                        graph(history_fig, "account-history"),
                        note=f"{start:%d %b %Y} to {end:%d %b %Y}",
                    ),
                    lg=7,
                ),
                dbc.Col(
                    card(
                        "What makes up the score",
                        graph(waterfall, "account-waterfall"),
                        note="points per measure",
                    ),
                    lg=5,
                ),
            ],
            className="g-3 mb-3",
        ),
        html.Div(
            card(
                "Why it moved, measure by measure",
                make_measure_changes_table(changes["rows"], changes["since"]),
                note="cited effect: the points of the score's change put down to the measures the sentence names",
            ),
            className="mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Open tasks",
                        [html.Div(_open_tasks(view.account.id), id="account-tasks-box"), _task_box()],
                        id="account-tasks-card",
                    ),
                    lg=5,
                ),
                dbc.Col(card("Add a note", _note_box()), lg=7),
            ],
            className="g-3 mb-3",
        ),
        dbc.Row(
            [
                dbc.Col(
                    card(
                        "Timeline",
                        html.Div(_timeline(q.timeline(session, view.account.id)), id="account-timeline-box"),
                    ),
                    lg=7,
                ),
                dbc.Col(card("Contacts", _contacts(view)), lg=5),
            ],
            className="g-3",
        ),
        make_account_forecast(account_forecast(session, view.account.id), theme_name),
    ]


def layout(external_id: str = "", **query: Any) -> html.Div:
    state = from_url(query)
    view = q.find_account(db_session(), external_id)
    title = view.account.name if view else "Account"
    page = f"/accounts/{external_id}"
    period = dbc.Select(
        id=fid("period", PAGE),
        options=[{"label": lab, "value": val} for lab, val in PERIODS],
        value=str(state.filters.period or DEFAULT_TREND_DAYS),
        size="sm",
        name="Trend period",
    )
    return html.Div(
        [
            page_header(title, f"Account {external_id}", page),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Label(
                            "Score history over", className="small mb-0", html_for=dom_id(fid("period", PAGE))
                        ),
                        width="auto",
                    ),
                    dbc.Col(period, xs=6, md=3, lg=2),
                ],
                className="mb-2 g-2 align-items-center",
            ),
            html.Div(id="fb-errors"),
            html.Div(id="filter-bar", hidden=True),
            theme_store(PAGE),
            make_page_query_store(page, f"period={state.filters.period}" if state.filters.period else ""),
            html.Div(external_id, id="account-id", hidden=True),
            loading(content(external_id, state.filters, theme()), "account-content"),
        ]
    )


@dash.callback(
    Output("account-content", "children"),
    Output({"type": "page-query", "page": dash.ALL}, "data"),
    Input(fid("period", PAGE), "value"),
    Input(theme_id(PAGE), "data"),
    State("account-id", "children"),
    prevent_initial_call=True,
)
def update(period: str | None, theme_name: str | None, external_id: str) -> tuple:
    filters = (
        Filters(period=int(period))
        if period and period.isdigit() and period != str(DEFAULT_TREND_DAYS)
        else Filters()
    )
    q_string = f"period={filters.period}" if filters.period else ""
    state = {"path": f"/accounts/{external_id}", "q": q_string, "replace": False}
    return content(external_id, filters, theme_name), [state]


@guarded_callback(
    "act_on_tasks",
    Output("account-note-result", "children"),
    Output("account-timeline-box", "children"),
    Output("account-note-text", "value"),
    Input("account-note-add", "n_clicks"),
    State("account-note-text", "value"),
    State("account-id", "children"),
    prevent_initial_call=True,
)
def add_account_note(_clicks: Any, text: str | None, external_id: str) -> tuple:
    session = db_session()
    view = q.find_account(session, external_id)
    if view is None:
        return "No such account.", dash.no_update, dash.no_update
    try:
        add_note(session, current_user, view.account.id, text or "", now=datetime.now(UTC))
        session.commit()
    except TaskError as exc:
        session.rollback()
        return f"Not added: {exc}.", dash.no_update, dash.no_update
    return "Note added to the timeline.", _timeline(q.timeline(session, view.account.id)), ""


@guarded_callback(
    "act_on_tasks",
    Output("account-newtask-result", "children"),
    Output("account-tasks-box", "children"),
    Output("account-newtask-title", "value"),
    Input("account-newtask-add", "n_clicks"),
    State("account-newtask-title", "value"),
    State("account-newtask-due", "value"),
    State("account-newtask-assignee", "value"),
    State("account-newtask-playbook", "value"),
    State("account-id", "children"),
    prevent_initial_call=True,
)
def add_account_task(
    _clicks: Any, title: str | None, due: str | None, assignee: Any, playbook: Any, external_id: str
) -> tuple:
    view = q.find_account(db_session(), external_id)
    added, said = submit(view.account.id if view else None, title, due, assignee, playbook)
    if not added or view is None:
        return said, dash.no_update, dash.no_update
    return said, _open_tasks(view.account.id), ""
