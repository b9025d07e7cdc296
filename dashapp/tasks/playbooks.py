"""Playbooks: read them, and turn opened alerts of rules that name one into its steps as tasks.

`open_playbook_tasks` is one INSERT ... SELECT over every (alert, step) pair, assigned to the account's
owner and due `due_days` after the alert opened (UTC day). The unique (alert_id, playbook_step_id)
constraint makes it idempotent: ON CONFLICT DO NOTHING, so a re-run of the dispatch, or a snoozed alert
opening again, adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Date, cast, func, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from models.account import Account
from models.alert import Alert, AlertRule
from models.task import Playbook, PlaybookStep, Task


@dataclass(frozen=True)
class Step:
    position: int
    title: str
    due_days: int


@dataclass(frozen=True)
class PlaybookView:
    id: int
    name: str
    description: str
    is_default: bool
    steps: tuple[Step, ...]
    rule_ids: tuple[int, ...]  # the alert rules that run it

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "is_default": self.is_default,
            "steps": [{"position": s.position, "title": s.title, "due_days": s.due_days} for s in self.steps],
            "rule_ids": list(self.rule_ids),
        }


def list_playbooks(session: Session) -> list[PlaybookView]:
    """Every playbook with its steps in order and the rules that run it, by name."""
    playbooks = session.scalars(select(Playbook).order_by(Playbook.name)).all()
    steps: dict[int, list[Step]] = {p.id: [] for p in playbooks}
    for s in session.scalars(select(PlaybookStep).order_by(PlaybookStep.playbook_id, PlaybookStep.position)):
        steps[s.playbook_id].append(Step(s.position, s.title, s.due_days))
    rules: dict[int, list[int]] = {p.id: [] for p in playbooks}
    for rule_id, playbook_id in session.execute(
        select(AlertRule.id, AlertRule.playbook_id)
        .where(AlertRule.playbook_id.is_not(None))
        .order_by(AlertRule.id)
    ):
        if playbook_id is not None:  # the query selects only rules with a playbook
            rules[playbook_id].append(rule_id)
    return [
        PlaybookView(p.id, p.name, p.description, p.is_default, tuple(steps[p.id]), tuple(rules[p.id]))
        for p in playbooks
    ]


def playbook_exists(session: Session, playbook_id: int) -> bool:
    return session.get(Playbook, playbook_id) is not None


def playbook_steps(session: Session, playbook_id: int) -> list[PlaybookStep] | None:
    """A playbook's steps in order; None when there is no such playbook."""
    if not playbook_exists(session, playbook_id):
        return None
    stmt = select(PlaybookStep).where(PlaybookStep.playbook_id == playbook_id).order_by(PlaybookStep.position)
    return list(session.scalars(stmt))


def open_playbook_tasks(session: Session, alert_ids: Sequence[int], *, now: datetime) -> list[int]:
    """Tasks for every step of the playbook of each alert's rule (rules without one: nothing); returns the
    ids of the tasks this call created, none for pairs that already have theirs."""
    ids = sorted({int(i) for i in alert_ids})
    if not ids:
        return []
    opened_day = cast(func.timezone("UTC", Alert.opened_at), Date)
    pairs = (
        select(
            Alert.account_id,
            Account.owner_id,
            PlaybookStep.title,
            opened_day + PlaybookStep.due_days,
            literal("open"),
            literal("playbook"),
            Alert.id,
            PlaybookStep.id,
            literal(now),
            literal(now),
        )
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .join(PlaybookStep, PlaybookStep.playbook_id == AlertRule.playbook_id)
        .join(Account, Account.id == Alert.account_id)
        .where(Alert.id.in_(ids))
        .order_by(Alert.id, PlaybookStep.position)
    )
    columns = ["account_id", "assignee_id", "title", "due_date", "status", "source", "alert_id",
               "playbook_step_id", "created_at", "updated_at"]  # fmt: skip
    stmt = (
        pg_insert(Task)
        .from_select(columns, pairs)
        .on_conflict_do_nothing(index_elements=["alert_id", "playbook_step_id"])
        .returning(Task.id)
    )
    return sorted(session.scalars(stmt).all())
