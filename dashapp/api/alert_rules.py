"""`/alert-rules`: list, read, create, replace and delete alert rules (validated by `RuleSpec`)."""

from __future__ import annotations

from typing import Any

from flask import Response
from sqlalchemy import func, select

from dashapp.alerts.rules import RuleSpec, effective_escalation
from dashapp.api.alert_schemas import AlertRuleList, AlertRuleOut
from dashapp.api.blueprint import bp
from dashapp.api.http import ApiError, id_param, json_response, path_id
from dashapp.api.spec import operation
from dashapp.extensions import db_session
from dashapp.tasks.playbooks import playbook_exists
from models.alert import AlertRule
from models.user import User

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


def _check(body: RuleSpec, rule_id: int | None = None) -> None:
    """What the schema cannot see: a unique name, and the users and playbook it names exist."""
    session = db_session()
    same = select(AlertRule.id).where(func.lower(AlertRule.name) == body.name.lower())
    if rule_id is not None:
        same = same.where(AlertRule.id != rule_id)
    if session.scalar(same) is not None:
        raise ApiError(
            409,
            f"An alert rule named {body.name!r} already exists.",
            title="Conflict",
            errors=[{"name": "body.name", "message": "is already used by another rule"}],
        )
    if body.playbook_id is not None and not playbook_exists(session, body.playbook_id):
        message = f"there is no playbook {body.playbook_id}"
        raise ApiError(
            422, f"playbook_id: {message}.", errors=[{"name": "body.playbook_id", "message": message}]
        )
    for i, route in enumerate(body.routing):
        if route.user_id is not None and session.get(User, route.user_id) is None:
            raise ApiError(
                422,
                f"routing.{i}.user_id: there is no user {route.user_id}.",
                errors=[
                    {"name": f"body.routing.{i}.user_id", "message": f"there is no user {route.user_id}"}
                ],
            )


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
    _check(body)
    session = db_session()
    rule = AlertRule(**body.model_dump(mode="json"), created_by_id=caller.user.id)
    session.add(rule)
    session.commit()
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
    _check(body, rule.id)
    for key, value in body.model_dump(mode="json").items():
        setattr(rule, key, value)
    db_session().commit()
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
