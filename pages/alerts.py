"""Alerts: the alert centre, filtered like every page through its URL (mine, team, severity, rule, state),
with bulk acknowledge, snooze and resolve; each change moves the bells of the people it concerns."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from flask_login import current_user
from pydantic import ValidationError

from components.a11y import hidden_label
from dashapp.alerts.queries import AlertQuery, AlertRow, list_alerts, rule_names
from dashapp.auth import guarded_callback
from dashapp.extensions import db_session
from dashapp.ui.alert_actions import SEVERITY_COLORS, act_and_tell

PAGE = "/alerts"
dash.register_page(__name__, path=PAGE, name="Alerts", title="Alerts · healthdash", nav_order=15)

STATE_CHOICES = ("open", "acknowledged", "snoozed", "resolved")
ACTIONS = {"alerts-ack": "acknowledge", "alerts-snooze": "snooze", "alerts-resolve": "resolve"}


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else str(value).split(",")) if str(v).strip()]


def parse_query(query: dict[str, Any]) -> tuple[AlertQuery, list[str]]:
    """The page's filters from its URL; bad values are named and left out."""
    values: dict[str, Any] = {
        "state": _list(query.get("state")) or ["open", "acknowledged"],
        "severity": _list(query.get("severity")),
        "rule": _list(query.get("rule")),
        "mine": str(query.get("mine", "")).lower() in ("1", "true", "yes"),
        "team": str(query.get("team", "")).lower() in ("1", "true", "yes"),
        "limit": 200,
    }
    errors: list[str] = []
    for key in ("state", "severity", "rule"):
        try:
            AlertQuery.model_validate({key: values[key]})
        except ValidationError:
            errors.append(f"{key}: {', '.join(values[key])} is not valid; it was left out")
            values[key] = ["open", "acknowledged"] if key == "state" else []
    return AlertQuery.model_validate(values), errors


def _row(row: AlertRow) -> html.Tr:
    a = row.alert
    return html.Tr(
        [
            html.Td(
                dbc.Checkbox(
                    id={"type": "alert-pick", "id": a.id},
                    value=False,
                    label=f"Select: {row.rule_name} on {row.account_name}",
                    label_class_name="visually-hidden",
                )
            ),
            html.Td(dbc.Badge(a.severity, color=SEVERITY_COLORS.get(a.severity, "secondary"))),
            html.Td(
                dcc.Link(
                    row.account_name, href=f"/accounts/{row.account_external_id}", className="alert-account"
                )
            ),
            html.Td(row.rule_name),
            html.Td(a.state),
            html.Td(f"{a.opened_at:%d %b %Y %H:%M}"),
        ],
        className="alert-row",
    )


def _table(rows: list[AlertRow], total: int) -> Any:
    if not rows:
        return html.P("No alerts match.", className="text-body-secondary", id="alerts-empty")
    head = html.Thead(html.Tr([html.Th(""), html.Th("Severity"), html.Th("Account"), html.Th("Rule"),
                               html.Th("State"), html.Th("Opened")]))  # fmt: skip
    return html.Div(
        [
            html.P(f"{total} alert(s)", className="small text-body-secondary", id="alerts-count"),
            dbc.Table(
                [head, html.Tbody([_row(r) for r in rows])],
                hover=True,
                size="sm",
                responsive=True,
                id="alerts-table",
            ),
        ]
    )


def _filter_links(query: AlertQuery) -> Any:
    def link(label: str, **params: str) -> dbc.Button:
        return dbc.Button(label, href=f"{PAGE}?{urlencode(params)}" if params else PAGE, size="sm",
                          color="secondary", outline=True, className="me-1")  # fmt: skip

    rules = rule_names(db_session())
    return html.Div(
        [
            link("All open"),
            link("Mine", mine="1"),
            link("My team", team="1"),
            link("Critical", severity="critical"),
            link("Snoozed", state="snoozed"),
            link("Resolved", state="resolved"),
            dbc.DropdownMenu(
                [dbc.DropdownMenuItem(name, href=f"{PAGE}?rule={rid}") for rid, name in rules],
                label="Rule",
                size="sm",
                color="secondary",
                className="d-inline-block",
            ),
        ],
        className="mb-2",
    )


def _bulk_bar() -> Any:
    return dbc.Row(
        [
            dbc.Col(
                dbc.Button("Acknowledge selected", id="alerts-ack", size="sm", color="primary"), width="auto"
            ),
            dbc.Col(
                [
                    hidden_label("Snooze for (days)", "alerts-snooze-days"),
                    dbc.Input(id="alerts-snooze-days", type="number", min=1, max=90, value=3, size="sm"),
                ],
                width=1,
            ),
            dbc.Col(
                [
                    hidden_label("Reason (a snooze needs one)", "alerts-snooze-reason"),
                    dbc.Input(id="alerts-snooze-reason", placeholder="Reason", size="sm"),
                ],
                md=3,
            ),
            dbc.Col(
                dbc.Button("Snooze selected", id="alerts-snooze", size="sm", color="secondary"), width="auto"
            ),
            dbc.Col(
                dbc.Button("Resolve selected", id="alerts-resolve", size="sm", color="secondary"),
                width="auto",
            ),
            dbc.Col(html.Span(id="alerts-action-result", className="small", role="status")),
        ],
        className="g-2 mb-2 align-items-center",
    )


def layout(**query: Any) -> html.Div:
    wanted, errors = parse_query(query)
    rows, total = list_alerts(db_session(), wanted, current_user.id)
    return html.Div(
        [
            html.H1("Alerts", className="page-title"),
            html.P(
                [
                    "What needs attention on your accounts. ",
                    dcc.Link(
                        "The rules, and how noisy each one is", href="/alerts/rules", id="alert-rules-link"
                    ),
                ],
                className="page-subtitle mb-2",
            ),
            *([dbc.Alert("; ".join(errors), color="warning")] if errors else []),
            _filter_links(wanted),
            _bulk_bar(),
            html.Div(_table(rows, total), id="alerts-list"),
            dcc.Store(id="alerts-query", data=query),
        ]
    )


@guarded_callback(
    "act_on_alerts",
    Output("alerts-action-result", "children"),
    Output("alerts-list", "children"),
    Input("alerts-ack", "n_clicks"),
    Input("alerts-snooze", "n_clicks"),
    Input("alerts-resolve", "n_clicks"),
    State({"type": "alert-pick", "id": ALL}, "value"),
    State({"type": "alert-pick", "id": ALL}, "id"),
    State("alerts-snooze-days", "value"),
    State("alerts-snooze-reason", "value"),
    State("alerts-query", "data"),
    prevent_initial_call=True,
)
def bulk_action(
    _ack: Any, _snooze: Any, _resolve: Any, picks: list, ids: list, days: Any, reason: str | None, query: dict
) -> tuple:
    chosen = [i["id"] for i, picked in zip(ids, picks, strict=False) if picked]
    if not chosen:
        return "Select alerts first.", dash.no_update
    action = ACTIONS.get(str(dash.ctx.triggered_id), "acknowledge")
    now = datetime.now(UTC)
    until = None
    if action == "snooze":
        try:
            until = datetime.combine(now.date() + timedelta(days=int(days)), time(9), UTC)
        except (TypeError, ValueError):
            return "Snooze for a number of days.", dash.no_update
    done, said = act_and_tell(action, chosen, until=until, reason=reason or "")
    if not done:
        return said, dash.no_update
    wanted, _errors = parse_query(query or {})
    rows, total = list_alerts(db_session(), wanted, current_user.id)
    return said, _table(rows, total)
