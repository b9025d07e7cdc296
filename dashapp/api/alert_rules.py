"""`/alert-rules`: list, read, create, replace and delete alert rules (validated by `RuleSpec`, saved
through `dashapp.alerts.rule_service`, as the Alert rules page does)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response
from sqlalchemy import select

from dashapp.alerts.rule_service import RuleError, create_rule, replace_rule
from dashapp.alerts.rules import RuleSpec, effective_escalation
from dashapp.api.alert_schemas import AlertRuleList, AlertRuleOut
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from models.alert import AlertRule

RULE_ID = id_param("rule_id", "The alert rule's id.")


def rule_body(rule: AlertRule) -> dict[str, Any]:
    return AlertRuleOut(
        id=rule.id,
        name=rule.name,
        kind=rule.kind,
        params=rule.params,
        scope=rule.scope,
        severity=rule.severity,  # type: ignore[arg-type]
        routing=rule.routing,  # type: ignore[arg-type]
        channels=rule.channels,
        cooldown_hours=rule.cooldown_hours,
        escalation=rule.escalation,  # type: ignore[arg-type]
        effective_escalation=list(effective_escalation(rule.severity, rule.escalation)),
        enabled=rule.enabled,
        is_default=rule.is_default,
        playbook_id=rule.playbook_id,
        created_by_id=rule.created_by_id,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    ).model_dump()


def _rule(rule_id: str) -> AlertRule:
    rule = db_session().get(AlertRule, path_id(rule_id, "alert rule"))
    if rule is None:
        raise ApiError(404, f"There is no alert rule {rule_id}.")
    return rule


def _save(body: RuleSpec, save: Callable[[], AlertRule]) -> AlertRule:
    """Run a rule service call; its `RuleError` becomes a 4xx naming the body field."""
    session = db_session()
    try:
        rule = save()
    except RuleError as exc:
        session.rollback()
        conflict = exc.status == 409
        detail = f"An alert rule named {body.name!r} already exists." if conflict else f"{exc.field}: {exc}."
        raise ApiError(
            exc.status,
            detail,
            title="Conflict" if conflict else None,
            errors=[{"name": f"body.{exc.field}", "message": str(exc)}],
        ) from None
    session.commit()
    return rule


@operation(bp, "GET", "/alert-rules", summary="Alert rules", tag="Alerts", response=AlertRuleList)
def list_alert_rules(caller: Any) -> Response:
    """Every alert rule, the shipped defaults first."""
    rules = db_session().scalars(select(AlertRule).order_by(AlertRule.is_default.desc(), AlertRule.id))
    return json_response({"data": [rule_body(r) for r in rules]})


@operation(
    bp,
    "GET",
    "/alert-rules/{rule_id}",
    summary="One alert rule",
    tag="Alerts",
    response=AlertRuleOut,
    errors=(404,),
    path_params=RULE_ID,
)
def get_alert_rule(caller: Any, rule_id: str) -> Response:
    """An alert rule with its kind, parameters, scope, routing and channels."""
    return json_response(rule_body(_rule(rule_id)))


@operation(
    bp,
    "POST",
    "/alert-rules",
    summary="Create an alert rule",
    tag="Alerts",
    body=RuleSpec,
    response=AlertRuleOut,
    status=201,
    scope="write",
    permission="manage_alert_rules",
    errors=(409,),
)
def create_alert_rule(caller: Any, body: RuleSpec) -> Response:
    """A new rule, evaluated from the next recompute or event on. `params` depend on `kind`; `scope` is a
    filter query string (e.g. `segment=enterprise`); `escalation` lists the steps for its unacknowledged
    alerts (null: the severity's default); bad values are named in `errors`."""
    rule = _save(body, lambda: create_rule(db_session(), body, caller.user.id))
    return json_response(rule_body(rule), status=201)


@operation(
    bp,
    "PUT",
    "/alert-rules/{rule_id}",
    summary="Replace an alert rule",
    tag="Alerts",
    body=RuleSpec,
    response=AlertRuleOut,
    scope="write",
    permission="manage_alert_rules",
    errors=(404, 409),
    path_params=RULE_ID,
)
def replace_alert_rule(caller: Any, rule_id: str, body: RuleSpec) -> Response:
    """Replace every field of a rule. Its open alerts stay; the next evaluation resolves those the new
    condition no longer holds for."""
    rule = _rule(rule_id)
    _save(body, lambda: replace_rule(db_session(), rule, body))
    return json_response(rule_body(rule))


@operation(
    bp,
    "DELETE",
    "/alert-rules/{rule_id}",
    summary="Delete an alert rule",
    tag="Alerts",
    response=AlertRuleOut,
    scope="write",
    permission="manage_alert_rules",
    errors=(404,),
    path_params=RULE_ID,
)
def delete_alert_rule(caller: Any, rule_id: str) -> Response:
    """Delete a rule and its alerts (to keep the history, disable it instead with `enabled: false`)."""
    rule = _rule(rule_id)
    body = rule_body(rule)
    session = db_session()
    session.delete(rule)
    session.commit()
    return json_response(body)
