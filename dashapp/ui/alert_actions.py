"""Acting on alerts from the UI (the Alerts page's bulk bar, the account page's open alerts): one call that
applies `lifecycle.act`, commits and tells the bells of everyone whose unread count moved; and the account
page's card of open alerts with Acknowledge and Resolve per alert."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, html
from flask_login import current_user

from dashapp.alerts.lifecycle import AlertActionError, act
from dashapp.alerts.queries import AlertQuery, list_alerts
from dashapp.auth import can, guarded_callback
from dashapp.extensions import db_session, runtime

DONE = {"acknowledge": "acknowledged", "snooze": "snoozed", "resolve": "resolved"}
SEVERITY_COLORS = {"critical": "danger", "warning": "warning", "info": "info"}
UNRESOLVED: tuple[Literal["open", "acknowledged", "snoozed"], ...] = ("open", "acknowledged", "snoozed")


def act_and_tell(
    action: str, ids: Sequence[int], *, until: datetime | None = None, reason: str = ""
) -> tuple[bool, str]:
    """Apply `action` to every alert in `ids` (or to none), commit, move the bells: whether anything was
    applied, and the sentence to show."""
    session = db_session()
    try:
        result = act(session, current_user, action, ids, now=datetime.now(UTC), until=until, reason=reason)
        session.commit()
    except AlertActionError as exc:
        session.rollback()
        return False, f"Nothing changed: {exc}"
    runtime().tell_bells(result.user_ids)
    return True, f"{len(result.changed)} alert(s) {DONE[action]}."


def _row(row: Any, may_act: bool) -> html.Li:
    a = row.alert
    buttons = []
    if may_act:
        for action, label in (("acknowledge", "Acknowledge"), ("resolve", "Resolve")):
            if action == "acknowledge" and a.state != "open":
                continue
            buttons.append(
                dbc.Button(
                    [label, html.Span(f" {row.rule_name}", className="visually-hidden")],
                    id={"type": "account-alert-act", "action": action, "id": a.id},
                    size="sm",
                    color="secondary",
                    outline=True,
                    className="ms-1",
                )
            )
    return html.Li(
        [
            dbc.Badge(a.severity, color=SEVERITY_COLORS.get(a.severity, "secondary"), className="me-1"),
            html.Span(row.rule_name, className="fw-semibold"),
            html.Span(f" · {a.state} since {a.opened_at:%d %b %Y}", className="text-body-secondary"),
            *buttons,
        ],
        className="mb-1 account-alert",
    )


def account_alerts(external_id: str) -> Any:
    """The account's alerts that are not resolved, newest first, with their actions for those allowed."""
    query = AlertQuery(account=external_id, state=UNRESOLVED, limit=50)
    rows, _total = list_alerts(db_session(), query, current_user.id)
    if not rows:
        return html.P("No open alerts on this account.", className="text-body-secondary small mb-0")
    may_act = can(current_user, "act_on_alerts")
    return html.Ul(
        [_row(r, may_act) for r in rows], className="list-unstyled small mb-0", id="account-alerts"
    )


@guarded_callback(
    "act_on_alerts",
    Output("account-alerts-result", "children"),
    Output("account-alerts-box", "children"),
    Input({"type": "account-alert-act", "action": ALL, "id": ALL}, "n_clicks"),
    State("account-id", "children"),
    prevent_initial_call=True,
)
def act_on_account_alert(clicks: list, external_id: str) -> tuple:
    clicked = dash.ctx.triggered_id
    if not isinstance(clicked, dict) or not any(clicks or []):
        raise dash.exceptions.PreventUpdate  # buttons drawn again, not clicked
    _done, said = act_and_tell(str(clicked["action"]), [int(clicked["id"])])
    return said, account_alerts(external_id)
