"""Escalation delivery: unacknowledged alerts go up a chain of steps as they age, each step once.

Written against a narrow interface so the alert lifecycle (in `dashapp.alerts`) plugs in: the caller
passes the unacknowledged, unsnoozed open alerts as `Candidate`s (id, when its clock started, owner and
manager ids, what to say, its own policy if it has one) and a policy for the others, e.g.
`[Step(after_hours=4, target="manager"), Step(after_hours=24, target="admins")]`. Each step whose time
has come is recorded in `escalation_steps` (unique per alert and step, so a rerun or a second worker sends
nothing new) and notified through `dispatch.notify`, grouped: one notification per recipient per step
listing every alert that reached it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from dashapp.notify.dispatch import notify
from dashapp.notify.message import Item, Notification
from models.notify import SEVERITIES, EscalationStep
from models.user import User

TARGETS = ("manager", "admins")


@dataclass(frozen=True)
class Step:
    after_hours: float
    target: str  # manager | admins

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"target: one of {', '.join(TARGETS)}, not {self.target!r}")
        if not 0 < self.after_hours <= 24 * 365:
            raise ValueError("after_hours: more than 0, at most a year")


@dataclass(frozen=True)
class Candidate:
    alert_id: int
    opened_at: datetime | str
    owner_id: int | None
    manager_id: int | None
    account_id: int
    account_name: str
    title: str
    severity: str = "warning"
    policy: tuple[Step, ...] | None = None  # this alert's own steps; None: the policy given to `escalate`

    @property
    def opened(self) -> datetime:
        if isinstance(self.opened_at, datetime):
            return self.opened_at
        return datetime.fromisoformat(self.opened_at)


@dataclass
class EscalationResult:
    steps: list[tuple[int, int, str, list[int]]] = field(default_factory=list)  # alert, step, target, users
    delivery_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": [{"alert_id": a, "step": s, "target": t, "user_ids": u} for a, s, t, u in self.steps],
            "deliveries": len(self.delivery_ids),
        }


def policy_from(raw: list[dict[str, Any]]) -> list[Step]:
    steps = [Step(float(s["after_hours"]), str(s["target"])) for s in raw]
    if [s.after_hours for s in steps] != sorted(s.after_hours for s in steps):
        raise ValueError("policy: steps in increasing after_hours")
    return steps


def _admins(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id)
        )
    )


def escalate(
    session: Session, candidates: list[Candidate], policy: Sequence[Step] = (), *, now: datetime
) -> EscalationResult:
    """Take every step that is due and not taken yet; notify its recipients (grouped per recipient)."""
    result = EscalationResult()
    admins: list[int] | None = None
    # (recipient, step number, severity) -> items
    grouped: dict[tuple[int, int, str], list[Item]] = defaultdict(list)
    for candidate in candidates:
        age = now - candidate.opened
        steps = candidate.policy if candidate.policy is not None else policy
        for number, step in enumerate(steps, start=1):
            if age < timedelta(hours=step.after_hours):
                break
            if step.target == "manager":
                users = [candidate.manager_id] if candidate.manager_id else []
                if not users:  # no manager: this step goes to the admins instead
                    admins = admins if admins is not None else _admins(session)
                    users = admins
            else:
                admins = admins if admins is not None else _admins(session)
                users = admins
            taken = session.execute(
                insert(EscalationStep)
                .values(
                    alert_id=candidate.alert_id,
                    step=number,
                    target=step.target,
                    user_ids=users,
                    escalated_at=now,
                )
                .on_conflict_do_nothing(constraint="uq_escalation_steps_step")
                .returning(EscalationStep.id)
            ).scalar()
            if taken is None:
                continue
            result.steps.append((candidate.alert_id, number, step.target, users))
            hours = int(age.total_seconds() // 3600)
            severity = candidate.severity if candidate.severity in SEVERITIES else "warning"
            line = f"{candidate.title} (unacknowledged for {hours} h)"
            for user_id in users:
                grouped[(user_id, number, severity)].append(
                    Item(candidate.account_id, candidate.account_name, line)
                )
    for (user_id, number, severity), items in sorted(grouped.items()):
        notification = Notification(
            kind="alert.escalated",
            title=f"{len(items)} unacknowledged alert(s) escalated to you (step {number})",
            severity=severity,
            items=tuple(items),
            link_path="/alerts",
        )
        result.delivery_ids += notify(session, [user_id], notification, now=now)
    return result
