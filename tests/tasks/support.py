"""Builders for task tests: an alert rule running a playbook, and the alerts it opens. They flush, never
commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashapp.alerts.evaluate import evaluate
from models.account import Account
from models.alert import Alert, AlertRule
from models.task import Playbook, PlaybookStep
from tests.alerts.support import NOW, make_rule
from tests.support.health_rows import make_health


def make_playbook(
    session: Session,
    name: str = "Payment failed (test)",
    steps: tuple[tuple[str, int], ...] = (("Email the billing contact", 1), ("Call the sponsor", 2)),
) -> Playbook:
    """A playbook of its own (the shipped ones are gone once a browser test has emptied the shared
    database; test_playbooks.py checks them on a fresh one)."""
    playbook = Playbook(name=name)
    session.add(playbook)
    session.flush()
    for position, (title, days) in enumerate(steps, start=1):
        session.add(PlaybookStep(playbook_id=playbook.id, position=position, title=title, due_days=days))
    session.flush()
    return playbook


def playbook_rule(session: Session) -> AlertRule:
    """A score-below-40 rule (the shipped ones switched off) running a two-step playbook."""
    rule = make_rule(session, "score_below", {"threshold": 40}, name="low score runs a playbook")
    rule.playbook_id = make_playbook(session).id
    session.flush()
    return rule


def open_alert(session: Session, rule: AlertRule, account: Account) -> Alert:
    make_health(session, account, 10, day=NOW.date())
    evaluate(session, NOW, rule_ids=[rule.id])
    return session.scalars(
        select(Alert).where(Alert.rule_id == rule.id, Alert.account_id == account.id)
    ).one()
