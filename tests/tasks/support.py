"""Builders for task tests: an alert rule running a playbook, and the alerts it opens. They flush, never
commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import evaluate
from models.account import Account
from models.alert import Alert, AlertRule
from models.task import Playbook
from tests.alerts.support import NOW, make_rule
from tests.support.health_rows import make_health


def shipped_playbook(session: Session, name: str = "Payment failed") -> Playbook:
    return session.scalars(select(Playbook).where(Playbook.name == name)).one()


def playbook_rule(session: Session, name: str = "Payment failed") -> AlertRule:
    """A score-below-40 rule (the shipped ones switched off) running the shipped playbook `name`."""
    rule = make_rule(session, "score_below", {"threshold": 40}, name=f"low score runs {name}")
    rule.playbook_id = shipped_playbook(session, name).id
    session.flush()
    return rule


def open_alert(session: Session, rule: AlertRule, account: Account) -> Alert:
    make_health(session, account, 10, day=NOW.date())
    evaluate(session, NOW, rule_ids=[rule.id])
    return session.scalars(
        select(Alert).where(Alert.rule_id == rule.id, Alert.account_id == account.id)
    ).one()
