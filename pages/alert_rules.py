"""Alert rules: each rule with what it watches, its effective escalation policy, and whether it is worth its
noise (alerts per week, share acknowledged, median time to acknowledge, share followed by churn within 90
days against the base rate). People who may manage rules create, edit, enable and disable them here; the
form is validated by the API's own `RuleSpec` and saved through the same rule service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, dcc, html
from flask_login import current_user
from sqlalchemy.orm import Session

from components.rule_editor import make_param_fields, make_rule_errors, make_rule_form
from dashapp.alerts.evaluate import spec_of
from dashapp.alerts.queries import rule_escalations
from dashapp.alerts.stats import HORIZON_DAYS, RuleNoise, rule_noise
from dashapp.auth import can, guarded_callback
from dashapp.extensions import db_session
from dashapp.ui import rule_form
from models.alert import AlertRule

PAGE = "/alerts/rules"
# Reached from the Alerts page (not the Admin menu: every role may read the rules).
dash.register_page(__name__, path=PAGE, name="Alert rules", title="Alert rules · healthdash")
NONE = "\u2013"
MANAGE = "manage_alert_rules"


def _pct(value: float | None) -> str:
    return NONE if value is None else f"{value:.0%}"


def _escalation(policy: tuple[str, bool] | None) -> Any:
    if policy is None:
        return NONE
    words, by_default = policy
    return [words, html.Span(" (severity default)", className="text-muted")] if by_default else words


def _enabled(r: RuleNoise, manage: bool) -> Any:
    if not manage:
        return "on" if r.enabled else "off"
    return dbc.Switch(
        id={"type": "rule-enabled", "id": r.rule_id},
        value=r.enabled,
        label=f"Enabled: {r.name}",
        label_class_name="visually-hidden",
        className="mb-0",
    )


def _row(r: RuleNoise, policy: tuple[str, bool] | None, manage: bool) -> html.Tr:
    lift = NONE
    if r.churned_share is not None and r.base_rate:
        lift = f"{r.churned_share / r.base_rate:.1f}x"
    edit = dbc.Button(
        ["Edit", html.Span(f" {r.name}", className="visually-hidden")],
        id={"type": "rule-edit", "id": r.rule_id},
        size="sm",
        color="secondary",
        outline=True,
    )
    return html.Tr(
        [
            html.Td(r.name),
            html.Td(r.kind),
            html.Td(_enabled(r, manage)),
            html.Td(_escalation(policy), className="rule-escalation"),
            html.Td(f"{r.alerts:,}"),
            html.Td(f"{r.per_week:.1f}"),
            html.Td(_pct(r.acknowledged_share)),
            html.Td(NONE if r.median_hours_to_ack is None else f"{r.median_hours_to_ack:.1f} h"),
            html.Td(_pct(r.churned_share)),
            html.Td(lift),
            *([html.Td(edit)] if manage else []),
        ],
        className="rule-row",
    )


def _table(session: Session, manage: bool) -> Any:
    rows = rule_noise(session, datetime.now(UTC))
    policies = rule_escalations(session)
    heads: list[Any] = ["Rule", "Kind", "Enabled", "Escalation", "Alerts", "Per week", "Acknowledged", "Median to ack",
             f"Churned ≤{HORIZON_DAYS} d", "vs base rate"]  # fmt: skip
    if manage:
        heads.append(html.Span("Change", className="visually-hidden"))
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in heads])),
            html.Tbody([_row(r, policies.get(r.rule_id), manage) for r in rows]),
        ],
        hover=True,
        size="sm",
        responsive=True,
        id="rules-table",
    )


def _form(session: Session, rule: AlertRule | None) -> tuple[Any, dict[str, Any]]:
    """The filled form and what the page remembers about the rule being edited."""
    values = rule_form.form_values(rule)
    params = rule_form.param_fields(values["kind"], values["params"])
    form = make_rule_form(values, params, **rule_form.form_options(session))
    return form, {"id": values["rule_id"], "kind": values["kind"], "params": values["params"]}


def _editor(session: Session) -> Any:
    form, editing = _form(session, None)
    return html.Div(
        [
            dbc.Button("New rule", id="rule-new", size="sm", color="primary", className="mb-2"),
            dbc.Collapse(
                dbc.Card(dbc.CardBody([html.Div(form, id="rule-form"), html.Div(id="rule-errors")])),
                id="rule-form-collapse",
                is_open=False,
                className="mb-3",
            ),
            dcc.Store(id="rule-editing", data=editing),
        ]
    )


def layout(**_query: Any) -> html.Div:
    session = db_session()
    manage = can(current_user, MANAGE)
    rows = rule_noise(session, datetime.now(UTC))
    base = rows[0].base_rate if rows else None
    how = "Create or change a rule below, or" if manage else "Rules are changed by managers and admins, or"
    return html.Div(
        [
            html.H1("Alert rules", className="page-title"),
            html.P(
                f"Is each rule worth its noise? Base rate: {_pct(base)} of accounts churn within {HORIZON_DAYS} "
                "days. Unacknowledged alerts escalate to the owner's manager, then the admins, after the "
                f"hours shown. {how} through the API (/api/v1/alert-rules).",
                className="page-subtitle mb-2",
            ),
            html.Div(id="rule-result", className="small mb-2", role="status"),
            *([_editor(session)] if manage else []),
            html.Div(_table(session, manage), id="rules-table-box"),
        ]
    )


@guarded_callback(
    MANAGE,
    Output("rule-form", "children"),
    Output("rule-form-collapse", "is_open"),
    Output("rule-editing", "data"),
    Output("rule-errors", "children", allow_duplicate=True),
    Input("rule-new", "n_clicks"),
    Input({"type": "rule-edit", "id": ALL}, "n_clicks"),
    Input("rule-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def open_form(_new: Any, _edits: list, _cancel: Any) -> tuple:
    """New rule, Edit (the row's rule) or Cancel."""
    clicked = dash.ctx.triggered_id
    if not dash.ctx.triggered or not dash.ctx.triggered[0]["value"]:
        raise dash.exceptions.PreventUpdate  # an Edit button drawn again, not clicked
    session = db_session()
    if clicked == "rule-cancel":
        return dash.no_update, False, dash.no_update, None
    rule = session.get(AlertRule, int(clicked["id"])) if isinstance(clicked, dict) else None
    form, editing = _form(session, rule)
    return form, True, editing, None


@dash.callback(
    Output("rule-params", "children"),
    Input("rule-kind", "value"),
    State("rule-editing", "data"),
    prevent_initial_call=True,
)
def kind_params(kind: str | None, editing: dict | None) -> list[Any]:
    """The chosen kind's parameters (the edited rule's values while its own kind is chosen)."""
    editing = editing or {}
    values = editing.get("params") if kind == editing.get("kind") else None
    return make_param_fields(rule_form.param_fields(kind or "", values))


@guarded_callback(
    MANAGE,
    Output("rule-errors", "children"),
    Output("rule-result", "children"),
    Output("rules-table-box", "children"),
    Output("rule-form-collapse", "is_open", allow_duplicate=True),
    Input("rule-save", "n_clicks"),
    State("rule-editing", "data"),
    State("rule-name", "value"),
    State("rule-kind", "value"),
    State({"type": "rule-param", "name": ALL}, "value"),
    State({"type": "rule-param", "name": ALL}, "id"),
    State("rule-scope", "value"),
    State("rule-severity", "value"),
    State("rule-route-to", "value"),
    State("rule-route-roles", "value"),
    State("rule-route-user", "value"),
    State("rule-channels", "value"),
    State("rule-cooldown", "value"),
    State("rule-escalation-mode", "value"),
    State({"type": "rule-step-hours", "i": ALL}, "value"),
    State({"type": "rule-step-target", "i": ALL}, "value"),
    State("rule-playbook", "value"),
    State("rule-enabled", "value"),
    prevent_initial_call=True,
)
def save_rule(
    _clicks: Any, editing: dict | None, name: str | None, kind: str | None, param_values: list, param_ids: list,
    scope: str | None, severity: str | None, route_to: list | None, route_roles: list | None,
    route_user: str | None, channels: list | None, cooldown: Any, mode: str | None, hours: list,
    targets: list, playbook: str | None, enabled: bool | None,
) -> tuple:  # fmt: skip
    if not _clicks:  # the form drawn again (New rule, Edit): its button was not clicked
        raise dash.exceptions.PreventUpdate
    form = {
        "name": name,
        "kind": kind,
        "scope": scope,
        "severity": severity,
        "route_to": route_to,
        "route_roles": route_roles,
        "route_user": route_user,
        "channels": channels,
        "cooldown_hours": cooldown,
        "escalation_mode": mode,
        "playbook_id": playbook,
        "enabled": enabled,
    }
    params = {i["name"]: v for i, v in zip(param_ids, param_values, strict=False)}
    data = rule_form.spec_data(form, params, list(zip(hours, targets, strict=False)))
    session = db_session()
    rule_id = (editing or {}).get("id")
    rule = session.get(AlertRule, int(rule_id)) if rule_id else None
    saved = rule_form.save(session, data, rule, current_user.id)
    if saved.errors:
        session.rollback()
        return make_rule_errors(saved.errors), dash.no_update, dash.no_update, True
    session.commit()
    assert saved.rule is not None
    return None, f"Saved the rule “{saved.rule.name}”.", _table(session, True), False


@guarded_callback(
    MANAGE,
    Output("rule-result", "children", allow_duplicate=True),
    Input({"type": "rule-enabled", "id": ALL}, "value"),
    prevent_initial_call=True,
)
def toggle_rule(_values: list) -> str:
    """A rule's Enabled switch: the rule saved again with only that changed (same checks as the form)."""
    clicked = dash.ctx.triggered_id
    if not isinstance(clicked, dict) or not dash.ctx.triggered:
        raise dash.exceptions.PreventUpdate
    wanted = bool(dash.ctx.triggered[0]["value"])
    session = db_session()
    rule = session.get(AlertRule, int(clicked["id"]))
    if rule is None or rule.enabled == wanted:
        raise dash.exceptions.PreventUpdate
    data = {**spec_of(rule).model_dump(mode="json"), "enabled": wanted}
    saved = rule_form.save(session, data, rule, current_user.id)
    if saved.errors:
        session.rollback()
        return f"Not changed: {'; '.join(saved.errors)}"
    session.commit()
    return f"“{rule.name}” is {'enabled' if wanted else 'disabled'}."
