"""Saving alert rules: what `RuleSpec` cannot see on its own (a unique name, the users and the playbook it
names exist), then the row. The API and the Alert rules page both save through here, in the caller's
transaction; the caller commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dashapp.alerts.rules import RuleSpec
from dashapp.tasks.playbooks import playbook_exists
from models.alert import AlertRule
from models.user import User


class RuleError(ValueError):
    """A rule that cannot be saved: `field` names the input at fault (`name`, `routing.0.user_id`)."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


def check_references(session: Session, spec: RuleSpec, rule_id: int | None = None) -> None:
    """Raise `RuleError` if another rule has the name, or a user or playbook it names does not exist."""
    same = select(AlertRule.id).where(func.lower(AlertRule.name) == spec.name.lower())
    if rule_id is not None:
        same = same.where(AlertRule.id != rule_id)
    if session.scalar(same) is not None:
        raise RuleError("name", "is already used by another rule", status=409)
    if spec.playbook_id is not None and not playbook_exists(session, spec.playbook_id):
        raise RuleError("playbook_id", f"there is no playbook {spec.playbook_id}")
    for i, route in enumerate(spec.routing):
        if route.user_id is not None and session.get(User, route.user_id) is None:
            raise RuleError(f"routing.{i}.user_id", f"there is no user {route.user_id}")


def create_rule(session: Session, spec: RuleSpec, actor_id: int | None) -> AlertRule:
    """A new rule from a validated spec (checked here); flushed, not committed."""
    check_references(session, spec)
    rule = AlertRule(**spec.model_dump(mode="json"), created_by_id=actor_id)
    session.add(rule)
    session.flush()
    return rule


def replace_rule(session: Session, rule: AlertRule, spec: RuleSpec) -> AlertRule:
    """Every field of `rule` from a validated spec (checked here); flushed, not committed."""
    check_references(session, spec, rule.id)
    values: dict[str, Any] = spec.model_dump(mode="json")
    for key, value in values.items():
        setattr(rule, key, value)
    session.flush()
    return rule
